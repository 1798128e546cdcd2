// Real renders, probed with ffprobe and looked at pixel by pixel.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenderer, probe, type MovieScript, type RenderResult } from '../../../src/apis/phantomflow/render/index.ts';
import { runFfmpeg } from '../../../src/media/ffmpeg.ts';

const out = mkdtempSync(join(tmpdir(), 'render-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const renderer = createRenderer({ outputDir: out });

function ok(r: RenderResult): Extract<RenderResult, { ok: true }> {
  if (!r.ok) throw new Error(`render failed: ${r.error.message}`);
  return r;
}

/** One frame at `t` seconds as rgb24 rows, and a way to read a pixel. */
async function frameAt(file: string, t: number, width: number) {
  const raw = join(out, `frame-${Math.random().toString(36).slice(2)}.rgb`);
  const r = await runFfmpeg(['-y', '-loglevel', 'error', '-ss', String(t), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw]);
  expect(r.code).toBe(0);
  const bytes = readFileSync(raw);
  return (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return [bytes[i]!, bytes[i + 1]!, bytes[i + 2]!] as const;
  };
}

const near = (actual: readonly number[], expected: readonly number[], tolerance = 24) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

describe('createRenderer', () => {
  const script: MovieScript = {
    width: 1920,
    height: 1080,
    fps: 24,
    scenes: [
      // A wall of full-block glyphs: a solid white text area whose pixels can be checked.
      { duration: 1.5, background: '#1e3a8a', elements: [{ type: 'text', text: '████', font_size: 300, color: '#ffffff', position: 'center' }, { type: 'image', src: 'fixtures/media/testpattern.png', position: 'top-right' }] },
      { duration: 1.2, background: '#b91c1c', elements: [{ type: 'audio', src: 'fixtures/media/tone-1s.wav', start: 0.2, volume: 0.8 }, { type: 'video', src: 'fixtures/media/clip-2s.mp4', position: 'bottom-left', duration: 1 }] },
    ],
  };

  it('renders scenes in order to an H.264 + AAC MP4 of the summed duration, light fidelity', async () => {
    const r = ok(await renderer.render(script, { jobId: 'light' }));
    const info = await probe(r.file);
    expect(Math.abs(info.durationSeconds - 2.7)).toBeLessThanOrEqual(0.1);
    expect(info.video).toMatchObject({ codec: 'h264', width: 640, height: 360, pixFmt: 'yuv420p' });
    expect(info.video!.fps).toBeCloseTo(24, 1);
    expect(info.audio?.codec).toBe('aac');
    expect(r.bytes).toBeGreaterThan(1000);
    // The bytes start like an MP4 (ftyp box) and the index sits before the media (+faststart).
    const head = readFileSync(r.file).subarray(0, 64).toString('latin1');
    expect(head.slice(4, 8)).toBe('ftyp');
    expect(head).toContain('moov');

    // Scene 1: background in a corner, white text at the centre; scene 2: its own background.
    const px1 = await frameAt(r.file, 0.5, 640);
    expect(near(px1(10, 350), [0x1e, 0x3a, 0x8a])).toBe(true);
    expect(near(px1(320, 180), [255, 255, 255])).toBe(true);
    const px2 = await frameAt(r.file, 2.6, 640); // after the 1 s clip (which fills the frame) has ended
    expect(near(px2(600, 20), [0xb9, 0x1c, 0x1c])).toBe(true);
    expect(near(px2(320, 180), [0xb9, 0x1c, 0x1c])).toBe(true);

    // The thumbnail is a real JPEG.
    expect(readFileSync(r.thumbnail!).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('keeps the requested size at full fidelity, and the aspect ratio of a portrait script', async () => {
    const full = ok(await renderer.render({ width: 320, height: 240, fps: 10, scenes: [{ duration: 0.5, background: '#000' }] }, { jobId: 'full', fidelity: 'full' }));
    expect((await probe(full.file)).video).toMatchObject({ width: 320, height: 240 });
    const portrait = ok(await renderer.render({ width: 1080, height: 1920, fps: 10, scenes: [{ duration: 0.5 }] }, { jobId: 'portrait' }));
    expect((await probe(portrait.file)).video).toMatchObject({ width: 360, height: 640 });
  });

  it('text with quotes, colons, percent signs and backslashes is drawn, not parsed', async () => {
    const r = await renderer.render({ width: 320, height: 180, scenes: [{ duration: 0.4, elements: [{ type: 'text', text: `it's 100%: "a\\b" [x], {y}; %{pts}` }] }] }, { jobId: 'escape' });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
  });

  it('reports progress from FFmpeg while rendering, non-decreasing, then 100', { timeout: 60_000 }, async () => {
    // 30 s of light-fidelity video takes FFmpeg over a second here, so its -progress output
    // (every 0.5 s) reports mid-render; the renderer's own final 100 alone would not pass.
    const seen: number[] = [];
    const script: MovieScript = { width: 640, height: 360, fps: 30, quality: 'low', scenes: [{ duration: 15, background: '#123456', elements: [{ type: 'text', text: 'progress' }] }, { duration: 15, background: '#654321' }] };
    ok(await renderer.render(script, { jobId: 'progress', onProgress: (p) => seen.push(p) }));
    expect(seen.at(-1)).toBe(100);
    const during = seen.slice(0, -1);
    expect(during.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    for (const p of during) {
      // 100 means finished: while FFmpeg runs, progress stays below it.
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(100);
    }
    expect(during.some((p) => p > 0 && p < 100)).toBe(true);
    // At least one report from the middle of the render, not only FFmpeg's closing block.
    expect(during.some((p) => p > 0 && p < 90), JSON.stringify(seen)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!, JSON.stringify(seen)).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});

describe('scene timing', () => {
  it('scene boundaries stay on the cumulative timeline when durations are not whole frames', { timeout: 30_000 }, async () => {
    // Eight 0.25 s scenes at 10 fps: 2.5 frames each. Rounding every scene up would push the last
    // one to start at 2.1 s and cut it off; on the cumulative timeline it starts at 1.8 s.
    const colours = ['#000000', '#ffffff', '#000000', '#ffffff', '#000000', '#ffffff', '#000000', '#ff0000'];
    const r = ok(await renderer.render({ width: 160, height: 90, fps: 10, scenes: colours.map((background) => ({ duration: 0.25, background })) }, { jobId: 'timing' }));
    const info = await probe(r.file);
    expect(Math.abs(info.durationSeconds - 2)).toBeLessThanOrEqual(0.1);
    const last = await frameAt(r.file, 1.9, 160);
    expect(near(last(80, 45), [255, 0, 0], 40)).toBe(true);
  });
});

describe('video elements', () => {
  it('a clip starts at its offset into the scene, fills the frame, and is gone when it ends', { timeout: 30_000 }, async () => {
    const r = ok(await renderer.render({
      width: 160, height: 90, fps: 10,
      scenes: [{ duration: 2, background: '#ff0000', elements: [{ type: 'video', src: 'fixtures/media/clip-2s.mp4', start: 0.5, duration: 1 }] }],
    }, { jobId: 'clip' }));
    const isBackground = async (t: number) => near((await frameAt(r.file, t, 160))(80, 80), [255, 0, 0], 40);
    expect(await isBackground(0.2)).toBe(true); // before the clip
    expect(await isBackground(1.0)).toBe(false); // the clip covers the frame
    expect(await isBackground(1.8)).toBe(true); // after it
    expect((await probe(r.file)).audio?.codec).toBe('aac');
  });
});
