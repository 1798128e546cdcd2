// Throughput, latency and server CPU per request of four scenarios, for each build of the
// sandbox, Prism 5.14 (static mock) and a bare node:http server replaying the sandbox's exact
// responses. All servers run at once and the runs are interleaved round by round (each round in
// another order), so the shared machine's noise falls on every target alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../src/paths.ts';
import type { Captured } from '../bare-server.ts';
import { exchange, load, type LoadRequest } from '../lib/http-load.ts';
import { cpuMs, untilIdle } from '../lib/proc.ts';
import { launch, stop, until200, type Server } from '../lib/servers.ts';
import { percentile, spread, type Spread } from '../lib/stats.ts';
import { freePort, INVALID_RENDER, MOCKED, PF_KEY, READY, rotate, SP_KEY, startSandbox, type Build } from '../lib/targets.ts';

export interface Scenario {
  id: 'job' | 'video' | 'invalid' | 'mocked';
  name: string;
  /** also run against Prism */
  prism: boolean;
}

export const SCENARIOS: Scenario[] = [
  { id: 'job', name: 'GET /api/jobs/{id}', prism: true },
  { id: 'video', name: 'Sketchpen GET /api/v1/videos/{id} (stateful)', prism: false },
  { id: 'invalid', name: 'invalid POST /api/render (400)', prism: false },
  { id: 'mocked', name: 'mocked Sketchpen GET /api/v1/themes (Prefer: code=200)', prism: false },
];

/** The sandboxes of this section run with Sketchpen's fast timing: a video reaches `refining` (where it waits for approval) in seconds. */
export const SANDBOX_ARGS = ['--timing', 'fast'];

export interface RunSample {
  reqPerSec: number;
  cpuUsPerReq: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  count: number;
  statuses: Record<string, number>;
  errors: number;
}

export interface TargetSummary {
  target: string;
  scenario: Scenario['id'];
  runs: RunSample[];
  reqPerSec: Spread;
  cpuUsPerReq: Spread;
  p50Us: Spread;
  p99Us: Spread;
}

/** A completed job of this sandbox to read (a tiny real render). */
export async function completedJob(port: number): Promise<string> {
  const submit = await exchange(port, {
    method: 'POST',
    path: '/api/render',
    headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ width: 64, height: 36, fps: 5, scenes: [{ duration: 0.2, background: '#204080' }] }),
  });
  const { job_id } = JSON.parse(submit.body.toString()) as { job_id: string };
  const path = `/api/jobs/${job_id}`;
  for (let i = 0; i < 600; i++) {
    const r = await exchange(port, { method: 'GET', path, headers: { 'x-api-key': PF_KEY } });
    if ((JSON.parse(r.body.toString()) as { status: string }).status === 'completed') return path;
    await sleep(100);
  }
  throw new Error('the benchmark job did not complete');
}

/** A Sketchpen video of this sandbox to read, once it waits in `refining` (its view no longer changes). */
export async function refiningVideo(port: number): Promise<string> {
  const created = await exchange(port, {
    method: 'POST',
    path: '/api/v1/videos',
    headers: { 'x-api-key': SP_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'How a benchmark is read' }),
  });
  if (created.status !== 201) throw new Error(`POST /api/v1/videos answered ${created.status}: ${created.body.toString()}`);
  const path = `/api/v1/videos/${(JSON.parse(created.body.toString()) as { id: string }).id}`;
  for (let i = 0; i < 600; i++) {
    const r = await exchange(port, { method: 'GET', path, headers: { 'x-api-key': SP_KEY } });
    if ((JSON.parse(r.body.toString()) as { status: string }).status === 'refining') return path;
    await sleep(100);
  }
  throw new Error('the benchmark video did not reach refining');
}

interface Target {
  name: string;
  server: Server;
  requests: Partial<Record<Scenario['id'], LoadRequest>>;
}

async function measure(t: Target, req: LoadRequest, seconds: number, connections: number): Promise<RunSample> {
  const cpu0 = cpuMs(t.server.pid);
  const r = await load(req, { port: t.server.port, connections, durationMs: seconds * 1000 });
  const cpu = cpuMs(t.server.pid) - cpu0;
  const us = (p: number) => Math.round(percentile(r.latenciesUs, p));
  return {
    reqPerSec: Math.round(r.reqPerSec),
    cpuUsPerReq: Math.round((cpu * 1000) / Math.max(1, r.count)),
    p50Us: us(50),
    p90Us: us(90),
    p99Us: us(99),
    maxUs: us(100),
    count: r.count,
    statuses: r.statuses,
    errors: r.errors,
  };
}

export async function throughput(builds: Build[], o: { seconds: number; rounds: number; connections: number; log: (s: string) => void }) {
  const servers: Server[] = [];
  try {
    const targets: Target[] = [];
    for (const b of builds) {
      const s = await startSandbox(b, { args: SANDBOX_ARGS });
      servers.push(s);
      const job = await completedJob(s.port);
      const video = await refiningVideo(s.port);
      targets.push({
        name: `sandbox ${b.name}`,
        server: s,
        requests: { job: { method: 'GET', path: job, headers: { 'x-api-key': PF_KEY } }, video: { method: 'GET', path: video, headers: { 'x-api-key': SP_KEY } }, invalid: INVALID_RENDER, mocked: MOCKED },
      });
    }
    // The bare server replays what the newest sandbox sent, byte for byte.
    const newest = targets[targets.length - 1]!;
    const captured: Captured[] = [];
    for (const id of ['job', 'video', 'invalid', 'mocked'] as const) {
      const req = newest.requests[id]!;
      await exchange(newest.server.port, req); // the mocker's first answer may differ in timing only
      const r = await exchange(newest.server.port, req);
      captured.push({ method: req.method, path: req.path, status: r.status, headers: r.rawHeaders, body: r.body.toString('base64') });
    }
    const file = join(mkdtempSync(join(tmpdir(), 'bench-bare-')), 'captured.json');
    writeFileSync(file, JSON.stringify(captured));
    const barePort = await freePort();
    const bare = launch('bare node:http', barePort, [process.execPath, '--import', 'tsx', join(ROOT, 'bench/bare-server.ts'), String(barePort), file], { cwd: ROOT });
    servers.push(bare);
    await until200(barePort, newest.requests.job!, performance.now());
    targets.push({ name: 'bare node:http', server: bare, requests: Object.fromEntries(Object.entries(newest.requests)) });

    const prismPort = await freePort();
    const prism = launch('prism 5.14', prismPort, [join(ROOT, 'node_modules/.bin/prism'), 'mock', '-p', String(prismPort), '-h', '127.0.0.1', join(ROOT, 'openapi/phantomflow.yaml')], { cwd: ROOT });
    servers.push(prism);
    // Prism's pid is the group leader's (node runs the CLI directly).
    await until200(prismPort, READY, performance.now(), 120_000, 50);
    targets.push({ name: 'prism 5.14 (static mock)', server: prism, requests: { job: { method: 'GET', path: '/api/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7', headers: { 'x-api-key': PF_KEY } } } });

    for (const t of targets) for (const req of Object.values(t.requests)) await load(req!, { port: t.server.port, connections: o.connections, durationMs: 1000 }); // warm-up
    for (const t of targets) await untilIdle(t.server.pid); // start-up work done (validators, Prism)

    const samples = new Map<string, RunSample[]>();
    for (let round = 0; round < o.rounds; round++) {
      for (const s of SCENARIOS) {
        for (const t of rotate(targets, round)) {
          const req = t.requests[s.id];
          if (!req) continue;
          const sample = await measure(t, req, o.seconds, o.connections);
          const k = `${t.name}|${s.id}`;
          samples.set(k, [...(samples.get(k) ?? []), sample]);
          o.log(`round ${round + 1} ${s.id} ${t.name}: ${sample.reqPerSec} req/s, ${sample.cpuUsPerReq} µs CPU/req, p99 ${sample.p99Us} µs ${JSON.stringify(sample.statuses)}`);
        }
      }
    }
    const summaries: TargetSummary[] = [];
    for (const [k, runs] of samples) {
      const [target, scenario] = k.split('|') as [string, Scenario['id']];
      summaries.push({
        target,
        scenario,
        runs,
        reqPerSec: spread(runs.map((r) => r.reqPerSec)),
        cpuUsPerReq: spread(runs.map((r) => r.cpuUsPerReq)),
        p50Us: spread(runs.map((r) => r.p50Us)),
        p99Us: spread(runs.map((r) => r.p99Us)),
      });
    }
    // Ratios per round (same round, same noise), then their spread.
    const ratio = (a: string, b: string, scenario: Scenario['id']) => {
      const x = samples.get(`${a}|${scenario}`);
      const y = samples.get(`${b}|${scenario}`);
      if (!x || !y) return undefined;
      return spread(x.map((r, i) => r.reqPerSec / y[i]!.reqPerSec), 2);
    };
    const ratios: Record<string, Record<string, Spread | undefined>> = {};
    for (const b of builds) {
      const me = `sandbox ${b.name}`;
      ratios[b.name] = {
        jobVsPrism: ratio(me, 'prism 5.14 (static mock)', 'job'),
        jobVsBare: ratio(me, 'bare node:http', 'job'),
        videoVsBare: ratio(me, 'bare node:http', 'video'),
        invalidVsBare: ratio(me, 'bare node:http', 'invalid'),
        mockedVsBare: ratio(me, 'bare node:http', 'mocked'),
      };
    }
    return { seconds: o.seconds, rounds: o.rounds, connections: o.connections, summaries, ratios };
  } finally {
    for (const s of servers) await stop(s);
  }
}
