// The deterministic script writer: same prompt, seed, generation and feedback → the same scenes;
// always 3–8 scenes whose speech and descriptions stay within the spec's bounds and carry no
// control characters, whatever the prompt; speakers take turns; feedback steers the length.
import { describe, expect, it } from 'vitest';
import { estimatedCaptions, topicOf, writeScript, type ScriptInput } from '../../src/apis/sketchpen/script.ts';

const base: ScriptInput = { prompt: 'How volcanoes work', seed: 42, generation: 0, feedback: '', assets: [], speakerIds: [] };
const content = (input: ScriptInput) => writeScript(input).map((s) => [s.speech, s.visual_description, s.assets]);

describe('writeScript', () => {
  it('is deterministic in prompt, seed, generation and feedback; ids are fresh', () => {
    expect(content(base)).toEqual(content({ ...base }));
    expect(writeScript(base)[0]!.id).not.toBe(writeScript(base)[0]!.id);
    const variants = [{ seed: 7 }, { generation: 1 }, { feedback: 'make it funnier' }, { prompt: 'How glaciers work' }];
    const differing = variants.filter((v) => JSON.stringify(content({ ...base, ...v })) !== JSON.stringify(content(base)));
    expect(differing.length).toBeGreaterThanOrEqual(3);
  });

  it('3–8 scenes for any prompt, bounded text without control characters', () => {
    const prompts = ['x', 'A'.repeat(2000), 'word '.repeat(400), '\u0000\u0007\u202e evil\ttabs\nnewlines %{pts} "quotes" : colons', '🎬🎬🎬', 'Explain how photosynthesis works for a middle-school class'];
    const counts = new Set<number>();
    for (const [i, prompt] of prompts.entries()) {
      for (let seed = 0; seed < 20; seed++) {
        const scenes = writeScript({ ...base, prompt, seed: seed * 31 + i });
        counts.add(scenes.length);
        expect(scenes.length).toBeGreaterThanOrEqual(3);
        expect(scenes.length).toBeLessThanOrEqual(8);
        for (const s of scenes) {
          expect(s.speech.length).toBeLessThanOrEqual(300);
          expect(s.visual_description.length).toBeLessThanOrEqual(400);
          expect(s.speech).not.toMatch(/[\u0000-\u001f\u202e]/);
          expect(s.visual_description).not.toMatch(/[\u0000-\u001f\u202e]/);
          expect(s.captions.map((c) => c.word).join(' ')).toBe(s.speech);
        }
      }
    }
    expect([...counts].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('feedback asking for fewer or more scenes moves the count from the replaced script, within 3–8', () => {
    for (let seed = 0; seed < 30; seed++) {
      const n = writeScript({ ...base, seed }).length;
      expect(writeScript({ ...base, seed, generation: 1, previousScenes: n, feedback: 'Fewer scenes please' }).length).toBe(Math.max(3, n - 2));
      expect(writeScript({ ...base, seed, generation: 1, previousScenes: n, feedback: 'more detail' }).length).toBe(Math.min(8, n + 2));
    }
  });

  it('speakers take turns, objects appear one per scene, both named in the drawing', () => {
    const assets = [
      { id: 'fox', name: 'Felix the fox', type: 'character' as const },
      { id: 'owl', name: 'Olive the owl', type: 'character' as const },
      { id: 'kite', name: 'Red kite', type: 'object' as const },
    ];
    const scenes = writeScript({ ...base, assets, speakerIds: ['fox', 'owl'] });
    scenes.forEach((s, i) => {
      expect(s.assets).toEqual([i % 2 ? 'owl' : 'fox', 'kite']);
      expect(s.visual_description).toContain(i % 2 ? 'Olive the owl' : 'Felix the fox');
      expect(s.visual_description).toContain('Red kite');
    });
  });

  it('the topic is the prompt said mid-sentence; captions are timed in order', () => {
    expect(topicOf('Explain how photosynthesis works')).toBe('how photosynthesis works');
    expect(topicOf('How volcanoes work.')).toBe('how volcanoes work');
    expect(topicOf('NASA and the moon')).toBe('NASA and the moon');
    expect(topicOf('   ')).toBe('this idea');
    const c = estimatedCaptions('One two three, four.');
    expect(c.map((w) => w.word)).toEqual(['One', 'two', 'three,', 'four.']);
    for (let i = 1; i < c.length; i++) expect(c[i]!.start).toBeGreaterThanOrEqual(c[i - 1]!.end);
  });
});
