// Safe against a real service: when the target has no control API (here a proxy hides the
// sandbox's), only read and write cases run — nothing spends credits, what is created is deleted —
// a live key is refused by the runner itself, and requests are paced.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runContract } from '../../src/contract/index.ts';
import { startBreakingProxy, type BreakingProxy } from '../support/breaking-proxy.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
let proxy: BreakingProxy;
beforeAll(async () => {
  sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
  proxy = await startBreakingProxy(sb.url, {
    what: 'no control API',
    check: '-',
    response: (req, res) => {
      if (!req.path.startsWith('/__sandbox')) return;
      res.status = 404;
      res.body = Buffer.from('{"error":{"code":"NOT_FOUND","message":"no such route"}}');
    },
  });
});
// Without a control API, 429s are waited out in real time; unauthenticated requests share one
// per-address window (10 a minute): each test starts from a fresh sandbox state and stays within it.
beforeEach(async () => {
  await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' });
});
afterAll(async () => {
  await proxy.close();
  await sb.close();
});

it('against a non-sandbox: read and write only, no job, no credit spent, nothing left behind', async () => {
  const key = 've_test_pro_safety_run1';
  const operations = ['getAccount', 'submitRender', 'createTemplate', 'getTemplate'];
  const r = await runContract({ api: 'phantomflow', baseUrl: proxy.url, key, maxRps: 0, seed: 5, operations });
  const start = r.events.find((e) => e.type === 'run-started');
  expect(start).toMatchObject({ sandbox: false, control: false, include: ['read', 'write'] });
  expect(r.summary.checks.failed).toBe(0);
  expect(r.summary.checks.passed).toBeGreaterThan(300);
  expect(r.summary.sandboxUse).toEqual([]);
  expect(Object.keys(r.summary.skippedWhy)).toEqual(expect.arrayContaining(['phase jobs: cost class spend not included', 'phase catalogue: needs a sandbox (X-Sandbox-Fault)']));
  // Seen from the sandbox itself: no job, only the starting grant in the ledger, no template left.
  const jobs = await (await fetch(`${sb.url}/__sandbox/jobs?key=${key}`)).json();
  expect(jobs.data).toEqual([]);
  const ledger = await (await fetch(`${sb.url}/__sandbox/accounts/${key}/ledger`)).json();
  expect(ledger.entries.map((e: any) => e.kind)).toEqual(['grant']);
  const templates = await (await fetch(`${sb.url}/api/templates`, { headers: { 'x-api-key': key } })).json();
  expect(templates.data.filter((t: any) => t.is_owner)).toEqual([]);
  // Tenant checks need a second key there: said, not silently passed.
  expect(r.events.some((e) => e.type === 'check' && e.check === 'tenant_isolation' && e.status === 'skipped')).toBe(true);
}, 180_000);

it('requests are paced: --max-rps 5 spaces them at least 200 ms apart', async () => {
  const started = performance.now();
  const r = await runContract({ api: 'phantomflow', baseUrl: proxy.url, key: 've_test_pro_safety_run2', maxRps: 5, operations: ['getAccount'], checks: ['response'] });
  const ms = performance.now() - started;
  expect(r.summary.requests).toBeGreaterThan(4);
  expect(ms).toBeGreaterThanOrEqual((r.summary.requests - 1) * 200 * 0.95);
}, 180_000);

it("against a real service, a departure from what the spec marks inferred is 'not confirmed', not a failure", async () => {
  // The Account schema is this project's inference (x-provenance: inferred); the vendor may differ.
  const drifting = await startBreakingProxy(sb.url, {
    what: 'no control API, and an account without key_prefix',
    check: '-',
    response: (req, res) => {
      if (req.path.startsWith('/__sandbox')) {
        res.status = 404;
        res.body = Buffer.from('{}');
      } else if (req.path === '/api/account' && res.status === 200) {
        const b = JSON.parse(res.body.toString('utf8'));
        delete b.key_prefix;
        res.body = Buffer.from(JSON.stringify(b));
      }
    },
  });
  try {
    const r = await runContract({ api: 'phantomflow', baseUrl: drifting.url, key: 've_test_pro_safety_run3', maxRps: 0, operations: ['getAccount'], checks: ['response'] });
    const schema = r.events.filter((e) => e.type === 'check' && e.check === 'response_schema_conformance' && e.operationId === 'getAccount');
    expect(schema.some((e) => e.type === 'check' && e.status === 'unconfirmed' && e.provenance === 'inferred')).toBe(true);
    expect(r.summary.checks.failed).toBe(0);
    expect(r.exitCode).toBe(0);
  } finally {
    await drifting.close();
  }
}, 180_000);

it('--max-requests bounds the run: it stops sending, says so, and judges only what it sent', async () => {
  const r = await runContract({ api: 'phantomflow', baseUrl: proxy.url, key: 've_test_pro_safety_run4', maxRps: 0, maxRequests: 15 });
  expect(r.summary.requests).toBe(15);
  expect(r.events.some((e) => e.type === 'notice' && e.level === 'warn' && /--max-requests 15/.test(e.message))).toBe(true);
  expect(r.summary.checks.failed).toBe(0);
}, 180_000);

it('a live key is refused before any request', async () => {
  await expect(runContract({ api: 'phantomflow', baseUrl: proxy.url, key: 've_live_realmoney123' })).rejects.toThrow(/refusing a live key/);
});
