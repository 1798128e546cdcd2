// `npm run bench [-- --before <checkout>]`: every figure of the performance goals (issue 16),
// measured from outside on this machine, for this checkout ("after") and optionally an earlier
// one ("before") in the same run. Method (decision 040): the sandbox started exactly as
// `npm start` starts it; a bare node:http server replaying the sandbox's exact bytes; Prism 5.14;
// runs interleaved and repeated (min / median / max); every response's latency recorded at full
// resolution; server CPU per request from /proc; start-up through `npm start` and in process;
// in-process growth with a manual clock; renders against FFmpeg run directly; a memory soak;
// CPU profiles of the hot paths. Writes bench/results/bench-latest.{md,json}.
//   BENCH_ONLY=throughput,startup,flat,renders,soak,profile   run some sections (the others are
//                                                              kept from the last results file)
//   BENCH_ONLY=report                                          run none: bench-latest.md written
//                                                              again from bench-latest.json
//   BENCH_SECONDS (3) BENCH_ROUNDS (3) BENCH_CONNECTIONS (10) BENCH_FLAT_JOBS (100000)
//   BENCH_SOAK_ACCOUNTS (3000) BENCH_RENDER_JOBS (20)
// Traffic goes to 127.0.0.1 only; every loop is bounded; only processes started here are stopped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/paths.ts';
import { machine } from './machine.ts';
import { loadAverage } from './lib/proc.ts';
import { builds as buildsOf } from './lib/targets.ts';
import { report } from './report.ts';
import { profile } from './sections/profile.ts';
import { renders } from './sections/renders.ts';
import { soak } from './sections/soak.ts';
import { startup } from './sections/startup.ts';
import { throughput } from './sections/throughput.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECTIONS = ['throughput', 'startup', 'flat', 'renders', 'soak', 'profile'] as const;
const only = new Set((process.env.BENCH_ONLY ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
const builds = buildsOf();
const log = (s: string) => console.log(s);
const RESULTS = join(ROOT, 'bench/results');
const jsonFile = join(RESULTS, 'bench-latest.json');

async function main() {
  const previous = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as { sections?: Record<string, unknown> }) : {};
  const sections: Record<string, unknown> = { ...(previous.sections ?? {}) };
  const loads: Record<string, number[]> = { ...((previous as { loadAverage?: Record<string, number[]> }).loadAverage ?? {}) };
  const run = async (name: (typeof SECTIONS)[number], fn: () => Promise<unknown>) => {
    if (!only.has(name)) return;
    const before = loadAverage();
    log(`== ${name} (load average ${before})`);
    sections[name] = { at: new Date().toISOString(), builds, result: await fn() };
    loads[name] = [before, loadAverage()];
  };
  const seconds = env('BENCH_SECONDS', 3);
  const rounds = env('BENCH_ROUNDS', 3);
  const connections = env('BENCH_CONNECTIONS', 10);

  await run('throughput', () => throughput(builds, { seconds, rounds, connections, log }));
  await run('startup', () => startup(builds, { rounds, laterMs: 2000, log }));
  await run('flat', async () => {
    const out: Record<string, unknown> = {};
    for (const b of builds) {
      // The old timers list makes "before" quadratic: it gets a time budget instead of 100k jobs.
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/flat.ts'), b.root, String(env('BENCH_FLAT_JOBS', 100_000)), '5000', b.name === 'before' ? '240' : '1200'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      });
      if (r.status !== 0) throw new Error(`flat ${b.name} exited with ${r.status}`);
      out[b.name] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    }
    return out;
  });
  await run('renders', () => renders(builds, { rounds: Math.min(rounds, 3), jobs: env('BENCH_RENDER_JOBS', 20), log }));
  await run('soak', async () => {
    const out: Record<string, unknown> = {};
    for (const b of builds) out[b.name] = await soak(b, { accounts: env('BENCH_SOAK_ACCOUNTS', 3000), jobEvery: 25, log });
    return out;
  });
  await run('profile', () => profile(builds[builds.length - 1]!, { seconds: Math.max(seconds, 5), connections, log }));

  // A report-only run keeps when, where and what the figures were measured on.
  const ranAny = SECTIONS.some((s) => only.has(s));
  const result = ranAny ? { at: new Date().toISOString(), machine: machine(), loadAverage: loads, builds, sections } : { ...previous, sections };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(result, null, 2) + '\n');
  const md = report(result as never);
  writeFileSync(join(RESULTS, 'bench-latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
