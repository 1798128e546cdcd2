// `npm run bench`: the sandbox beside Prism 5.14 (`prism mock`, static) and a bare node:http server,
// each for GET /api/jobs/{id} and an invalid POST /api/render at 10 and 50 connections; then
// start-up time to first 200 and the sandbox's RSS idle and across 1,000,000 requests.
// Traffic goes to 127.0.0.1 only; every loop is bounded; only processes started here are stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { machine } from './machine.ts';
import { ROOT } from '../src/paths.ts';

const KEY = 've_test_enterprise_bench0001';
const INVALID = JSON.stringify({ scenes: [{ duration: '5', elements: [] }] });
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MILLION = Number(process.env.BENCH_SOAK_REQUESTS ?? 1_000_000);

interface Target {
  name: string;
  port: number;
  command: string[];
  jobPath?: string;
}

const targets: Target[] = [
  // The sandbox as `npm start` runs it: the bundled CLI (`npm run bench` builds it first).
  { name: 'sandbox', port: 4021, command: [process.execPath, join(ROOT, 'dist/cli.js'), 'serve', '--port', '4021', '--api', 'phantomflow'] },
  { name: 'prism 5.14 (static mock)', port: 4022, command: [join(ROOT, 'node_modules/.bin/prism'), 'mock', '-p', '4022', '-h', '127.0.0.1', join(ROOT, 'openapi/phantomflow.yaml')] },
  { name: 'bare node:http', port: 4023, command: [process.execPath, '--import', 'tsx', join(ROOT, 'bench/bare-server.ts'), '4023'] },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round((Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024) * 10) / 10;
}

async function start(t: Target): Promise<{ child: ChildProcess; startupMs: number }> {
  const t0 = performance.now();
  const child = spawn(t.command[0]!, t.command.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${t.port}/api/render/schema`, { headers: { 'x-api-key': KEY } });
      await res.arrayBuffer();
      if (res.status === 200) return { child, startupMs: Math.round(performance.now() - t0) };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill();
  throw new Error(`${t.name} did not start`);
}

/** A job to read: the sandbox renders a real one; the static servers answer any id. */
async function jobPath(t: Target): Promise<string> {
  if (t.name !== 'sandbox') return '/api/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7';
  const res = await fetch(`http://127.0.0.1:${t.port}/api/render`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ width: 320, height: 180, scenes: [{ duration: 1, background: '#204080' }] }),
  });
  const { job_id } = (await res.json()) as { job_id: string };
  return `/api/jobs/${job_id}`;
}

function load(port: number, opts: { path: string; method?: 'GET' | 'POST'; body?: string; connections: number; seconds?: number; amount?: number }) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}${opts.path}`,
        method: opts.method ?? 'GET',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: opts.body,
        connections: opts.connections,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds }),
        pipelining: 1,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function main() {
  const rows: Record<string, unknown>[] = [];
  const startup: Record<string, number> = {};
  const memory: Record<string, unknown> = {};
  for (const t of targets) {
    const { child, startupMs } = await start(t);
    startup[t.name] = startupMs;
    try {
      const path = await jobPath(t);
      await load(t.port, { path, connections: 10, seconds: 1 }); // warm-up
      for (const scenario of [
        { name: 'GET /api/jobs/{id}', path },
        { name: 'POST /api/render (invalid)', path: '/api/render', method: 'POST' as const, body: INVALID },
      ]) {
        for (const connections of [10, 50]) {
          const r = await load(t.port, { ...scenario, connections, seconds: SECONDS });
          rows.push({
            target: t.name,
            scenario: scenario.name,
            connections,
            reqPerSec: Math.round(r.requests.average),
            p50ms: r.latency.p50,
            p99ms: r.latency.p99,
            errors: r.errors + r.timeouts,
            statuses: { '2xx': r['2xx'], '4xx': r['4xx'], '5xx': r['5xx'] },
          });
          console.log(JSON.stringify(rows[rows.length - 1]));
        }
      }
      if (t.name === 'sandbox' && MILLION > 0) {
        // RSS idle, then sampled across the soak: flat means the request log, windows and job
        // history are bounded.
        await new Promise((r) => setTimeout(r, 1000));
        const idle = rssMiB(child.pid!);
        const samples: number[] = [];
        const chunk = MILLION / 10;
        for (let i = 0; i < 10; i++) {
          await load(t.port, { path: i % 2 ? path : '/api/render', method: i % 2 ? 'GET' : 'POST', body: i % 2 ? undefined : INVALID, connections: 50, amount: chunk });
          samples.push(rssMiB(child.pid!));
          console.log(`soak ${(i + 1) * chunk}: RSS ${samples[samples.length - 1]} MiB`);
        }
        // RSS saw-tooths with garbage collection, so flatness compares the median of the first
        // half of the samples with the median of the second half.
        const firstHalf = median(samples.slice(0, 5));
        const secondHalf = median(samples.slice(5));
        memory.sandbox = {
          idleMiB: idle,
          samplesMiB: samples,
          firstHalfMedianMiB: firstHalf,
          secondHalfMedianMiB: secondHalf,
          growthPct: Math.round(((secondHalf - firstHalf) / firstHalf) * 1000) / 10,
          rangeMiB: [Math.min(...samples), Math.max(...samples)],
        };
      }
    } finally {
      child.kill('SIGTERM');
    }
  }

  const get = (target: string, scenario: string, c: number) => rows.find((r) => r.target === target && r.scenario === scenario && r.connections === c) as any;
  const checks: Record<string, unknown> = {};
  for (const scenario of ['GET /api/jobs/{id}', 'POST /api/render (invalid)']) {
    for (const c of [10, 50]) {
      const s = get('sandbox', scenario, c);
      const p = get('prism 5.14 (static mock)', scenario, c);
      const b = get('bare node:http', scenario, c);
      checks[`${scenario} @${c}`] = {
        vsPrism: Math.round((s.reqPerSec / p.reqPerSec) * 10) / 10,
        vsBarePct: Math.round((s.reqPerSec / b.reqPerSec) * 100),
        p99ms: s.p99ms,
      };
    }
  }
  const result = { at: new Date().toISOString(), machine: machine(), secondsPerRun: SECONDS, rows, startupMs: startup, memory, checks, targets: { vsPrism: '≥ 5×', vsBare: '≥ 50%', p99At10: '≤ 5 ms', startup: '≤ 500 ms', rss: 'flat within 10%' } };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/bench-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    `# Benchmark: sandbox vs Prism vs bare node:http`,
    ``,
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}. ${SECONDS} s per run; load generator (autocannon) on the same machine.`,
    ``,
    `| target | scenario | connections | req/s | p50 ms | p99 ms | errors |`,
    `|---|---|---|---|---|---|---|`,
    ...rows.map((r: any) => `| ${r.target} | ${r.scenario} | ${r.connections} | ${r.reqPerSec} | ${r.p50ms} | ${r.p99ms} | ${r.errors} |`),
    ``,
    `| check | sandbox ÷ Prism (target ≥ 5) | sandbox ÷ bare (target ≥ 50%) | sandbox p99 ms |`,
    `|---|---|---|---|`,
    ...Object.entries(checks).map(([k, v]: [string, any]) => `| ${k} | ${v.vsPrism}× | ${v.vsBarePct}% | ${v.p99ms} |`),
    ``,
    `Start-up to first 200 (ms): ${Object.entries(startup).map(([k, v]) => `${k} ${v}`).join(', ')} (target ≤ 500 for the sandbox).`,
    ``,
    memory.sandbox
      ? `Sandbox RSS (MiB): idle ${(memory.sandbox as any).idleMiB}; across ${MILLION} requests, sampled every ${MILLION / 10}: ${(memory.sandbox as any).samplesMiB.join(', ')} — median of the first half ${(memory.sandbox as any).firstHalfMedianMiB}, of the second half ${(memory.sandbox as any).secondHalfMedianMiB} (${(memory.sandbox as any).growthPct}%, target flat within 10%).`
      : 'Sandbox RSS: not measured',
    ``,
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/bench-latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
