import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { load, exchange } from '../bench/lib/http-load.ts';
import { until200 } from '../bench/lib/servers.ts';
import { PF_KEY, READY } from '../bench/lib/targets.ts';
const port = 4882;
const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
const threads = () => Object.fromEntries(readdirSync(`/proc/${child.pid}/task`).map((t) => { const s = readFileSync(`/proc/${child.pid}/task/${t}/stat`, 'utf8'); const name = /\((.*)\)/.exec(s)![1]; const f = s.split(') ')[1]!.split(' '); return [`${t} ${name}`, Number(f[11]) + Number(f[12])]; }));
try {
  await until200(port, READY, performance.now());
  const r = await exchange(port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ scenes: [{ duration: 1, elements: [] }] }) });
  const id = JSON.parse(r.body.toString()).job_id;
  const req = { method: 'GET', path: `/api/jobs/${id}`, headers: { 'x-api-key': PF_KEY } };
  await load(req, { port, connections: 10, durationMs: 3000 });
  const a = threads();
  await load(req, { port, connections: 10, durationMs: 3000 });
  const b = threads();
  for (const k of Object.keys(b)) if ((b[k]! - (a[k] ?? 0)) > 0) console.log(k, (b[k]! - (a[k] ?? 0)) * 10, 'ms');
} finally { child.kill('SIGTERM'); }
