// Renders: 20 jobs submitted at once through the API, against the same FFmpeg argv run directly,
// as many at a time as the sandbox's work semaphore allows (one per core). Throughput through
// the API is taken from the first job entering `rendering` to the last one completing (the
// jobs' own timestamps); end to end (from the first submission, so including the documented
// 1 s in `queued`) is reported beside it. Jobs are submitted once the server is idle after its
// start-up work, for every build alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRenderer, type MovieScript } from '../../src/apis/phantomflow/render/index.ts';
import { ffmpegPath } from '../../src/media/ffmpeg.ts';
import { exchange } from '../lib/http-load.ts';
import { untilIdle } from '../lib/proc.ts';
import { stop } from '../lib/servers.ts';
import { spread, type Spread } from '../lib/stats.ts';
import { PF_KEY, rotate, startSandbox, type Build } from '../lib/targets.ts';

const SCRIPT: MovieScript = {
  width: 1920,
  height: 1080,
  fps: 30,
  scenes: [
    { duration: 2, background: '#0f172a', elements: [{ type: 'text', text: 'Quarterly results', font_size: 120 }, { type: 'audio', src: 'fixtures/media/tone-1s.wav', start: 0.5 }] },
    { duration: 2, background: '#14532d', elements: [{ type: 'image', src: 'fixtures/media/testpattern.png', position: 'center', width: 960 }, { type: 'text', text: 'Revenue up', font_size: 80, position: 'bottom-center' }] },
  ],
};

export interface RendersResult {
  jobs: number;
  concurrency: number;
  directMs: Spread;
  directCpuMs: Spread;
  /** cpuRatio: direct CPU ÷ the sandbox's CPU (its own and its FFmpeg/ffprobe children's) for the same renders */
  api: Record<string, { renderingMs: Spread; endToEndMs: Spread; ratio: Spread; endToEndRatio: Spread; cpuMs: Spread; cpuRatio: Spread }>;
}

/** CPU ms of a process and of its children that have exited (FFmpeg, ffprobe), from /proc. */
function treeCpuMs(pid: number | 'self'): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
}

async function direct(args: string[], outDir: string, jobs: number, concurrency: number, from: string[]): Promise<{ ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const cpu0 = treeCpuMs('self');
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs; i = next++) {
      const argv = args.map((a) => from.reduce((s, f, k) => s.replace(f, join(outDir, `direct${i}.${k ? 'jpg' : 'mp4'}`)), a));
      await new Promise<void>((resolve, reject) => {
        const c = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...argv], { stdio: 'ignore' });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`FFmpeg exited with ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - t0, cpuMs: treeCpuMs('self') - cpu0 };
}

async function throughApi(build: Build, jobs: number): Promise<{ renderingMs: number; endToEndMs: number; cpuMs: number }> {
  const s = await startSandbox(build);
  try {
    await untilIdle(s.pid);
    const t0 = Date.now();
    const cpu0 = treeCpuMs(s.pid);
    const ids = await Promise.all(
      Array.from({ length: jobs }, async () => {
        const r = await exchange(s.port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify(SCRIPT) });
        if (r.status !== 202) throw new Error(`submit answered ${r.status}: ${r.body}`);
        return (JSON.parse(r.body.toString()) as { job_id: string }).job_id;
      }),
    );
    // One list request per poll, as a client watching a batch would (not one request per job).
    const done = new Map<string, { started_at: string; completed_at: string; status: string }>();
    while (done.size < jobs) {
      await sleep(250);
      const r = await exchange(s.port, { method: 'GET', path: '/api/jobs?limit=100', headers: { 'x-api-key': PF_KEY } });
      for (const job of (JSON.parse(r.body.toString()) as { data: { job_id: string; started_at: string; completed_at: string; status: string }[] }).data) {
        if (!ids.includes(job.job_id)) continue;
        if (job.status === 'failed') throw new Error(`job ${job.job_id} failed: ${JSON.stringify(job)}`);
        if (job.status === 'completed') done.set(job.job_id, job);
      }
    }
    const starts = [...done.values()].map((j) => Date.parse(j.started_at));
    const ends = [...done.values()].map((j) => Date.parse(j.completed_at));
    return { renderingMs: Math.max(...ends) - Math.min(...starts), endToEndMs: Math.max(...ends) - t0, cpuMs: treeCpuMs(s.pid) - cpu0 };
  } finally {
    await stop(s);
  }
}

export async function renders(builds: Build[], o: { rounds: number; jobs: number; log: (s: string) => void }): Promise<RendersResult> {
  const concurrency = availableParallelism();
  const out = mkdtempSync(join(tmpdir(), 'bench-renders-'));
  try {
    const warm = await createRenderer({ outputDir: out }).render(SCRIPT, { jobId: 'argv' });
    if (!warm.ok) throw new Error(warm.error.message);
    const from = [join(out, 'argv.mp4'), join(out, 'argv.jpg')];
    const directMs: number[] = [];
    const directCpu: number[] = [];
    const api = new Map<string, { rendering: number[]; e2e: number[]; ratio: number[]; e2eRatio: number[]; cpu: number[]; cpuRatio: number[] }>();
    for (const b of builds) api.set(b.name, { rendering: [], e2e: [], ratio: [], e2eRatio: [], cpu: [], cpuRatio: [] });
    for (let round = 0; round < o.rounds; round++) {
      const d = await direct(warm.command, out, o.jobs, concurrency, from);
      directMs.push(d.ms);
      directCpu.push(d.cpuMs);
      o.log(`round ${round + 1} direct FFmpeg: ${o.jobs} renders in ${Math.round(d.ms)} ms, ${Math.round(d.cpuMs)} ms CPU`);
      for (const b of rotate(builds, round)) {
        const r = await throughApi(b, o.jobs);
        const a = api.get(b.name)!;
        a.rendering.push(r.renderingMs);
        a.e2e.push(r.endToEndMs);
        a.ratio.push(d.ms / r.renderingMs);
        a.e2eRatio.push(d.ms / r.endToEndMs);
        a.cpu.push(r.cpuMs);
        a.cpuRatio.push(d.cpuMs / r.cpuMs);
        o.log(`round ${round + 1} ${b.name}: rendering ${r.renderingMs} ms (${(d.ms / r.renderingMs).toFixed(2)}× direct), end to end ${r.endToEndMs} ms, ${Math.round(r.cpuMs)} ms CPU (${(d.cpuMs / r.cpuMs).toFixed(2)}× direct)`);
      }
    }
    return {
      jobs: o.jobs,
      concurrency,
      directMs: spread(directMs),
      directCpuMs: spread(directCpu),
      api: Object.fromEntries(
        [...api].map(([k, a]) => [
          k,
          { renderingMs: spread(a.rendering), endToEndMs: spread(a.e2e), ratio: spread(a.ratio, 2), endToEndRatio: spread(a.e2eRatio, 2), cpuMs: spread(a.cpu), cpuRatio: spread(a.cpuRatio, 2) },
        ]),
      ),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
