// scratch: p99 of the bare server replaying the sandbox's job response, same harness
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { load, exchange } from '../bench/lib/http-load.ts';
import { until200 } from '../bench/lib/servers.ts';
import { PF_KEY, READY } from '../bench/lib/targets.ts';
const port = 4879, bport = 4880;
const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
let bare;
try {
  await until200(port, READY, performance.now());
  const r = await exchange(port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ scenes: [{ duration: 1, elements: [] }] }) });
  const id = JSON.parse(r.body.toString()).job_id;
  const req = { method: 'GET', path: `/api/jobs/${id}`, headers: { 'x-api-key': PF_KEY } };
  const got = await exchange(port, req);
  writeFileSync('/tmp/captured.json', JSON.stringify([{ method: 'GET', path: req.path, status: got.status, headers: got.rawHeaders, body: got.body.toString('base64') }]));
  bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts', String(bport), '/tmp/captured.json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await until200(bport, req, performance.now());
  for (const [name, p] of [['bare', bport], ['sandbox', port], ['bare', bport], ['sandbox', port]] as const) {
    await load(req, { port: p, connections: 10, durationMs: 2000 });
    const res = await load(req, { port: p, connections: 10, durationMs: 3000 });
    const l = [...res.latenciesUs].sort((a, b) => a - b);
    const q = (x: number) => (l[Math.floor(l.length * x)]! / 1000).toFixed(3);
    console.log(`${name} req/s ${Math.round(res.reqPerSec)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} p99.9 ${q(0.999)}`);
  }
} finally { child.kill('SIGTERM'); bare?.kill('SIGTERM'); }
