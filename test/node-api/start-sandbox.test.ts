// The package's Node API as a test suite uses it: startSandbox() in process, the control methods
// over the real control API (same shapes, typed errors), the synchronous reset, connectSandbox()
// for a sandbox started elsewhere, and instances that share nothing.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSandbox, SandboxControlError, startSandbox, type RunningSandbox, type SandboxEvent, type StartSandboxOptions } from '../../src/index.ts';
import { CONTROL_SPEC } from '../../src/sandbox.ts';
import { call } from '../support/http.ts';

/** A schema of the control spec's components, checked with the spec's own definitions. */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const controlSchemas = (() => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'control', ...(yaml.load(readFileSync(CONTROL_SPEC, 'utf8')) as object) });
  return (name: string) => ajv.getSchema(`control#/components/schemas/${name}`)!;
})();

const open: RunningSandbox<string>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start<const A extends string = string>(options: StartSandboxOptions<A> = {}): Promise<RunningSandbox<A>> {
  const sb = await startSandbox<A>({ validateResponses: true, ...options });
  open.push(sb);
  return sb;
}

const script = { width: 320, height: 180, scenes: [{ duration: 1, background: '#1e3a8a', elements: [{ type: 'text', text: 'hi', font_size: 40 }] }] };
const key = (tag: string) => `ve_test_nodeapi_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** Poll a condition a bounded number of times (renders finish in real time). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, tries = 150): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('startSandbox', () => {
  it('runs the issue’s example: a fault sequence, the clock, the ledger, reset', async () => {
    const sb = await start({ apis: ['phantomflow'], clock: 'manual', seed: 7 });
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.urls).toEqual({ phantomflow: sb.url });
    expect(sb.port).toBe(Number(new URL(sb.url).port));
    const k = key('example');
    const headers = { 'x-api-key': k };

    const rule = await sb.faults.use({ match: { operationId: 'submitRender' }, action: { error: 'INTERNAL_ERROR' }, times: 2 });
    expect(rule).toMatchObject({ kind: 'request', times: 2, remaining: 2, fired: 0 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(sb.urls.phantomflow, 'POST', '/api/render', { headers, body: script })).status);
    expect(statuses).toEqual([500, 500, 202]);
    const listed = await sb.faults.list();
    expect(listed.data.map((r) => [r.id, r.fired, r.remaining, r.exhausted])).toEqual([[rule.id, 2, 0, true]]);

    const before = await sb.clock.get();
    expect(before.mode).toBe('manual');
    const advanced = await sb.clock.advance(61);
    expect(advanced.advancedMs).toBe(61_000);
    expect(advanced.nowMs - before.nowMs).toBe(61_000);

    const ledger = await sb.accounts.ledger(k);
    expect(ledger.balanced).toBe(true);
    expect(ledger.entries.map((e) => e.kind)).toContain('reserve');
    const requests = await sb.requests.list({ key: k });
    expect(requests.data.map((r) => r.status)).toEqual([202, 500, 500]);
    expect((await sb.jobs.list({ key: k })).data).toHaveLength(1);

    const result = sb.reset();
    expect(result).toEqual({ scope: 'all', apis: ['phantomflow'], faultsRemoved: 1 });
    expect((await sb.faults.list()).data).toEqual([]);
    expect((await sb.requests.list()).total).toBe(0);
    expect((await sb.jobs.list()).data).toEqual([]);
    expect((await sb.clock.get()).mode).toBe('manual');
    await expect(sb.accounts.get(k)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers with the control API’s shapes: the same bodies as over HTTP', async () => {
    const sb = await start({ apis: ['phantomflow'], clock: 'manual' });
    const k = key('shapes');
    const patched = await sb.accounts.update(k, { plan: 'starter', balance: 40 });
    expect(patched).toEqual((await call(sb.url, 'GET', `/__sandbox/accounts/${k}`)).body);
    expect(await sb.accounts.get(k)).toEqual(patched);
    expect(await sb.accounts.ledger(k)).toEqual((await call(sb.url, 'GET', `/__sandbox/accounts/${k}/ledger`)).body);
    const health = await sb.health();
    expect(health.apis.map((a) => [a.id, a.baseUrl])).toEqual([['phantomflow', sb.url]]);
    const rule = await sb.faults.use({ match: { path: '/api/jobs/*' }, action: 'status=503', probability: 0.5, note: 'flaky polls' });
    expect(await sb.faults.get(rule.id)).toEqual((await call(sb.url, 'GET', `/__sandbox/faults/${rule.id}`)).body);
    await sb.faults.remove(rule.id);
    await expect(sb.faults.get(rule.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND', endpoint: `GET /__sandbox/faults/${rule.id}` });
    await sb.faults.use({ action: { latency: 1 } });
    await sb.faults.use({ action: { stage: 'render', delay: 10 } });
    expect((await sb.faults.list({ kind: 'pipeline' })).data).toHaveLength(1);
    expect(await sb.faults.reset()).toEqual({ deleted: 2 });
  });

  it('clock: a bare "scaled" runs ten times faster; freeze, set and advance mirror the control API', async () => {
    const sb = await start({ apis: ['phantomflow'], clock: 'scaled' });
    expect(await sb.clock.get()).toMatchObject({ mode: 'scaled', scale: 10 });
    expect(await sb.clock.freeze()).toMatchObject({ mode: 'manual', scale: 1 });
    expect(await sb.clock.set('scaled', 3)).toMatchObject({ mode: 'scaled', scale: 3 });
    expect(await sb.clock.set({ mode: 'real' })).toMatchObject({ mode: 'real', scale: 1 });
    sb.reset();
    expect(await sb.clock.get()).toMatchObject({ mode: 'scaled', scale: 10 });
  });

  it('errors are SandboxControlErrors with the control API’s status, code, message and path', async () => {
    const sb = await start({ apis: ['phantomflow'] });
    const bad = await sb.faults.use({ action: { explode: true } as never }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SandboxControlError);
    const http = (await call(sb.url, 'POST', '/__sandbox/faults', { body: { action: { explode: true } } })).body.error;
    expect(bad).toMatchObject({ status: 400, code: http.code, message: http.message, path: http.path, endpoint: 'POST /__sandbox/faults' });
    expect((bad as SandboxControlError).path).toBeTruthy();
    await expect(sb.clock.advance(-1)).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR', path: 'seconds' });
    await expect(sb.accounts.update(key('plan'), { plan: 'platinum' })).rejects.toMatchObject({ status: 400, path: 'plan' });

    // The synchronous reset runs the control API's own handler: the same refusals as POST /__sandbox/reset.
    for (const scope of [{ api: 'nope' }, { key: 'no_api_has_keys_like_this' }, { bogus: 1 } as never, { api: 'Not An Id' }]) {
      const overHttp = await call(sb.url, 'POST', '/__sandbox/reset', { body: scope });
      let thrown: unknown;
      try {
        sb.reset(scope);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(scope)).toBeInstanceOf(SandboxControlError);
      const { status, code, message, path } = thrown as SandboxControlError;
      expect({ status, code, message, path }).toEqual({ status: overHttp.status, code: overHttp.body.error.code, message: overHttp.body.error.message, path: overHttp.body.error.path });
    }
  });

  it('resets one account or one API, synchronously, like POST /__sandbox/reset', async () => {
    const sb = await start({ clock: 'manual' });
    expect(Object.keys(sb.urls).sort()).toEqual(['phantomflow', 'sketchpen']);
    expect(sb.urls.sketchpen).toBe(`${sb.url}/api/v1`);
    const [a, b] = [key('one'), key('two')];
    for (const k of [a, b]) await sb.accounts.update(k, { balance: 5 });
    expect(sb.reset({ key: a })).toEqual({ scope: 'account', apis: ['phantomflow'], key: a, faultsRemoved: 0 });
    await expect(sb.accounts.get(a)).rejects.toMatchObject({ status: 404 });
    expect((await sb.accounts.get(b)).balance).toBe(5);
    expect(sb.reset({ api: 'sketchpen' })).toEqual({ scope: 'api', apis: ['sketchpen'], faultsRemoved: 0 });
    expect((await sb.accounts.get(b)).balance).toBe(5);
  });

  it('jobs and webhooks: the views with their documented fields', async () => {
    const received: unknown[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const sb = await start({ apis: ['phantomflow'], clock: 'manual', jobs: { queueDelayMs: 0 } });
      const k = key('views');
      const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
      const accepted = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': k }, body: { ...script, webhook_uri: hook } });
      expect(accepted.status).toBe(202);
      const job = await until(async () => (await sb.jobs.list({ key: k, status: 'completed' })).data[0], 'the render');
      expect(job).toMatchObject({ api: 'phantomflow', key: k, job_id: accepted.body.job_id, status: 'completed' });
      const delivery = await until(async () => (await sb.webhooks.list({ key: k })).data.find((d) => d.status === 'delivered'), 'the webhook');
      expect(delivery).toMatchObject({ api: 'phantomflow', key: k, subject: accepted.body.job_id, url: hook, nextAttemptAt: null });
      expect(delivery.attempts.map((t) => [t.attempt, t.status, t.ok])).toEqual([[1, 200, true]]);
      expect(received).toHaveLength(1);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('accounts list, session tokens, request detail and specs: the control API’s bodies, and the token works as Bearer', async () => {
    const sb = await start({ clock: 'manual' });
    const k = key('inspect');
    await sb.accounts.update(k, { balance: 12 });
    const listed = await sb.accounts.list({ api: 'phantomflow' });
    expect(listed).toEqual((await call(sb.url, 'GET', '/__sandbox/accounts?api=phantomflow')).body);
    expect(listed.data.map((a) => a.key)).toContain(k);

    const sp = `sk_test_nodeapi_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const token = await sb.accounts.sessionToken(sp, { ttlSeconds: 60 });
    expect(token).toMatchObject({ api: 'sketchpen', key: sp, tokenType: 'Bearer', expiresIn: 60, scopes: null });
    const bearer = { Authorization: `Bearer ${token.token}` };
    expect((await call(sb.urls.sketchpen!, 'GET', '/videos', { headers: bearer })).status).toBe(200);
    await sb.clock.advance(60);
    expect((await call(sb.urls.sketchpen!, 'GET', '/videos', { headers: bearer })).body.error.code).toBe('INVALID_TOKEN');
    // An API without session tokens refuses, typed.
    await expect(sb.accounts.sessionToken(k)).rejects.toMatchObject({ status: 400, endpoint: `POST /__sandbox/accounts/${k}/tokens` });

    const seq = (await sb.requests.list({ key: sp })).data.at(-1)!.seq;
    const detail = await sb.requests.get(seq);
    expect(detail).toEqual((await call(sb.url, 'GET', `/__sandbox/requests/${seq}`)).body);
    expect(detail.exchange?.url).toBe('/api/v1/videos');
    await expect(sb.requests.get(999_999)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });

    const specs = await sb.specs.list();
    expect(specs.data.map((d) => d.id).sort()).toEqual(['phantomflow', 'sandbox-admin', 'sketchpen']);
    const doc = await sb.specs.get('sketchpen');
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.servers?.[0]?.url).toBe(sb.urls.sketchpen);
  });

  it('events: a stream connected before the test acts sees its job, request, fault and reset events, each as the spec describes it', async () => {
    const sb = await start({ apis: ['phantomflow'], clock: 'manual', jobs: { queueDelayMs: 0 } });
    const events = await sb.events.stream({ types: ['job', 'request', 'fault', 'reset'] });
    expect(events.lastEventId).toBeGreaterThanOrEqual(0);
    const k = key('events');
    await sb.faults.use({ match: { key: k }, action: { latency: 1 } });
    const accepted = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': k }, body: script });
    expect(accepted.status).toBe(202);
    const seen: SandboxEvent[] = [];
    const saw = (e: SandboxEvent) => (seen.push(e), true);
    const done = await events.next((e): e is Extract<SandboxEvent, { type: 'job' }> => saw(e) && e.type === 'job' && e.data.id === accepted.body.job_id && e.data.to === 'completed', { timeoutMs: 30_000 });
    expect(done.data).toMatchObject({ api: 'phantomflow', key: k, from: 'rendering', to: 'completed' });
    sb.reset();
    await events.next((e) => saw(e) && e.type === 'reset');
    events.close();
    for await (const e of events) seen.push(e); // what was queued before close, then the end
    expect(new Set(seen.map((e) => e.type))).toEqual(new Set(['fault', 'request', 'job', 'reset']));
    expect(seen.filter((e) => e.type === 'job').map((e) => e.data.to)).toEqual(['queued', 'rendering', 'completed']);
    // Everything received, checked against the schema the control spec gives its type.
    const schemaOf: Record<string, string> = { job: 'JobEvent', request: 'LoggedRequest', fault: 'FaultEvent', reset: 'ResetResult', heartbeat: 'HeartbeatEvent' };
    for (const e of seen) {
      const check = controlSchemas(schemaOf[e.type]!);
      expect(check(e.data), `${e.type}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    await expect(events.next(undefined, { timeoutMs: 100 })).rejects.toThrow(/ended/);

    // A stream still open when the sandbox closes ends with it.
    const open = await sb.events.stream();
    const ended = (async () => {
      for await (const _ of open) void _;
      return 'ended';
    })();
    await sb.close();
    await expect(ended).resolves.toBe('ended');
    await expect(sb.events.stream({ types: ['nope' as never] })).rejects.toThrow();
  });

  it('connectSandbox() drives a sandbox started elsewhere, by URL or from VIDEO_API_SANDBOX_URL', async () => {
    const sb = await start({ clock: 'manual' });
    const remote = await connectSandbox(sb.url);
    expect(remote.urls).toEqual(sb.urls);
    const k = key('remote');
    await remote.accounts.update(k, { balance: 9 });
    expect((await sb.accounts.get(k)).balance).toBe(9);
    await remote.faults.use({ action: { error: 'INTERNAL_ERROR' } });
    expect(await remote.reset()).toEqual({ scope: 'all', apis: ['phantomflow', 'sketchpen'], faultsRemoved: 1 });
    process.env.VIDEO_API_SANDBOX_URL = sb.url;
    try {
      expect((await connectSandbox()).url).toBe(sb.url);
    } finally {
      delete process.env.VIDEO_API_SANDBOX_URL;
    }
    await sb.close();
    await expect(remote.health()).rejects.toThrow(/got no answer .*is the sandbox closed/);
  });

  it('an admin token configured on the sandbox is sent by its control methods', async () => {
    const sb = await start({ apis: ['phantomflow'], adminToken: 'tok-123' });
    expect((await call(sb.url, 'GET', '/__sandbox/health')).status).toBe(401);
    expect((await sb.health()).status).toBe('ok');
    await expect((await connectSandbox(sb.url, { adminToken: 'tok-123' })).clock.get()).resolves.toMatchObject({ mode: 'real' });
    await expect(connectSandbox(sb.url)).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });
});

describe('instances share nothing', () => {
  it('fault rules, clocks, request logs, request ids and accounts are per sandbox', async () => {
    const [a, b] = await Promise.all([start({ apis: ['phantomflow'], clock: 'manual' }), start({ apis: ['phantomflow'], clock: 'manual' })]);
    const k = key('iso');
    await a.faults.use({ action: { error: 'INTERNAL_ERROR' } });
    const [ra, rb] = await Promise.all([a, b].map((s) => call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': k } })));
    expect([ra!.status, rb!.status]).toEqual([500, 200]);
    const [ida, idb] = [ra!.headers.get('x-request-id')!, rb!.headers.get('x-request-id')!];
    expect(ida.slice(0, 16)).not.toBe(idb.slice(0, 16));

    const bBefore = (await b.clock.get()).nowMs;
    await a.clock.advance(3600);
    expect((await b.clock.get()).nowMs).toBe(bBefore);
    expect((await a.requests.list()).data.map((r) => r.requestId)).toEqual([ida]);
    expect((await b.requests.list()).data.map((r) => r.requestId)).toEqual([idb]);
    await a.accounts.update(k, { balance: 1 });
    expect((await b.accounts.get(k)).balance).not.toBe(1);
  });

  it('the work semaphore is per sandbox: a render holding the only slot of one does not hold up another', async () => {
    const opts = { apis: ['phantomflow'], clock: 'manual', workConcurrency: 1, jobs: { queueDelayMs: 0 } } as const;
    const [a, b] = await Promise.all([start(opts), start(opts)]);
    const k = key('slot');
    // In a, the render stage sleeps ten sandbox minutes while holding the one slot.
    await a.faults.use({ action: { stage: 'render', delay: 600_000 } });
    const held = await call(a.url, 'POST', '/api/render', { headers: { 'x-api-key': k }, body: script });
    await until(async () => ((await a.jobs.list({ key: k })).data[0]?.status === 'rendering' ? true : undefined), 'a’s job to take the slot');
    const queued = await call(a.url, 'POST', '/api/render', { headers: { 'x-api-key': `${k}_2` }, body: script });
    const done = await call(b.url, 'POST', '/api/render', { headers: { 'x-api-key': k }, body: script });
    await until(async () => (await b.jobs.list({ key: k, status: 'completed' })).data[0], 'b’s render');
    // a's second job still waits behind the held slot: the limit is real, just not shared.
    expect((await a.jobs.list({ key: `${k}_2` })).data[0]).toMatchObject({ job_id: queued.body.job_id, status: 'queued' });
    expect([held.status, done.status]).toEqual([202, 202]);
  });
});
