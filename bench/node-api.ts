// `npm run bench:node-api`: the Node API as a test suite feels it, on the built package (dist/).
//  - startSandbox() to the first answer of a vendor request, in process: the first call in a fresh
//    process (after the import) and later calls in the same process. Target ≤ 150 ms.
//  - reset() with 1,000 jobs held (queued on a manual clock, each with its timer), synchronous.
//    Target ≤ 5 ms.
// Wall and CPU time are both reported (the machine is shared, so wall time is noisy); min, median
// and max over the repeats. Results: bench/results/node-api-latest.{md,json}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../src/paths.ts';
import { machine } from './machine.ts';

const COLD = Number(process.env.BENCH_COLD_RUNS ?? 7);
const WARM = Number(process.env.BENCH_WARM_RUNS ?? 20);
const RESETS = Number(process.env.BENCH_RESET_RUNS ?? 10);
const JOBS = 1000;
const entry = pathToFileURL(join(ROOT, 'dist/index.js')).href;

interface Sample {
  wallMs: number;
  cpuMs: number;
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { min: r(s[0]!), median: r(s[Math.floor(s.length / 2)]!), max: r(s[s.length - 1]!) };
};

// One measurement of startSandbox() → first answer, as a child program (the first run of a child
// is the cold case; it then repeats `warm` times in the same process).
const probe = (warm: number) => `
const { startSandbox } = await import(${JSON.stringify(entry)});
// The client's fetch (undici) loads on first use; that is the test's cost, not the sandbox's.
const { createServer } = await import('node:http');
const probe = createServer((q, r) => r.end('ok'));
await new Promise((r) => probe.listen(0, '127.0.0.1', r));
await (await fetch('http://127.0.0.1:' + probe.address().port + '/')).text();
await new Promise((r) => probe.close(r));
const samples = [];
for (let i = 0; i <= ${warm}; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sb = await startSandbox({ apis: ['phantomflow'] });
  const res = await fetch(sb.url + '/api/account', { headers: { 'x-api-key': 've_test_bench_start_' + i } });
  await res.text();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (res.status !== 200) throw new Error('first answer was ' + res.status);
  samples.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
  await sb.close();
}
console.log(JSON.stringify(samples));
`;
function runProbe(warm: number): Sample[] {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe(warm)], { encoding: 'utf8' }).trim().split('\n').pop()!);
}

async function resetBench(): Promise<{ samples: Sample[]; held: number[]; keyReset: Sample[] }> {
  const { startSandbox } = (await import(entry)) as typeof import('../src/index.ts');
  // 1,000 jobs held at once: the spec bounds the queue for render slots (50 per key, 500 in all,
  // then 429), so this runs on a copy of the spec with those bounds lifted.
  const spec = join(mkdtempSync(join(tmpdir(), 'node-api-spec-')), 'phantomflow.yaml');
  writeFileSync(spec, readFileSync(join(ROOT, 'openapi/phantomflow.yaml'), 'utf8').replace(/^(\s+maxQueued(?:PerKey)?:) \d+$/gm, `$1 ${JOBS * 2}`));
  const sb = await startSandbox({ apis: ['phantomflow'], specs: [spec], clock: 'manual', jobs: { queueDelayMs: 3_600_000, historyLimit: JOBS } });
  const script = JSON.stringify({ scenes: [{ duration: 1, elements: [{ type: 'text', text: 'held' }] }] });
  const fill = async () => {
    // 1,000 jobs across 10 enterprise accounts (no concurrency cap), 20 requests at a time.
    for (let i = 0; i < JOBS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          fetch(`${sb.url}/api/render`, { method: 'POST', headers: { 'x-api-key': `ve_test_enterprise_bench${(i + j) % 10}`, 'content-type': 'application/json' }, body: script }).then(async (r) => {
            await r.text();
            if (r.status !== 202) throw new Error(`submit answered ${r.status}`);
          }),
        ),
      );
    }
    return (await sb.jobs.list({ limit: 1000 })).data.length;
  };
  const samples: Sample[] = [];
  const keyReset: Sample[] = [];
  const held: number[] = [];
  for (let i = 0; i < RESETS; i++) {
    held.push(await fill());
    // One account's reset (100 of the jobs), then the full one.
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    sb.reset({ key: 've_test_enterprise_bench0' });
    let cpu = process.cpuUsage(cpu0);
    keyReset.push({ wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    sb.reset();
    cpu = process.cpuUsage(cpu0);
    samples.push({ wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    if ((await sb.jobs.list()).data.length !== 0) throw new Error('reset left jobs behind');
  }
  await sb.close();
  return { samples, held, keyReset };
}

async function main() {
  const cold: Sample[] = [];
  for (let i = 0; i < COLD; i++) cold.push(runProbe(0)[0]!);
  const warm = runProbe(WARM).slice(1);
  const reset = await resetBench();
  const result = {
    at: new Date().toISOString(),
    machine: machine(),
    loadAverage: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10),
    start: {
      cold: { runs: COLD, wallMs: stats(cold.map((s) => s.wallMs)), cpuMs: stats(cold.map((s) => s.cpuMs)) },
      warm: { runs: WARM, wallMs: stats(warm.map((s) => s.wallMs)), cpuMs: stats(warm.map((s) => s.cpuMs)) },
      target: '≤ 150 ms',
    },
    reset: {
      jobsHeld: stats(reset.held),
      runs: RESETS,
      full: { wallMs: stats(reset.samples.map((s) => s.wallMs)), cpuMs: stats(reset.samples.map((s) => s.cpuMs)) },
      oneAccount: { wallMs: stats(reset.keyReset.map((s) => s.wallMs)), cpuMs: stats(reset.keyReset.map((s) => s.cpuMs)) },
      target: '≤ 5 ms',
    },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/node-api-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const row = (name: string, s: { min: number; median: number; max: number }, target = '') => `| ${name} | ${s.min} | ${s.median} | ${s.max} | ${target} |`;
  const md = [
    '# Node API benchmark',
    '',
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}; load average ${result.loadAverage.join(' / ')} (a shared machine: read CPU time beside wall time).`,
    'The built package (dist/index.js), imported first; `startSandbox({ apis: [\'phantomflow\'] })` on port 0, then `GET /api/account` with a fresh test key over a real socket (the client\'s fetch warmed up beforehand: undici loads on first use).',
    '',
    '| measure (ms) | min | median | max | target |',
    '|---|---|---|---|---|',
    row(`startSandbox() → first answer, first call in a fresh process (wall; ${COLD} processes)`, result.start.cold.wallMs, '≤ 150'),
    row('… the same, CPU time', result.start.cold.cpuMs),
    row(`startSandbox() → first answer, later calls in the same process (wall; ${WARM} calls)`, result.start.warm.wallMs, '≤ 150'),
    row('… the same, CPU time', result.start.warm.cpuMs),
    row(`reset() with ${result.reset.jobsHeld.median} jobs held (wall; ${RESETS} runs)`, result.reset.full.wallMs, '≤ 5'),
    row('… the same, CPU time', result.reset.full.cpuMs),
    row('reset({ key }) of one account holding 100 of them (wall)', result.reset.oneAccount.wallMs),
    '',
    'Jobs are held in `queued` on a manual clock (each with its pending timer), across 10 enterprise keys; every reset is checked to leave none.',
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/node-api-latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
