// Audio levels survive mixing: a sound is as loud next to others as alone, even after the others end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRenderer, type MovieScript } from '../../../src/apis/phantomflow/render/index.ts';
import { runFfmpeg } from '../../../src/media/ffmpeg.ts';

const out = mkdtempSync(join(tmpdir(), 'render-audio-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const renderer = createRenderer({ outputDir: out });

/** Mean volume (dB) of the file's audio between `from` and `to` seconds, via FFmpeg's volumedetect. */
async function meanVolume(file: string, from: number, to: number): Promise<number> {
  const r = await runFfmpeg(['-loglevel', 'info', '-i', file, '-af', `atrim=${from}:${to},volumedetect`, '-vn', '-f', 'null', '-']);
  const m = /mean_volume: (-?[\d.]+) dB/.exec(r.stderr);
  if (!m) throw new Error(`no volumedetect output: ${r.stderr.slice(-300)}`);
  return Number(m[1]);
}

const late = { type: 'audio' as const, src: 'fixtures/media/tone-1s.wav', start: 1.5 };
const script = (withEarlyTone: boolean): MovieScript => ({
  width: 160,
  height: 90,
  scenes: [{ duration: 3, elements: withEarlyTone ? [{ type: 'audio', src: 'fixtures/media/tone-1s.wav' }, late] : [late] }],
});

it('a tone keeps its level after an earlier tone has ended', { timeout: 30_000 }, async () => {
  const [alone, mixed] = await Promise.all([
    renderer.render(script(false), { jobId: 'alone' }),
    renderer.render(script(true), { jobId: 'mixed' }),
  ]);
  if (!alone.ok || !mixed.ok) throw new Error('render failed');
  const a = await meanVolume(alone.file, 1.7, 2.3);
  const b = await meanVolume(mixed.file, 1.7, 2.3);
  expect(a).toBeGreaterThan(-40); // the tone is really there
  expect(Math.abs(a - b)).toBeLessThan(1); // and equally loud (amix renormalising would add ≈ 3.5 dB)
  expect(await meanVolume(mixed.file, 0.2, 0.8)).toBeCloseTo(a, 0);
});
