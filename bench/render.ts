// `npm run bench:render`: a 10-second, 3-scene, 1920×1080-requested script with text, an image and
// audio, rendered at light fidelity; wall time, realtime factor, and our end-to-end time against
// the bare FFmpeg command line it ran. Targets: ≥ 10× realtime; overhead ≤ 1.2× bare FFmpeg.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRenderer, probe, type MovieScript } from '../src/apis/phantomflow/render/index.ts';
import { ffmpegPath } from '../src/media/ffmpeg.ts';
import { ROOT } from '../src/paths.ts';
import { ffmpegVersion, machine } from './machine.ts';

const RUNS = Number(process.env.BENCH_RENDER_RUNS ?? 5);
const script: MovieScript = {
  width: 1920,
  height: 1080,
  fps: 30,
  scenes: [
    { duration: 3.5, background: '#0f172a', elements: [{ type: 'text', text: 'Quarterly results', font_size: 120 }, { type: 'audio', src: 'fixtures/media/tone-1s.wav', start: 0.5 }] },
    { duration: 3.5, background: '#14532d', elements: [{ type: 'image', src: 'fixtures/media/testpattern.png', position: 'center', width: 960 }, { type: 'text', text: 'Revenue up', font_size: 80, position: 'bottom-center' }] },
    { duration: 3, background: '#7f1d1d', elements: [{ type: 'text', text: 'Thank you', font_size: 140, position: 'center' }, { type: 'audio', src: 'fixtures/media/tone-1s.wav', volume: 0.5 }] },
  ],
};

const out = mkdtempSync(join(tmpdir(), 'bench-render-'));
const renderer = createRenderer({ outputDir: out });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const warm = await renderer.render(script, { jobId: 'warm' });
  if (!warm.ok) throw new Error(warm.error.message);
  const ours: number[] = [];
  const bare: number[] = [];
  let command: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await renderer.render(script, { jobId: `run${i}` });
    ours.push(performance.now() - t0);
    if (!r.ok) throw new Error(r.error.message);
    command = r.command;
    // The same argv, spawned directly: what FFmpeg alone costs.
    const t1 = performance.now();
    const b = spawnSync(ffmpegPath(), ['-hide_banner', '-nostdin', ...command], { stdio: 'ignore' });
    bare.push(performance.now() - t1);
    if (b.status !== 0) throw new Error(`bare FFmpeg exited with ${b.status}`);
  }
  const info = await probe(join(out, `run0.mp4`));
  const wallMs = median(ours);
  const result = {
    at: new Date().toISOString(),
    machine: { ...machine(), ffmpeg: ffmpegVersion() },
    script: { requested: '1920x1080', scenes: 3, seconds: 10, elements: ['text', 'image', 'audio'] },
    output: { width: info.video?.width, height: info.video?.height, durationSeconds: info.durationSeconds, audio: info.audio?.codec },
    runs: RUNS,
    wallMs: Math.round(wallMs),
    realtimeFactor: Math.round((10 / (wallMs / 1000)) * 10) / 10,
    bareFfmpegMs: Math.round(median(bare)),
    overheadRatio: Math.round((wallMs / median(bare)) * 100) / 100,
    targets: { realtimeFactor: '≥ 10', overheadRatio: '≤ 1.2' },
    samplesMs: { ours: ours.map(Math.round), bare: bare.map(Math.round) },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/render-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    '# Render benchmark',
    '',
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `10-second, 3-scene script requested at 1920×1080 with text, an image and audio; light fidelity → ${result.output.width}×${result.output.height}, ${result.output.durationSeconds} s, audio ${result.output.audio}. Median of ${RUNS} runs after a warm-up.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| wall time (end to end) | ${result.wallMs} ms | |`,
    `| realtime factor | ${result.realtimeFactor}× | ≥ 10× |`,
    `| bare FFmpeg, same argv | ${result.bareFfmpegMs} ms | |`,
    `| our time ÷ bare FFmpeg | ${result.overheadRatio} | ≤ 1.2 |`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/render-latest.md'), md);
  console.log(md);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(out, { recursive: true, force: true }));
