// The control API (/__sandbox) through real HTTP: health, accounts and their ledger, the clock
// (a manual clock resets the rate window), the request log, reset, the admin token, the spec.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createSandbox } from '../../src/sandbox.ts';
import { ROOT } from '../../src/paths.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call } from '../support/http.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ requestLogSize: 50 });
});
afterAll(() => sb.close());

describe('health and routing', () => {
  it('GET /__sandbox/health lists the served APIs, the clock and the seed', async () => {
    const r = await call(sb.url, 'GET', '/__sandbox/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', seed: 42, clock: { mode: 'real', now: expect.any(String) } });
    expect(r.body.apis.map((a: any) => a.id).sort()).toEqual(['phantomflow', 'sketchpen']);
    expect(r.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('the control API is served even when --api narrows the vendor APIs', async () => {
    const s = await startSandbox({ only: ['phantomflow'] });
    try {
      const r = await call(s.url, 'GET', '/__sandbox/health');
      expect(r.body.apis.map((a: any) => a.id)).toEqual(['phantomflow']);
    } finally {
      await s.close();
    }
  });

  it('unknown control paths and bad bodies answer in the control API’s envelope', async () => {
    const nf = await call(sb.url, 'GET', '/__sandbox/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('NOT_FOUND');
    const bad = await call(sb.url, 'POST', '/__sandbox/clock', { body: { mode: 'sideways' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: 'mode' });
    const json = await call(sb.url, 'POST', '/__sandbox/faults', { headers: { 'content-type': 'application/json' }, body: '{"match":' });
    expect(json.body.error.code).toBe('INVALID_JSON');
  });
});

describe('accounts', () => {
  it('GET of a never-used key is 404; PATCH provisions it; the API is inferred from the key', async () => {
    const key = freshKey('ve_test_');
    expect((await call(sb.url, 'GET', `/__sandbox/accounts/${key}`)).status).toBe(404);
    const p = await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { plan: 'starter', balance: 42 } });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ api: 'phantomflow', key, plan: 'starter', balance: 42, limits: { requestsPerMinute: 60, concurrentJobs: 5 }, ledger: { balanced: true } });
    const sk = freshKey('sk_test_');
    const q = await call(sb.url, 'PATCH', `/__sandbox/accounts/${sk}`, { body: { scopes: ['videos:read'] } });
    expect(q.body).toMatchObject({ api: 'sketchpen', scopes: ['videos:read'] });
    const forbidden = await call(sb.url, 'POST', '/api/v1/videos', { headers: { 'X-Api-Key': sk }, body: { prompt: 'x' } });
    expect(forbidden.status).toBe(403);
  });

  it('balance changes go through the ledger; the API sees them', async () => {
    const key = freshKey('ve_test_');
    await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 3 } });
    const ledger = await call(sb.url, 'GET', `/__sandbox/accounts/${key}/ledger`);
    expect(ledger.body).toMatchObject({ balance: 3, sum: 3, balanced: true });
    expect(ledger.body.entries.map((e: any) => e.kind)).toEqual(['grant', 'adjust']);
    const account = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
    expect(account.body.credits_balance).toBe(3);
    const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { scenes: [{ duration: 5 }] } });
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', balance: 3 });
  });

  it('revoked → 401; limits override the plan (null = unlimited, "plan" = back)', async () => {
    const key = freshKey('ve_test_');
    await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { limits: { requestsPerMinute: 2 } } });
    const h = { 'x-api-key': key };
    expect((await call(sb.url, 'GET', '/api/account', { headers: h })).headers.get('x-ratelimit-limit')).toBe('2');
    await call(sb.url, 'GET', '/api/account', { headers: h });
    expect((await call(sb.url, 'GET', '/api/account', { headers: h })).status).toBe(429);
    const back = await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { limits: { requestsPerMinute: 'plan' } } });
    expect(back.body.limits.requestsPerMinute).toBe(10);
    await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { revoked: true, limits: { requestsPerMinute: null } } });
    const r = await call(sb.url, 'GET', '/api/account', { headers: h });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
  });

  it('rejects an unknown plan and a key no API owns', async () => {
    const bad = await call(sb.url, 'PATCH', `/__sandbox/accounts/${freshKey('ve_test_')}`, { body: { plan: 'platinum' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: 'plan' });
    const none = await call(sb.url, 'GET', '/__sandbox/accounts/zz_nobody_123');
    expect(none.status).toBe(404);
  });
});

describe('clock', () => {
  it('freeze, advance, scale, resume — the stable shapes', async () => {
    const s = await startSandbox();
    try {
      const frozen = await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      expect(frozen.body).toMatchObject({ mode: 'manual', now: expect.any(String) });
      const before = Date.parse(frozen.body.now);
      const adv = await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 61 } });
      expect(Date.parse(adv.body.now) - before).toBe(61_000);
      const got = await call(s.url, 'GET', '/__sandbox/clock');
      expect(got.body).toMatchObject({ mode: 'manual', now: adv.body.now });
      expect((await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'scaled' } })).status).toBe(400);
      expect((await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'scaled', scale: 10 } })).body).toMatchObject({ mode: 'scaled', scale: 10 });
      expect((await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'real' } })).body.mode).toBe('real');
    } finally {
      await s.close();
    }
  });

  it('a manual clock advanced 60 s resets the rate window', async () => {
    const s = await startSandbox();
    try {
      await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      const h = { 'x-api-key': freshKey('ve_test_', 'free') };
      for (let i = 0; i < 10; i++) expect((await call(s.url, 'GET', '/api/account', { headers: h })).status).toBe(200);
      const limited = await call(s.url, 'GET', '/api/account', { headers: h });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 60 } });
      const again = await call(s.url, 'GET', '/api/account', { headers: h });
      expect(again.status).toBe(200);
      expect(again.headers.get('x-ratelimit-remaining')).toBe('9');
    } finally {
      await s.close();
    }
  });
});

describe('request log', () => {
  it('records every vendor request with its fault, filters, and stays bounded', async () => {
    const key = freshKey('ve_test_', 'pro');
    const h = { 'x-api-key': key };
    await call(sb.url, 'GET', '/api/account', { headers: h });
    await call(sb.url, 'GET', '/api/account', { headers: { ...h, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' } });
    await call(sb.url, 'GET', '/api/account', { headers: { ...h, 'X-Sandbox-Fault': 'reset' } }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const log = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}`);
    expect(log.status).toBe(200);
    expect(log.body.capacity).toBe(50);
    const [reset, injected, plain] = log.body.data;
    expect(plain).toMatchObject({ method: 'GET', path: '/api/account', api: 'phantomflow', operationId: 'getAccount', key, status: 200, requestId: expect.any(String) });
    expect(plain.faults).toBeUndefined();
    expect(injected).toMatchObject({ status: 500, errorCode: 'INTERNAL_ERROR', faults: ['header: error=INTERNAL_ERROR'] });
    expect(reset).toMatchObject({ status: null, faults: ['header: reset'] });
    expect(typeof plain.latencyMs).toBe('number');
    const only500 = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&status=5xx`);
    expect(only500.body.data).toHaveLength(1);
    const faulted = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&faulted=true&limit=1`);
    expect(faulted.body.data).toHaveLength(1);
    // Control API requests are not logged, and the ring buffer keeps only the last 50.
    for (let i = 0; i < 60; i++) await call(sb.url, 'GET', '/api/render/schema', { headers: { 'x-api-key': freshKey('ve_test_', 'pro') } });
    const all = await call(sb.url, 'GET', '/__sandbox/requests?limit=1000');
    expect(all.body.data).toHaveLength(50);
    expect(all.body.data.every((e: any) => e.api !== 'sandbox-admin')).toBe(true);
  });

  it('live keys sent by mistake are masked', async () => {
    await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': 've_live_supersecretvalue99' } });
    const log = await call(sb.url, 'GET', '/__sandbox/requests?limit=1');
    expect(log.body.data[0].status).toBe(401);
    expect(log.body.data[0].key).not.toContain('supersecret');
  });
});

describe('reset', () => {
  it('one account: fixture restored, its rules and window gone; all: everything, clock back to its start mode', async () => {
    const s = await startSandbox();
    try {
      const key = 've_test_lowbalance01'; // a fixture with 3 credits
      await call(s.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 500, revoked: true } });
      await call(s.url, 'POST', '/__sandbox/faults', { body: { match: { key }, action: { status: 500 } } });
      const other = await call(s.url, 'POST', '/__sandbox/faults', { body: { match: { api: 'sketchpen' }, action: { status: 500 } } });
      const r = await call(s.url, 'POST', '/__sandbox/reset', { body: { key } });
      expect(r.body).toMatchObject({ scope: 'account', apis: ['phantomflow'], key, faultsRemoved: 1 });
      expect((await call(s.url, 'GET', `/__sandbox/accounts/${key}`)).body).toMatchObject({ balance: 3, revoked: false, fixture: true });
      expect((await call(s.url, 'GET', '/__sandbox/faults')).body.data.map((f: any) => f.id)).toEqual([other.body.id]);

      await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 86_400 } });
      const k2 = freshKey('ve_test_');
      await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': k2 } });
      const all = await call(s.url, 'POST', '/__sandbox/reset');
      expect(all.body).toMatchObject({ scope: 'all', faultsRemoved: 1 });
      expect((await call(s.url, 'GET', '/__sandbox/faults')).body.data).toEqual([]);
      expect((await call(s.url, 'GET', `/__sandbox/accounts/${k2}`)).status).toBe(404);
      expect((await call(s.url, 'GET', '/__sandbox/requests')).body.data).toEqual([]);
      const clock = (await call(s.url, 'GET', '/__sandbox/clock')).body;
      expect(clock.mode).toBe('real');
      expect(Math.abs(Date.parse(clock.now) - Date.now())).toBeLessThan(5_000);
    } finally {
      await s.close();
    }
  });

  it('resetting one account leaves the rate window of a key that merely starts with it alone', async () => {
    const s = await startSandbox({ clock: { mode: 'manual' } });
    try {
      const a = 've_test_demo_aaaaaaaa';
      const b = 've_test_demo_aaaaaaaa_2';
      const remaining = async (key: string) => Number((await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } })).headers.get('x-ratelimit-remaining'));
      for (let i = 0; i < 3; i++) await remaining(a);
      expect(await remaining(b)).toBe(9); // free plan: 10 a minute
      await remaining(b);
      await call(s.url, 'POST', '/__sandbox/reset', { body: { key: a } });
      expect(await remaining(a)).toBe(9); // a's window starts over…
      expect(await remaining(b)).toBe(7); // …b's counts on
    } finally {
      await s.close();
    }
  });

  it('a full reset restarts the seeded stream: the same traffic fails the same way again', async () => {
    const s = await startSandbox({ seed: 3 });
    try {
      const run = async () => {
        await call(s.url, 'POST', '/__sandbox/faults', { body: { action: { status: 500 }, probability: 0.5 } });
        const out: number[] = [];
        for (let i = 0; i < 20; i++) out.push((await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': 've_test_enterprise_resetseed' } })).status);
        return out;
      };
      const first = await run();
      await call(s.url, 'POST', '/__sandbox/reset', { body: {} });
      expect(await run()).toEqual(first);
    } finally {
      await s.close();
    }
  });
});

describe('admin token', () => {
  it('once a token is configured, every control request must carry it', async () => {
    const s = await startSandbox({ adminToken: 's3cret-token' });
    try {
      const none = await call(s.url, 'GET', '/__sandbox/health');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      expect((await call(s.url, 'GET', '/__sandbox/health', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await call(s.url, 'GET', '/__sandbox/health', { headers: { Authorization: 'Bearer s3cret-token' } })).status).toBe(200);
      expect((await call(s.url, 'GET', '/__sandbox/health', { headers: { 'X-Sandbox-Admin-Token': 's3cret-token' } })).status).toBe(200);
      // The vendor APIs are unaffected.
      expect((await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': freshKey('ve_test_') } })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('listening on a non-loopback address without a token is refused (library and CLI)', async () => {
    const sandbox = createSandbox();
    await expect(sandbox.listen(0, '0.0.0.0')).rejects.toThrow(/admin token/);
    await sandbox.close();
    const cli = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli.ts'), 'serve', '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, SANDBOX_ADMIN_TOKEN: '' },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/admin-token/);
  });
});

describe('the control API’s spec', () => {
  it('every example validates against its schema', () => {
    const spec = loadSpec(join(ROOT, 'openapi', 'sandbox-admin.yaml'));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema(spec.doc, 'admin');
    const problems: string[] = [];
    const check = (schema: unknown, value: unknown, where: string) => {
      const abs = JSON.parse(JSON.stringify(schema).replaceAll('"#/', '"admin#/'));
      const v = ajv.compile(abs);
      if (!v(value)) problems.push(`${where}: ${ajv.errorsText(v.errors)}`);
    };
    const deref = (n: any): any => (n?.$ref ? deref(n.$ref.slice(2).split('/').reduce((o: any, k: string) => o[k], spec.doc)) : n);
    let count = 0;
    for (const op of spec.operations) {
      const media = [...Object.values<any>(op.body?.content ?? {}), ...Object.values<any>(op.responses).flatMap((r) => Object.values<any>(deref(r).content ?? {}))];
      for (const m of media) {
        if (m.example !== undefined) (count++, check(m.schema, m.example, op.operationId));
        for (const [name, ex] of Object.entries<any>(m.examples ?? {})) (count++, check(m.schema, ex.value, `${op.operationId} ${name}`));
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(20);
  });
});

describe('served specs', () => {
  it('lists every served document and serves each with servers pointing at the sandbox', async () => {
    const s = await startSandbox();
    try {
      const list = await call(s.url, 'GET', '/__sandbox/specs');
      expect(list.status).toBe(200);
      expect(list.body.data.map((d: { id: string }) => d.id)).toEqual(['phantomflow', 'sketchpen', 'sandbox-admin']);
      const sk = await call(s.url, 'GET', '/__sandbox/specs/sketchpen');
      expect(sk.status).toBe(200);
      expect(sk.body.openapi).toMatch(/^3\.1\./);
      expect(sk.body.servers).toEqual([{ url: `${s.url}/api/v1`, description: 'this sandbox' }]);
      // The document as served is the one on disk (apart from servers).
      expect(Object.keys(sk.body.paths)).toContain('/videos');
      const missing = await call(s.url, 'GET', '/__sandbox/specs/nope');
      expect(missing.status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
