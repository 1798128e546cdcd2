// `npm run bench:whiteboard`: a 5-scene narrated whiteboard video (16:9, 24 fps, one voice, one
// scene image) rendered at light fidelity, end to end through renderWhiteboard(). Reports the whole
// render and its two parts — speech synthesis (Flite) and the FFmpeg run — as min/median/max over
// several runs after a warm-up, plus the first render of a fresh renderer (Flite children starting).
// Target: the whole render ≤ 2 s. The machine may be shared: the load average is recorded, and so is
// the CPU time each render used (this process, FFmpeg, the Flite children), which load hardly changes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWhiteboardRenderer, type WhiteboardVideo } from '../src/apis/sketchpen/whiteboard.ts';
import { createNarrator } from '../src/media/speech.ts';
import { probe } from '../src/media/probe.ts';
import { ROOT } from '../src/paths.ts';
import { ffmpegVersion, machine } from './machine.ts';

const RUNS = Number(process.env.BENCH_WHITEBOARD_RUNS ?? 5);
const TARGET_MS = 2000;

const video: WhiteboardVideo = {
  id: 'bench',
  config: { aspect_ratio: '16:9', fps: 24, audio_mode: 'single', bg_mode: 'white', voice_id: 'emma' },
  scenes: [
    { speech: 'Volcanoes form where magma rises through cracks in the crust.', visual_description: 'A cut-away of a volcano: magma chamber, vent, and a plume of ash.', image_url: 'fixtures/media/testpattern.png' },
    { speech: 'Deep below, rock melts into magma and collects in a chamber.', visual_description: 'The magma chamber, glowing, under layers of rock.' },
    { speech: 'Pressure builds as gas and magma push upward.', visual_description: 'Arrows pushing up through the vent.' },
    { speech: 'When the pressure is too great, the volcano erupts.', visual_description: 'Ash and lava burst from the top.' },
    { speech: 'Cooled lava builds new land, layer by layer.', visual_description: 'Layers of new rock on the slopes, labelled old and new.' },
  ],
};

const out = mkdtempSync(join(tmpdir(), 'bench-whiteboard-'));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Math.round(s[0]!), median: Math.round(s[Math.floor(s.length / 2)]!), max: Math.round(s[s.length - 1]!) };
};

/** CPU seconds: [user+system of process `pid`, of its waited-for children] from /proc (100 ticks/s). */
function cpuOf(pid: number | 'self'): [number, number] {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
  // After the name: state is field 3 → index 0; utime 14, stime 15, cutime 16, cstime 17.
  return [(fields[11]! + fields[12]!) / 100, (fields[13]! + fields[14]!) / 100];
}

async function main() {
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  // Cold: a fresh renderer, so its Flite children start (and compile the 21 MB module) in this render.
  const cold = createWhiteboardRenderer({ outputDir: out });
  const first = await cold.renderWhiteboard({ ...video, id: 'cold' });
  await cold.close();
  if (!first.ok) throw new Error(first.error.message);

  const narrator = createNarrator();
  const renderer = createWhiteboardRenderer({ outputDir: out, narrator });
  const warm = await renderer.renderWhiteboard({ ...video, id: 'warm' });
  if (!warm.ok) throw new Error(warm.error.message);
  const total: number[] = [];
  const speech: number[] = [];
  const ffmpeg: number[] = [];
  const cpu: { node: number; ffmpeg: number; flite: number }[] = [];
  const fliteCpu = () => narrator.stats().pids.reduce((sum, pid) => sum + cpuOf(pid)[0], 0);
  for (let i = 0; i < RUNS; i++) {
    const [self0, children0] = cpuOf('self');
    const flite0 = fliteCpu();
    const t0 = performance.now();
    const r = await renderer.renderWhiteboard({ ...video, id: `run${i}` });
    total.push(performance.now() - t0);
    if (!r.ok) throw new Error(r.error.message);
    const [self1, children1] = cpuOf('self');
    cpu.push({ node: self1 - self0, ffmpeg: children1 - children0, flite: fliteCpu() - flite0 });
    speech.push(r.timings.speechMs);
    ffmpeg.push(r.timings.ffmpegMs);
  }
  if (narrator.stats().spawned !== 2) throw new Error(`Flite children restarted during the runs (${narrator.stats().spawned} started)`);
  await renderer.close();
  await narrator.close();
  const cpuMs = (pick: (c: (typeof cpu)[0]) => number) => stats(cpu.map((c) => pick(c) * 1000));
  const info = await probe(join(out, 'run0.mp4'));
  const t = stats(total);
  const result = {
    at: new Date().toISOString(),
    machine: { ...machine(), ffmpeg: ffmpegVersion(), loadAverage: load.join(' ') },
    video: { scenes: video.scenes.length, aspect: '16:9', fps: 24, fidelity: 'light', audio: 'single voice (Flite slt)', images: 1 },
    output: { width: info.video?.width, height: info.video?.height, durationSeconds: Math.round(info.durationSeconds * 100) / 100, video: info.video?.codec, audio: info.audio?.codec },
    runs: RUNS,
    totalMs: t,
    speechMs: stats(speech),
    ffmpegMs: stats(ffmpeg),
    cpuMs: { total: cpuMs((c) => c.node + c.ffmpeg + c.flite), flite: cpuMs((c) => c.flite), ffmpeg: cpuMs((c) => c.ffmpeg), node: cpuMs((c) => c.node) },
    coldFirstRenderMs: { total: first.timings.totalMs, speech: first.timings.speechMs, ffmpeg: first.timings.ffmpegMs },
    realtimeFactor: Math.round((info.durationSeconds / (t.median / 1000)) * 10) / 10,
    target: { totalMs: `≤ ${TARGET_MS} (median)`, met: t.median <= TARGET_MS },
    samplesMs: { total: total.map(Math.round), speech, ffmpeg },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/whiteboard-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const row = (name: string, s: { min: number; median: number; max: number }, target = '') => `| ${name} | ${s.min} ms | ${s.median} ms | ${s.max} ms | ${target} |`;
  const md = [
    '# Whiteboard benchmark (Sketchpen renders)',
    '',
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `A ${result.video.scenes}-scene narrated whiteboard video (16:9, 24 fps, one voice, one scene image) at light fidelity → ${result.output.width}×${result.output.height}, ${result.output.durationSeconds} s, ${result.output.video} + ${result.output.audio}, plus an M4A and a JPEG. ${RUNS} runs after a warm-up render; speech synthesis and the FFmpeg run are parts of the whole.`,
    '',
    '| measure | min | median | max | target |',
    '|---|---|---|---|---|',
    row('whole render', t, `≤ ${TARGET_MS} ms ${result.target.met ? '(met)' : '(missed)'}`),
    row('speech synthesis (5 scenes, Flite)', result.speechMs),
    row('FFmpeg (one process)', result.ffmpegMs),
    row('CPU time, all processes', result.cpuMs.total),
    row('CPU time, Flite children', result.cpuMs.flite),
    row('CPU time, FFmpeg (+ ffprobe)', result.cpuMs.ffmpeg),
    '',
    `Load average when the run started: ${result.machine.loadAverage} (2 cores; other work on the machine slows the wall-clock figures, much less the CPU ones). Realtime factor (median): ${result.realtimeFactor}×. First render of a fresh renderer (its Flite children starting): ${first.timings.totalMs} ms, of which speech ${first.timings.speechMs} ms.`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/whiteboard-latest.md'), md);
  console.log(md);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(out, { recursive: true, force: true }));
