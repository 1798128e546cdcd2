// scratch: where the tail sits in time
import { spawn } from 'node:child_process';
import { load, exchange } from '../bench/lib/http-load.ts';
import { until200 } from '../bench/lib/servers.ts';
import { PF_KEY, READY } from '../bench/lib/targets.ts';
const port = 4881;
const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...flags, (process.env.ROOTX ?? '.') + '/dist/cli.js', 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  await until200(port, READY, performance.now());
  const r = await exchange(port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ scenes: [{ duration: 1, elements: [] }] }) });
  const id = JSON.parse(r.body.toString()).job_id;
  const req = { method: 'GET', path: process.env.PATHX ?? `/api/jobs/${id}`, headers: { 'x-api-key': PF_KEY } };
  await load(req, { port, connections: 10, durationMs: 3000 });
  const res = await load(req, { port, connections: 10, durationMs: 3000 });
  const l = res.latenciesUs;
  const sorted = [...l].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
  // clusters: consecutive responses (arrival order) above the p99/2 mark
  let clusters = 0, inCluster = false, slow = 0;
  const sizes: number[] = [];
  let size = 0;
  for (const x of l) {
    if (x > p99 * 0.75) { slow++; size++; if (!inCluster) { clusters++; inCluster = true; } }
    else if (inCluster) { inCluster = false; sizes.push(size); size = 0; }
  }
  console.log(`n ${l.length} p50 ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(3)} p99 ${(p99 / 1000).toFixed(3)}; responses > 0.75·p99: ${slow} in ${clusters} clusters; sizes ${JSON.stringify(sizes.slice(0, 30))}`);
} finally { child.kill('SIGTERM'); }
