// `npm run bench:inspector`: how fast the inspector is, measured in headless Chromium against the
// bundled sandbox (as `npm start` runs it) with the request log at its cap (1000 requests):
//  - page load: navigation start to the page's first data shown ('inspector-ready'), per page;
//  - responsiveness at the cap: paging, opening a request, a burst of live requests;
//  - the request path's cost of capturing headers and bodies for the log (on vs off).
// Results in bench/results/inspector-latest.{json,md}. Traffic goes to 127.0.0.1 only; every loop
// is bounded; only processes started here are stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { machine } from './machine.ts';
import { ROOT } from '../src/paths.ts';
import { browserSkipReason, launchBrowser } from '../test/support/browser.ts';

const KEY = 've_test_enterprise_bench0001';
const LOADS = Number(process.env.BENCH_PAGE_LOADS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PER_ROUND = Number(process.env.BENCH_ROUND_REQUESTS ?? 10_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const round1 = (n: number) => Math.round(n * 10) / 10;
let startLoad: number[] = [];

async function start(command: string[], port: number, ipc = false): Promise<ChildProcess> {
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit', ...(ipc ? (['ipc'] as const) : [])] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/__sandbox/health`);
      await res.arrayBuffer();
      if (res.ok) return child;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error(`${command.join(' ')} did not start`);
}

/** Fill the log to its cap with a mix of what clients send: reads, invalid and valid renders. */
async function fill(base: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) => {
        const k = i + j;
        const post = k % 3 === 0;
        return fetch(`${base}${post ? '/api/render' : k % 3 === 1 ? '/api/account' : '/api/jobs'}`, {
          method: post ? 'POST' : 'GET',
          headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...(k % 17 === 0 ? { 'X-Sandbox-Fault': 'status=503' } : {}) },
          body: post ? JSON.stringify({ scenes: [{ duration: '5', elements: [{ type: 'text', text: `request ${k}`.repeat(40) }] }] }) : undefined,
        }).then((r) => r.arrayBuffer());
      }),
    );
  }
}

async function pages(base: string) {
  const browser = await launchBrowser({ width: 1400, height: 900 });
  try {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    // Wall time to the first data, and the page's main-thread busy time (the renderer's own work:
    // what the page costs, whatever else the machine is doing).
    const loadOnce = async (hash: string) => {
      await page.goto(`${base}/__sandbox/ui/?${Math.random()}#${hash}`);
      await page.waitForSelector('html[data-ready="true"]');
      const ms = await page.evaluate(() => performance.getEntriesByName('inspector-ready')[0]!.startTime);
      const { metrics } = await cdp.send('Performance.getMetrics');
      const busy = (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
      return { ms, busy };
    };
    const load: Record<string, { medianMs: number; p95Ms: number; busyMedianMs: number; runs: number }> = {};
    for (const hash of ['requests', 'jobs', 'webhooks', 'faults', 'clock']) {
      for (let i = 0; i < 2; i++) await loadOnce(hash); // warm-up
      const runs: { ms: number; busy: number }[] = [];
      for (let i = 0; i < LOADS; i++) runs.push(await loadOnce(hash));
      const times = runs.map((r) => r.ms);
      load[hash] = { medianMs: round1(median(times)), p95Ms: round1(p95(times)), busyMedianMs: round1(median(runs.map((r) => r.busy))), runs: LOADS };
      console.log(`load #${hash}: median ${load[hash].medianMs} ms, p95 ${load[hash].p95Ms} ms, main thread busy ${load[hash].busyMedianMs} ms`);
    }

    // Responsiveness with the log at its cap.
    await loadOnce('requests');
    const rows = () => page.locator('#requests-table tbody tr').count();
    const older: number[] = [];
    for (let p = 2; p <= 20; p++) {
      const t0 = Date.now();
      await page.getByRole('button', { name: 'Older' }).click();
      await page.locator('#requests-page', { hasText: `Page ${p}` }).waitFor();
      await page.locator('#requests-summary', { hasText: `Showing ${(p - 1) * 50 + 1}–` }).waitFor();
      older.push(Date.now() - t0);
    }
    await page.getByRole('button', { name: 'Newer' }).click();
    const open: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      await page.locator('#requests-table tbody tr').nth(i * 3).getByRole('button').click();
      await page.locator('#request-detail h3', { hasText: 'Response' }).waitFor();
      open.push(Date.now() - t0);
    }
    // A burst of live traffic on the first page: long tasks on the page's main thread.
    await loadOnce('requests');
    await page.evaluate(() => {
      (window as any).__long = [];
      new PerformanceObserver((l) => (window as any).__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: false });
    });
    const burst = 1000;
    const before = ((await (await fetch(`${base}/__sandbox/health`)).json()) as { requestsLogged: number }).requestsLogged;
    const t0 = Date.now();
    await fill(base, burst);
    // Until the page shows the last of them.
    await page.waitForFunction((n) => document.querySelector('#requests-summary')?.textContent?.includes(`; ${n} recorded`), before + burst, { timeout: 30_000 });
    const burstMs = Date.now() - t0;
    const longTasks: number[] = await page.evaluate(() => (window as any).__long);
    const rendered = await rows();
    return {
      load,
      atCap: {
        pageRows: rendered,
        olderPageMs: { median: median(older), max: Math.max(...older) },
        openRequestMs: { median: median(open), max: Math.max(...open) },
        liveBurst: { requests: burst, wallMs: burstMs, longTasks: longTasks.length, longestTaskMs: round1(Math.max(0, ...longTasks)) },
      },
    };
  } finally {
    await browser.close();
  }
}

function load(port: number, opts: { path: string; method?: 'GET' | 'POST'; body?: string; amount: number }) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}${opts.path}`, method: opts.method ?? 'GET', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: opts.body, connections: 10, amount: opts.amount },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

/** The server's CPU time so far (µs), over its IPC channel. */
const cpuOf = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    child.once('message', (u: any) => resolve(u.user + u.system));
    child.send('cpu');
  });

/**
 * CPU per request with the capture on (16 KiB per body) and off (0), both servers up at once and
 * measured in alternating rounds: CPU time is steadier than throughput on a shared machine.
 */
async function captureCost() {
  const script = JSON.stringify({ scenes: [{ duration: '5', elements: [{ type: 'text', text: 'x'.repeat(2000) }] }] });
  const scenarios = [
    { name: 'GET /api/account', path: '/api/account' },
    { name: 'POST /api/render (invalid, 2 KiB body)', path: '/api/render', method: 'POST' as const, body: script },
  ];
  const variants = [
    { name: 'on', bodyBytes: 16384, port: 4033 },
    { name: 'off', bodyBytes: 0, port: 4034 },
  ];
  const children = await Promise.all(
    variants.map((v) =>
      start([process.execPath, '--import', 'tsx', join(ROOT, 'bench/inspector-server.ts'), String(v.port), String(v.bodyBytes)], v.port, true),
    ),
  );
  const samples: Record<string, { cpuUs: number[]; reqPerSec: number[] }> = {};
  try {
    for (const v of variants) await load(v.port, { path: '/api/account', amount: 2000 }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        for (const i of round % 2 ? [1, 0] : [0, 1]) {
          const v = variants[i]!;
          const c0 = await cpuOf(children[i]!);
          const r = await load(v.port, { ...scenario, amount: PER_ROUND });
          const c1 = await cpuOf(children[i]!);
          const s = (samples[`${v.name}|${scenario.name}`] ??= { cpuUs: [], reqPerSec: [] });
          s.cpuUs.push(round1((c1 - c0) / PER_ROUND));
          s.reqPerSec.push(Math.round(r.requests.average));
        }
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
  return scenarios.map((sc) => {
    const on = samples[`on|${sc.name}`]!;
    const off = samples[`off|${sc.name}`]!;
    return {
      scenario: sc.name,
      on: { cpuUsMedian: median(on.cpuUs), cpuUsMin: Math.min(...on.cpuUs), reqPerSecMedian: median(on.reqPerSec) },
      off: { cpuUsMedian: median(off.cpuUs), cpuUsMin: Math.min(...off.cpuUs), reqPerSecMedian: median(off.reqPerSec) },
      samples: { on, off },
    };
  });
}

async function main() {
  if (browserSkipReason) throw new Error(browserSkipReason);
  startLoad = loadavg().map((x) => round1(x));
  const port = 4031;
  const child = await start([process.execPath, join(ROOT, 'dist/cli.js'), 'serve', '--port', String(port)], port);
  let browserResult;
  try {
    const base = `http://127.0.0.1:${port}`;
    await fill(base, 1000);
    browserResult = await pages(base);
  } finally {
    child.kill('SIGTERM');
  }
  const capture = await captureCost();
  const loadAverage = loadavg().map((x) => round1(x));
  const result = { at: new Date().toISOString(), machine: machine(), loadAverage: { start: startLoad, end: loadAverage }, target: { pageLoad: '≤ 200 ms on loopback' }, ...browserResult, capture };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/inspector-latest.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    '# Benchmark: the inspector',
    '',
    `Run ${result.at} on ${Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ')}; load average at the start ${startLoad.join(' / ')}, at the end ${loadAverage.join(' / ')} (other work on the machine slows every wall-clock figure). Headless Chromium (${process.env.CHROMIUM_PATH || '/usr/bin/chromium'}) and the bundled sandbox on the same machine, the request log full (1000 requests).`,
    '',
    '## Page load (navigation start → first data shown), target ≤ 200 ms',
    '',
    '| page | median ms | p95 ms | main-thread busy ms (median) | loads |',
    '|---|---|---|---|---|',
    ...Object.entries(browserResult.load).map(([k, v]) => `| ${k} | ${v.medianMs} | ${v.p95Ms} | ${v.busyMedianMs} | ${v.runs} |`),
    '',
    '## With the log at its cap',
    '',
    `- Rows in the table: ${browserResult.atCap.pageRows} (pages of 50).`,
    `- Older page: median ${browserResult.atCap.olderPageMs.median} ms, max ${browserResult.atCap.olderPageMs.max} ms (click to rows shown, 19 pages).`,
    `- Open a request's detail: median ${browserResult.atCap.openRequestMs.median} ms, max ${browserResult.atCap.openRequestMs.max} ms.`,
    `- ${browserResult.atCap.liveBurst.requests} live requests in ${browserResult.atCap.liveBurst.wallMs} ms: ${browserResult.atCap.liveBurst.longTasks} long tasks (> 50 ms) on the page, the longest ${browserResult.atCap.liveBurst.longestTaskMs} ms.`,
    '',
    `## The request path: capturing headers and bodies for the log, on (16 KiB per body) vs off`,
    '',
    `Server CPU time per request, ${ROUNDS} alternating rounds of ${PER_ROUND} requests at 10 connections (median, and the least of the rounds).`,
    '',
    '| scenario | on: CPU µs/request | off: CPU µs/request | difference (median) | on: req/s | off: req/s |',
    '|---|---|---|---|---|---|',
    ...capture.map((c) => `| ${c.scenario} | ${c.on.cpuUsMedian} (min ${c.on.cpuUsMin}) | ${c.off.cpuUsMedian} (min ${c.off.cpuUsMin}) | ${round1(c.on.cpuUsMedian - c.off.cpuUsMedian)} µs | ${c.on.reqPerSecMedian} | ${c.off.reqPerSecMedian} |`),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/results/inspector-latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
