// Memory soak: many accounts, each provisioned on first use, creating a template, listing, and
// every `jobEvery`-th one submitting a tiny real render; RSS sampled as the counts grow. A flat
// line needs every per-account store bounded (accounts and templates are bounded by the
// hardening work; this soak shows what the build under test does).
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, untilIdle } from '../lib/proc.ts';
import { stop } from '../lib/servers.ts';
import { startSandbox, type Build } from '../lib/targets.ts';

export interface SoakResult {
  accounts: number;
  templates: number;
  jobs: number;
  requests: number;
  idleMiB: number;
  /** [accounts so far, RSS MiB] */
  samples: [number, number][];
  finalMiB: number;
  /** MiB per 1,000 accounts over the second half of the samples */
  slopeMiBPer1000: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function call(port: number, method: string, path: string, key: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { 'x-api-key': key, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function soak(build: Build, o: { accounts: number; jobEvery: number; log: (s: string) => void }): Promise<SoakResult> {
  const s = await startSandbox(build);
  let requests = 0;
  const expect = async (p: Promise<{ status: number; json: any }>, want: number) => {
    const r = await p;
    requests++;
    if (r.status !== want) throw new Error(`soak: expected ${want}, got ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json;
  };
  try {
    await untilIdle(s.pid);
    const idleMiB = rssMiB(s.pid);
    const samples: [number, number][] = [];
    const jobs: { key: string; id: string }[] = [];
    const every = Math.max(1, Math.floor(o.accounts / 10));
    for (let i = 1; i <= o.accounts; i++) {
      const key = `ve_test_pro_soak${String(i).padStart(6, '0')}`;
      await expect(call(s.port, 'GET', '/api/account', key), 200);
      await expect(call(s.port, 'GET', '/api/v1/account', `sk_test_pro_soak${String(i).padStart(6, '0')}`), 200);
      await expect(call(s.port, 'POST', '/api/templates', key, { name: `t${i}`, script: { scenes: [{ duration: 1, elements: [{ type: 'text', text: '{{title}}' }] }] } }), 201);
      await expect(call(s.port, 'GET', '/api/templates', key), 200);
      if (i % o.jobEvery === 0) {
        const job = await expect(call(s.port, 'POST', '/api/render', key, { width: 64, height: 36, fps: 5, scenes: [{ duration: 0.2 }] }), 202);
        jobs.push({ key, id: job.job_id });
        await expect(call(s.port, 'GET', `/api/jobs/${job.job_id}`, key), 200);
      }
      if (i % every === 0) {
        samples.push([i, rssMiB(s.pid)]);
        o.log(`soak ${build.name}: ${i} accounts, ${jobs.length} jobs, RSS ${samples[samples.length - 1]![1]} MiB`);
      }
    }
    // Let every job finish, then one last reading.
    for (const j of jobs) {
      for (let k = 0; k < 600; k++) {
        const r = await call(s.port, 'GET', `/api/jobs/${j.id}`, j.key);
        if (r.json.status === 'completed' || r.json.status === 'failed') break;
        await sleep(100);
      }
    }
    const finalMiB = rssMiB(s.pid);
    // The slope of the second half: the first samples also hold what loads on first use.
    const [a0, m0] = samples[Math.floor(samples.length / 2) - 1]!;
    const [a1, m1] = samples[samples.length - 1]!;
    return {
      accounts: o.accounts,
      templates: o.accounts,
      jobs: jobs.length,
      requests,
      idleMiB,
      samples,
      finalMiB,
      slopeMiBPer1000: Math.round(((m1 - m0) / Math.max(1, a1 - a0)) * 1000 * 10) / 10,
    };
  } finally {
    await stop(s);
  }
}
