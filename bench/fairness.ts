// `npm run bench:fairness`: how long a small job waits for a render slot while another key floods
// the queue, at light fidelity. One key submits FLOOD jobs of a minute of 1080p-requested video
// with text; once they render, another key submits SAMPLES one-second jobs one after another and
// each one's wait (submission → rendering) is recorded. Three configurations, interleaved: the
// sandbox's default (one slot per core and a spare; a key holds at most one per core), issue 13's
// (one slot per core, a key at most all but one) and every slot open to one key (as before issue
// 13). Target: the small job's wait ≤ 2 s at light fidelity.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../src/paths.ts';
import { createSandbox } from '../src/sandbox.ts';
import { machine } from './machine.ts';

const FLOOD = Number(process.env.BENCH_FAIRNESS_FLOOD ?? 12);
const SAMPLES = Number(process.env.BENCH_FAIRNESS_SAMPLES ?? 5);
const ROUNDS = Number(process.env.BENCH_FAIRNESS_ROUNDS ?? 2);
const CORES = availableParallelism();
const SLOTS = Math.max(2, CORES);

const floodScript = { width: 1920, height: 1080, fps: 30, scenes: Array.from({ length: 4 }, (_, i) => ({ duration: 15, background: '#1e293b', elements: Array.from({ length: 8 }, (_, k) => ({ type: 'text', text: `Flood scene ${i} line ${k}`, font_size: 40 })) })) };
const smallScript = { width: 640, height: 360, fps: 30, scenes: [{ duration: 1, background: '#14532d', elements: [{ type: 'text', text: 'small' }] }] };

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(url, init);
  return r.json();
}

async function waitFor(url: string, key: string, id: string, done: (job: any) => boolean): Promise<any> {
  for (let i = 0; i < 6000; i++) {
    const job = await json(`${url}/api/jobs/${id}`, { headers: { 'x-api-key': key } });
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not get there`);
}

/** One run: waits (ms) of the small jobs, measured submission → rendering, and after the 1 s queue hold. */
async function run(slots: { workConcurrency?: number; workPerKey?: number }): Promise<{ waits: number[]; slotWaits: number[] }> {
  const sandbox = createSandbox({ ...slots, clock: { mode: 'real' } });
  const { url } = await sandbox.listen(0, '127.0.0.1');
  const post = (key: string, body: unknown) => json(`${url}/api/render`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    const flood = 've_test_enterprise_benchflood';
    const small = 've_test_enterprise_benchsmall';
    const ids: string[] = [];
    for (let i = 0; i < FLOOD; i++) ids.push((await post(flood, floodScript)).job_id);
    // The flood holds its slots before the first small job arrives.
    await waitFor(url, flood, ids[0]!, (j) => j.status === 'rendering');
    const waits: number[] = [];
    const slotWaits: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const submitted = Date.now();
      const id = (await post(small, smallScript)).job_id as string;
      const job = await waitFor(url, small, id, (j) => j.status !== 'queued');
      const started = Date.now();
      waits.push(started - submitted);
      slotWaits.push(Math.max(0, started - submitted - 1000));
      await waitFor(url, small, id, (j) => j.status === 'completed' || j.status === 'failed');
      void job;
    }
    return { waits, slotWaits };
  } finally {
    await sandbox.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const configs = [
    { name: `default: a key holds at most ${CORES} of ${CORES + 1} slots`, slots: {} },
    { name: `issue 13: a key holds at most ${SLOTS - 1} of ${SLOTS} slots`, slots: { workConcurrency: SLOTS, workPerKey: SLOTS - 1 } },
    { name: `every slot open to one key (${SLOTS} of ${SLOTS}, before issue 13)`, slots: { workConcurrency: SLOTS, workPerKey: SLOTS } },
  ];
  const results = configs.map(() => ({ waits: [] as number[], slotWaits: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of configs.entries()) {
      const r = await run(c.slots);
      results[i]!.waits.push(...r.waits);
      results[i]!.slotWaits.push(...r.slotWaits);
      console.log(`round ${round + 1}, ${c.name}: waits ${r.waits.join(', ')} ms`);
    }
  }
  const at = new Date().toISOString();
  const rows = configs.map((c, i) => {
    const r = results[i]!;
    return { config: c.name, medianWaitMs: median(r.waits), maxWaitMs: Math.max(...r.waits), medianSlotWaitMs: median(r.slotWaits), maxSlotWaitMs: Math.max(...r.slotWaits), samples: r.waits };
  });
  const md = [
    '# Fairness benchmark',
    '',
    `Run ${at} on ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `Light fidelity, ${CORES} cores. One key queues ${FLOOD} jobs of 60 s of 1920×1080-requested video with 8 text lines per scene; while they render, another key submits ${SAMPLES} one-second jobs one after the other. Wait = submission → the job enters \`rendering\` (includes the sandbox's 1 s queue hold); slot wait = wait − 1 s. ${ROUNDS} rounds, configurations interleaved.`,
    '',
    '| configuration | median wait | max wait | median slot wait | max slot wait | target |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.config} | ${r.medianWaitMs} ms | ${r.maxWaitMs} ms | ${r.medianSlotWaitMs} ms | ${r.maxSlotWaitMs} ms | wait ≤ 2000 ms |`),
    '',
    `Samples (ms): ${rows.map((r) => `${r.config}: ${r.samples.join(', ')}`).join('; ')}.`,
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/fairness-latest.md'), md);
  writeFileSync(join(ROOT, 'bench/results/fairness-latest.json'), JSON.stringify({ at, machine: machine(), flood: FLOOD, samples: SAMPLES, rounds: ROUNDS, cores: CORES, rows }, null, 2) + '\n');
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
