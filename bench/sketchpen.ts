// `npm run bench:sketchpen`: a 5-scene narrated Sketchpen video end to end through the HTTP API
// with the fast timing profile — POST /videos, poll until refining, approve, poll until completed —
// on a real socket. Reports create → completed (the target: ≤ 3 s, median), its two halves
// (scripting; approve → completed), and the CPU time each run used in every process (the sandbox,
// FFmpeg, the Flite children), which the load of a shared machine hardly changes. A first run on a
// fresh sandbox (speech processes starting) is reported apart. The output is checked with ffprobe.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeScript } from '../src/apis/sketchpen/script.ts';
import { probe } from '../src/media/probe.ts';
import { ROOT } from '../src/paths.ts';
import { createSandbox } from '../src/sandbox.ts';
import { ffmpegVersion, machine } from './machine.ts';

const RUNS = Number(process.env.BENCH_SKETCHPEN_RUNS ?? 5);
const TARGET_MS = 3000;
const SEED = 42;
const KEY = 'sk_test_enterprise_bench0001';

/**
 * `n` prompts whose scripts have exactly 5 scenes at this seed (scripts are deterministic), each
 * with speech of its own: the narration cache must not make a run cheaper than a new video is.
 */
function fiveScenePrompts(n: number): string[] {
  const topics = ['How volcanoes work', 'Why the sky is blue', 'How bees make honey', 'The water cycle', 'How rainbows form', 'Why we have seasons', 'How magnets work', 'Why leaves change colour', 'How tides work', 'How a bicycle works'];
  const out: string[] = [];
  const speech = new Set<string>();
  for (let i = 0; i < 500 && out.length < n; i++) {
    const prompt = `${topics[i % topics.length]}${i >= topics.length ? ` for class ${Math.floor(i / topics.length) + 1}` : ''}`;
    const scenes = writeScript({ prompt, seed: SEED, generation: 0, feedback: '', assets: [], speakerIds: [] });
    if (scenes.length !== 5 || scenes.some((s) => speech.has(s.speech))) continue;
    scenes.forEach((s) => speech.add(s.speech));
    out.push(prompt);
  }
  if (out.length < n) throw new Error(`only ${out.length} distinct 5-scene prompts found`);
  return out;
}

/** CPU seconds (user + system) of a process from /proc: [its own, its waited-for children's]. */
function cpuOf(pid: number | 'self'): [number, number] {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
  return [(fields[11]! + fields[12]!) / 100, (fields[13]! + fields[14]!) / 100];
}

/** Live children of this process that stay up (the Flite speech processes; FFmpeg runs exit). */
function longLivedChildren(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (Number(stat[1]) === process.pid && !cmd.includes('ffmpeg') && !cmd.includes('ffprobe')) out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Math.round(s[0]!), median: Math.round(s[Math.floor(s.length / 2)]!), max: Math.round(s[s.length - 1]!) };
};

async function main() {
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sketchpen-'));
  const sandbox = createSandbox({ seed: SEED, dataDir });
  const { url } = await sandbox.listen(0, '127.0.0.1');
  const headers = { 'X-Api-Key': KEY, 'content-type': 'application/json' };
  const prompts = fiveScenePrompts(RUNS + 1);
  const get = async (id: string) => (await (await fetch(`${url}/api/v1/videos/${id}`, { headers })).json()) as any;
  const until = async (id: string, done: (v: any) => boolean) => {
    for (let i = 0; i < 6000; i++) {
      const v = await get(id);
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`video ${id} did not finish`);
  };

  /** One video end to end: wall ms of each half, and the video as completed. */
  async function run(n: number) {
    const t0 = performance.now();
    const created = await fetch(`${url}/api/v1/videos`, { method: 'POST', headers, body: JSON.stringify({ prompt: prompts[n], voice_id: 'emma' }) });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const scripted = await until(id, (v) => v.status !== 'scripting' && v.status !== 'pending');
    if (scripted.status !== 'refining') throw new Error(`run ${n}: ${scripted.status}`);
    const t1 = performance.now();
    const approved = await fetch(`${url}/api/v1/videos/${id}/approve`, { method: 'POST', headers });
    if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${await approved.text()}`);
    const done = await until(id, (v) => v.status === 'completed' || v.status === 'failed');
    const t2 = performance.now();
    if (done.status !== 'completed') throw new Error(`run ${n} failed: ${JSON.stringify(done.error)}`);
    if (done.scenes.length !== 5) throw new Error(`run ${n}: ${done.scenes.length} scenes`);
    return { total: t2 - t0, scripting: t1 - t0, approveToCompleted: t2 - t1, video: done };
  }

  const cold = await run(0);
  const total: number[] = [];
  const scripting: number[] = [];
  const rest: number[] = [];
  const cpu: { sandbox: number; ffmpeg: number; flite: number }[] = [];
  let last: any;
  for (let i = 1; i <= RUNS; i++) {
    const flitePids = longLivedChildren();
    const fliteCpu = () => flitePids.reduce((sum, pid) => sum + cpuOf(pid)[0], 0);
    const [self0, children0] = cpuOf('self');
    const flite0 = fliteCpu();
    const r = await run(i);
    const [self1, children1] = cpuOf('self');
    cpu.push({ sandbox: self1 - self0, ffmpeg: children1 - children0, flite: fliteCpu() - flite0 });
    total.push(r.total);
    scripting.push(r.scripting);
    rest.push(r.approveToCompleted);
    last = r.video;
  }

  const file = join(dataDir, 'last.mp4');
  writeFileSync(file, Buffer.from(await (await fetch(last.video_url)).arrayBuffer()));
  const info = await probe(file);
  const audio = await fetch(last.audio_url);
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });

  const cpuMs = (pick: (c: (typeof cpu)[0]) => number) => stats(cpu.map((c) => pick(c) * 1000));
  const t = stats(total);
  const result = {
    at: new Date().toISOString(),
    machine: { ...machine(), ffmpeg: ffmpegVersion(), loadAverage: load.join(' '), niceness: getPriority() },
    video: { prompts, scenes: 5, aspect: '16:9', fps: 24, fidelity: 'light', audio: 'single voice (emma → Flite slt)', timing: 'fast' },
    output: { width: info.video?.width, height: info.video?.height, durationSeconds: Math.round(info.durationSeconds * 100) / 100, video: info.video?.codec, audio: info.audio?.codec, audioFile: audio.status === 200 },
    runs: RUNS,
    totalMs: t,
    scriptingMs: stats(scripting),
    approveToCompletedMs: stats(rest),
    cpuMs: { total: cpuMs((c) => c.sandbox + c.ffmpeg + c.flite), sandbox: cpuMs((c) => c.sandbox), ffmpeg: cpuMs((c) => c.ffmpeg), flite: cpuMs((c) => c.flite) },
    coldFirstVideoMs: { total: Math.round(cold.total), approveToCompleted: Math.round(cold.approveToCompleted) },
    target: { totalMs: `≤ ${TARGET_MS} (median)`, met: t.median <= TARGET_MS },
    samplesMs: { total: total.map(Math.round), approveToCompleted: rest.map(Math.round) },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/sketchpen-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const row = (name: string, s: { min: number; median: number; max: number }, target = '') => `| ${name} | ${s.min} ms | ${s.median} ms | ${s.max} ms | ${target} |`;
  const md = [
    '# Sketchpen benchmark (a narrated video through the HTTP API)',
    '',
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `${RUNS + 1} prompts with 5-scene scripts of their own (no speech shared between runs; e.g. "${prompts[1]}"), 16:9, 24 fps, one voice, fast timing, over HTTP on 127.0.0.1: POST /api/v1/videos, poll every 50 ms until refining, POST …/approve, poll until completed. Output ${result.output.width}×${result.output.height}, ${result.output.durationSeconds} s, ${result.output.video} + ${result.output.audio}, with an M4A, a JPEG thumbnail and a PNG per scene behind signed links. ${RUNS} runs after a first one on the fresh sandbox.`,
    '',
    '| measure | min | median | max | target |',
    '|---|---|---|---|---|',
    row('create → completed', t, `≤ ${TARGET_MS} ms ${result.target.met ? '(met)' : '(missed)'}`),
    row('create → refining (scripting)', result.scriptingMs),
    row('approve → completed', result.approveToCompletedMs),
    row('CPU time, all processes', result.cpuMs.total),
    row('CPU time, sandbox (Node)', result.cpuMs.sandbox),
    row('CPU time, FFmpeg (drawings, render, probes)', result.cpuMs.ffmpeg),
    row('CPU time, Flite children', result.cpuMs.flite),
    '',
    `Load average when the run started: ${result.machine.loadAverage} (2 cores; other work on the machine slows the wall-clock figures, much less the CPU ones); niceness ${result.machine.niceness} (0 normal; a negative value means the run was given priority over the machine's other work, its children — FFmpeg, Flite — included). First video on the fresh sandbox: ${result.coldFirstVideoMs.total} ms (its speech processes start when the video is created).`,
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/sketchpen-latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
