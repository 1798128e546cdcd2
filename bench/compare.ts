// `npx tsx bench/compare.ts <before-root> [after-root]`: one change measured — the hot-path
// scenarios of run.ts against two checkouts (each started as its `npm start` starts it), both
// loaded at the same time, run by run, so machine noise hits both alike. Reports the server's
// CPU time per request (steady under shared load) and req/s, min / median / max.
//   BENCH_SECONDS (1.5) BENCH_ROUNDS (9) BENCH_OUT (compare-latest.md) BENCH_SCENARIOS (job,invalid,mocked; also prefer)
// Traffic goes to 127.0.0.1 only; rounds are bounded; only processes started here are stopped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from '../src/paths.ts';
import { load, type LoadRequest } from './lib/http-load.ts';
import { cpuMs, untilIdle } from './lib/proc.ts';
import { stop, type Server } from './lib/servers.ts';
import { fmt, spread } from './lib/stats.ts';
import { INVALID_RENDER, MOCKED, PF_KEY, rotate, startSandbox, type Build } from './lib/targets.ts';
import { machine } from './machine.ts';
import { completedJob } from './sections/throughput.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const wanted = (process.env.BENCH_SCENARIOS ?? 'job,invalid,mocked').split(',');
const [beforeRoot, afterRoot = ROOT] = process.argv.slice(2).map((p) => resolve(p));
if (!beforeRoot) throw new Error('usage: tsx bench/compare.ts <before-root> [after-root]');
const builds: Build[] = [
  { name: 'before', root: beforeRoot, commit: '' },
  { name: 'after', root: afterRoot, commit: '' },
];

const servers: { build: Build; server: Server; requests: Record<string, LoadRequest> }[] = [];
const samples = new Map<string, { rps: number; cpu: number }[]>();
try {
  for (const b of builds) {
    const server = await startSandbox(b);
    const job = await completedJob(server.port);
    const requests: Record<string, LoadRequest> = {
      job: { method: 'GET', path: job, headers: { 'x-api-key': PF_KEY } },
      invalid: INVALID_RENDER,
      mocked: MOCKED,
      // A selection the cache does not answer (generated data): every request goes through Prism.
      prefer: { ...MOCKED, headers: { ...MOCKED.headers, prefer: 'code=200, dynamic=true' } },
    };
    for (const id of wanted) await load(requests[id]!, { port: server.port, connections: 10, durationMs: 1000 });
    await untilIdle(server.pid);
    servers.push({ build: b, server, requests });
  }
  // Both builds are loaded at the same time, so each window of machine noise falls on both.
  for (let round = 0; round < ROUNDS; round++) {
    for (const id of wanted) {
      const runs = rotate(servers, round).map(async ({ build, server, requests }) => {
        const cpu0 = cpuMs(server.pid);
        const r = await load(requests[id]!, { port: server.port, connections: 10, durationMs: SECONDS * 1000 });
        const k = `${build.name}|${id}`;
        samples.set(k, [...(samples.get(k) ?? []), { rps: r.reqPerSec, cpu: ((cpuMs(server.pid) - cpu0) * 1000) / Math.max(1, r.count) }]);
      });
      await Promise.all(runs);
    }
  }
} finally {
  for (const s of servers) await stop(s.server);
}

// Each round's after ÷ before CPU, runs of the same round sharing the machine's state: the median
// of these paired ratios is the steadiest single figure of a change.
const paired = (id: string) => {
  const [b, a] = builds.map((x) => samples.get(`${x.name}|${id}`)!);
  return spread(a!.map((s, i) => s.cpu / b![i]!.cpu), 2);
};
const rows = wanted.flatMap((id) =>
  builds.map((b) => {
    const xs = samples.get(`${b.name}|${id}`)!;
    return `| ${id} | ${b.name} | ${fmt(spread(xs.map((x) => x.rps)))} | ${fmt(spread(xs.map((x) => x.cpu)))} | ${b.name === 'after' ? fmt(paired(id), '×') : ''} |`;
  }),
);
const m = machine();
const md = `# Before / after: ${beforeRoot} vs ${afterRoot}

Run ${new Date().toISOString()} on ${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ')}. ${ROUNDS} rounds of ${SECONDS} s per scenario, both builds loaded at once with 10 connections each, load generator on the same machine. Figures are min / median / max.

| scenario | build | req/s | server CPU µs per request | after ÷ before CPU, paired by round |
|---|---|---|---|---|
${rows.join('\n')}
`;
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results', process.env.BENCH_OUT ?? 'compare-latest.md'), md);
console.log(md);
