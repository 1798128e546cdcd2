// `npx tsx bench/compare.ts <before-root> [after-root]`: the same sandbox scenarios against two
// builds of the project (each root's dist/cli.js, as `npm start` runs it), interleaved round by
// round so machine noise hits both alike. Reports req/s and the server's CPU time per request
// (user + system, from /proc), which shared load disturbs far less than throughput.
// Traffic goes to 127.0.0.1 only; rounds are bounded; only processes started here are stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { machine } from './machine.ts';
import { ROOT } from '../src/paths.ts';

const KEY = 've_test_enterprise_bench0001';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const [beforeRoot, afterRoot = ROOT] = process.argv.slice(2).map((p) => resolve(p));
if (!beforeRoot) throw new Error('usage: tsx bench/compare.ts <before-root> [after-root]');

const CLK_TCK = 100;
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

async function start(root: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', String(port), '--api', 'phantomflow'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 3000; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/render/schema`, { headers: { 'x-api-key': KEY } });
      await r.arrayBuffer();
      if (r.status === 200) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill();
  throw new Error(`${root} did not start`);
}

async function jobPath(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/api/render`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ width: 64, height: 36, fps: 5, scenes: [{ duration: 0.2 }] }),
  });
  return `/api/jobs/${((await r.json()) as { job_id: string }).job_id}`;
}

interface Sample { rps: number; cpuUsPerReq: number }

async function measure(child: ChildProcess, port: number, path: string, method: 'GET' | 'POST', body?: string): Promise<Sample> {
  const cpu0 = cpuMs(child.pid!);
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method,
    connections: 10,
    duration: SECONDS,
    headers: { 'x-api-key': KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const total = r.requests.total;
  return { rps: Math.round(r.requests.average), cpuUsPerReq: Math.round(((cpuMs(child.pid!) - cpu0) * 1000) / Math.max(1, total)) };
}

const scenarios = [
  { name: 'GET /api/jobs/{id}', method: 'GET' as const },
  { name: 'POST /api/render (invalid, 400)', method: 'POST' as const, body: JSON.stringify({ scenes: [{ duration: '5', elements: [] }] }) },
];
const builds = [
  { name: 'before', root: beforeRoot, port: 4031 },
  { name: 'after', root: afterRoot, port: 4032 },
];
const results = new Map<string, Sample[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 ? [...builds].reverse() : builds) {
    const child = await start(b.root, b.port);
    try {
      const job = await jobPath(b.port);
      for (const s of scenarios) {
        const sample = await measure(child, b.port, s.method === 'GET' ? job : '/api/render', s.method, s.body);
        const k = `${b.name}|${s.name}`;
        results.set(k, [...(results.get(k) ?? []), sample]);
      }
    } finally {
      child.kill();
    }
  }
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = scenarios.flatMap((s) =>
  builds.map((b) => {
    const xs = results.get(`${b.name}|${s.name}`)!;
    const rps = xs.map((x) => x.rps);
    const cpu = xs.map((x) => x.cpuUsPerReq);
    return `| ${s.name} | ${b.name} | ${Math.min(...rps)} / ${med(rps)} / ${Math.max(...rps)} | ${Math.min(...cpu)} / ${med(cpu)} / ${Math.max(...cpu)} |`;
  }),
);
const m = machine();
const md = `# Before / after: ${beforeRoot} vs ${afterRoot}

Run ${new Date().toISOString()} on ${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ')}. ${ROUNDS} interleaved rounds of ${SECONDS} s per scenario, 10 connections, load generator on the same machine. Figures are min / median / max.

| scenario | build | req/s | server CPU µs per request |
|---|---|---|---|
${rows.join('\n')}
`;
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const out = join(ROOT, 'bench/results', process.env.BENCH_OUT ?? 'compare-latest.md');
writeFileSync(out, md);
console.log(md);
