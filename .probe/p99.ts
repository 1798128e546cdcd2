// scratch probe (not committed): p99 of GET /api/jobs/{id} with node flags, and GC trace
import { load, exchange } from '../bench/lib/http-load.ts';
import { startSandbox, builds, PF_KEY } from '../bench/lib/targets.ts';
import { stop } from '../bench/lib/servers.ts';
const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const b = builds([])[0]!;
const s = await startSandbox(b, { nodeFlags: flags });
try {
  const r = await exchange(s.port, { method: 'POST', path: '/api/render', headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ scenes: [{ duration: 1, elements: [] }] }) });
  const id = JSON.parse(r.body.toString()).job_id;
  const req = { method: 'GET', path: `/api/jobs/${id}`, headers: { 'x-api-key': PF_KEY } };
  await load(req, { port: s.port, connections: 10, durationMs: 1000 });
  for (let i = 0; i < 3; i++) {
    const res = await load(req, { port: s.port, connections: 10, durationMs: 3000 });
    const l = [...res.latenciesUs].sort((a, b) => a - b);
    const q = (p: number) => (l[Math.floor(l.length * p)]! / 1000).toFixed(3);
    console.log(`req/s ${Math.round(res.reqPerSec)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} p99.9 ${q(0.999)} max ${q(0.99999)} statuses ${JSON.stringify(res.statuses)}`);
  }
} finally { await stop(s); }
