// scratch probe: GC during load of GET /api/jobs/{id}
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { load, exchange } from '../bench/lib/http-load.ts';
import { until200 } from '../bench/lib/servers.ts';
import { PF_KEY, READY } from '../bench/lib/targets.ts';
const port = 4877;
const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const out = openSync('/tmp/gc.log', 'w');
const child = spawn(process.execPath, ['--trace-gc', ...flags, ...(process.env.OPTS ? ['.probe/serve.mjs', String(port)] : ['dist/cli.js', 'serve', '--port', String(port)])], { stdio: ['ignore', out, 'inherit'] });
try {
  await until200(port, READY, performance.now());
  const r = await exchange(port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ scenes: [{ duration: 1, elements: [] }] }) });
  const id = JSON.parse(r.body.toString()).job_id;
  const req = { method: 'GET', path: process.env.PATHX ?? `/api/jobs/${id}`, headers: { 'x-api-key': PF_KEY } };
  await load(req, { port, connections: 10, durationMs: Number(process.env.WARM ?? 2000) });
  const before = readFileSync('/tmp/gc.log', 'utf8').split('\n').length;
  const res = await load(req, { port, connections: 10, durationMs: 3000 });
  const lines = readFileSync('/tmp/gc.log', 'utf8').split('\n').slice(before - 1).filter((l) => /Scavenge|Mark/.test(l));
  const l = [...res.latenciesUs].sort((a, b) => a - b);
  const q = (p: number) => (l[Math.floor(l.length * p)]! / 1000).toFixed(3);
  console.log(`req/s ${Math.round(res.reqPerSec)} p50 ${q(0.5)} p99 ${q(0.99)} p99.9 ${q(0.999)}`);
  const sc = lines.filter((x) => x.includes('Scavenge'));
  const ms = lines.filter((x) => x.includes('Mark'));
  const dur = (x: string) => Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(x)?.[1] ?? 0);
  console.log(`scavenges ${sc.length} total ${sc.reduce((a, x) => a + dur(x), 0).toFixed(1)} ms max ${Math.max(0, ...sc.map(dur))}; mark ${ms.length} total ${ms.reduce((a, x) => a + dur(x), 0).toFixed(1)} max ${Math.max(0, ...ms.map(dur))}`);
  console.log(sc.slice(0, 3).join('\n'));
  console.log(ms.slice(0, 3).join('\n'));
} finally { child.kill('SIGTERM'); }
