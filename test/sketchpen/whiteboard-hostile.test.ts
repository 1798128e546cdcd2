// Hostile text in a video: drawn and spoken literally or refused with a clear message; the
// renderer and its narrator keep working afterwards. Also: the spec's voices and limits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { FLITE_VOICE_OF, fliteVoiceFor } from '../../src/apis/sketchpen/voices.ts';
import { createWhiteboardRenderer, WHITEBOARD_LIMITS, type WhiteboardResult } from '../../src/apis/sketchpen/whiteboard.ts';
import { createNarrator } from '../../src/media/speech.ts';
import { probe } from '../../src/media/probe.ts';
import { ROOT } from '../../src/paths.ts';
import { frameAt } from '../support/media.ts';

const out = mkdtempSync(join(tmpdir(), 'whiteboard-hostile-'));
const renderer = createWhiteboardRenderer({ outputDir: out });
afterAll(async () => {
  await renderer.close();
  rmSync(out, { recursive: true, force: true });
});

function ok(r: WhiteboardResult): Extract<WhiteboardResult, { ok: true }> {
  if (!r.ok) throw new Error(`render failed: ${r.error.code} ${r.error.message}`);
  return r;
}

const HOSTILE = `It's "quoted": a\\b \\' \\\\ ; [x] , %{pts} %{eif\\:n\\:d} %{localtime} %% {}=: drawtext=text=x:fontfile=/etc/passwd \u0000NUL \u001b[31mESC\u001b[0m \u202eRTL\u202c \ud800 caf\u00e9 \ud83c\udf89`;

describe('hostile text', () => {
  it('is drawn literally: %{…} is not expanded (the board does not change once written), quotes and colons do not break the graph', async () => {
    const r = ok(
      await renderer.renderWhiteboard({
        id: 'hostile',
        scenes: [{ speech: `Listen: ${HOSTILE}`, visual_description: `${HOSTILE}\nline two: \\n is not a newline` }],
        config: { aspect_ratio: '16:9', fps: 24 },
      }),
    );
    const scene = r.scenes[0]!;
    // Spoken and captioned without the control characters, everything else kept.
    const words = scene.captions.map((c) => c.word);
    expect(words.join(' ')).not.toMatch(/[\u0000-\u001f\u202e\u202c]/);
    expect(words).toContain('%{pts}');
    expect(words).toContain('drawtext=text=x:fontfile=/etc/passwd');
    // Written, and then still: an expanded %{pts} or %{localtime} would change from frame to frame.
    const board = { x: 20, y: 20, w: 600, h: 270 };
    const a = await frameAt(r.video, scene.duration - 0.6, 640, 360, out);
    const b = await frameAt(r.video, scene.duration - 0.1, 640, 360, out);
    expect(a.dark(board)).toBeGreaterThan(1500);
    // (Only encoding noise differs; a changed number would move thousands of pixels.)
    expect(b.diff(a, board)).toBeLessThan(0.3);
    expect((await probe(r.video)).durationSeconds).toBeCloseTo(scene.duration, 1);
  }, 90_000);

  it('very long text: speech over the spec\'s 2000 characters is refused, a 2000-character description is fitted, a long narration renders to its length', async () => {
    const tooLong = await renderer.renderWhiteboard({ id: 'too-long', scenes: [{ speech: 'a'.repeat(2001), visual_description: 'x' }] });
    expect(tooLong).toEqual({ ok: false, error: { code: 'AUDIO_GENERATION_ERROR', message: "Scene 1's speech is 2001 characters long; at most 2000 are allowed" } });
    const tooMuch = await renderer.renderWhiteboard({ id: 'too-much', scenes: Array.from({ length: 11 }, () => ({ speech: 'word '.repeat(400).trim(), visual_description: 'x' })) });
    expect(tooMuch).toEqual({ ok: false, error: { code: 'AUDIO_GENERATION_ERROR', message: "The video's speech is 21989 characters long; at most 20000 can be narrated" } });
    const tooMany = await renderer.renderWhiteboard({ id: 'too-many', scenes: Array.from({ length: 41 }, () => ({ speech: 'Hi.', visual_description: 'x' })) });
    expect(tooMany).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'Invalid video: 41 scenes; at most 40' } });
    const longDescription = await renderer.renderWhiteboard({ id: 'long-description', scenes: [{ speech: 'Short.', visual_description: 'A very long description. '.repeat(80).slice(0, 2000) }] });
    expect(longDescription.ok).toBe(true);

    const speech = 'Water evaporates from the sea, rises, cools into clouds, and falls again as rain on the hills. '.repeat(6).trim();
    expect(speech.length).toBeGreaterThan(500); // several Flite pieces, about half a minute
    const r = ok(await renderer.renderWhiteboard({ id: 'long-speech', scenes: [{ speech, visual_description: 'The water cycle.' }] }));
    const reference = createNarrator({ processes: 1 });
    try {
      const n = await reference.narrate(speech, 'slt');
      expect(Math.abs((await probe(r.video)).durationSeconds - n.durationSeconds)).toBeLessThanOrEqual(0.1);
    } finally {
      await reference.close();
    }
  }, 90_000);

  it('after all that, the same renderer still renders', async () => {
    const r = ok(await renderer.renderWhiteboard({ id: 'after', scenes: [{ speech: 'Everything still works.', visual_description: 'A tick.' }] }));
    expect((await probe(r.video)).video?.codec).toBe('h264');
  });
});

describe('the spec and the renderer agree', () => {
  const spec = yaml.load(readFileSync(join(ROOT, 'openapi/sketchpen.yaml'), 'utf8')) as any;
  it('every voice GET /voices lists has a Flite voice, and distinct voices sound distinct', () => {
    const listed = spec.paths['/voices'].get.responses['200'].content['application/json'].example.voices.map((v: { id: string }) => v.id);
    expect(listed.length).toBeGreaterThan(0);
    expect(Object.keys(FLITE_VOICE_OF).sort()).toEqual([...listed].sort());
    expect(new Set(listed.map((id: string) => fliteVoiceFor(id))).size).toBe(listed.length);
    expect(fliteVoiceFor(null)).toBe(FLITE_VOICE_OF.emma);
    expect(() => fliteVoiceFor('__proto__')).toThrow('Unknown voice_id "__proto__"');
  });

  it('the renderer\'s bounds are the spec\'s', () => {
    const schemas = spec.components.schemas;
    expect(WHITEBOARD_LIMITS.scenes).toBe(schemas.Video.properties.scenes.maxItems);
    expect(WHITEBOARD_LIMITS.speechChars).toBe(schemas.SceneUpdate.properties.speech.maxLength);
    expect(WHITEBOARD_LIMITS.descriptionChars).toBe(schemas.SceneUpdate.properties.visual_description.maxLength);
    expect(schemas.AspectRatio.enum).toEqual(['16:9', '9:16', '1:1']);
    expect(schemas.VideoError.properties.code.enum).toEqual(expect.arrayContaining(['AUDIO_GENERATION_ERROR', 'IMAGE_GENERATION_ERROR', 'RENDER_TIMEOUT', 'INTERNAL_ERROR']));
  });
});
