// X-Sandbox-Fault: error=CODE for every catalogue code of both vendor APIs, through real HTTP:
// the documented status, the API's envelope with that code and its extra fields, Retry-After on
// 429, and the rate-limit headers on every injected answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';
import { join } from 'node:path';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call } from '../support/http.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const rateHeaders = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

const phantomflow = loadSpec(join(SPEC_DIR, 'phantomflow.yaml')).policy;
const sketchpen = loadSpec(join(SPEC_DIR, 'sketchpen.yaml')).policy;

describe('PhantomFlow: every catalogue code on demand', () => {
  for (const [code, entry] of Object.entries(phantomflow.errors.catalogue)) {
    it(`error=${code} → ${entry.status}`, async () => {
      const key = freshKey('ve_test_', 'pro');
      const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': `error=${code}` }, body: { scenes: [{ duration: 1 }] } });
      expect(r.status).toBe(entry.status);
      expect(r.body.error.code).toBe(code);
      expect(typeof r.body.error.message).toBe('string');
      for (const h of rateHeaders) expect(r.headers.get(h), h).toMatch(/^\d+$/);
      expect(r.headers.get('x-ratelimit-limit')).toBe('120');
      expect(r.headers.get('x-request-id')).toMatch(/^req_/);
      if (entry.status === 402) {
        expect(r.body.error.balance).toBe(1000); // the caller's real balance
        expect(r.body.error.required).toBeGreaterThan(r.body.error.balance);
      }
      if (entry.extra?.includes('path')) expect(r.body.error.path).toBe('scenes');
      if (entry.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      else expect(r.headers.get('retry-after')).toBeNull();
    });
  }

  it('the injected request counts in the rate window', async () => {
    const key = freshKey('ve_test_', 'pro');
    const a = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' } });
    const b = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' } });
    expect(Number(a.headers.get('x-ratelimit-remaining'))).toBe(119);
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(118);
  });

  it('a balance set through the control API shows in an injected 402', async () => {
    const key = freshKey('ve_test_');
    await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 7 } });
    const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INSUFFICIENT_CREDITS' }, body: { scenes: [{ duration: 1 }] } });
    expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', balance: 7, required: 8 });
  });
});

describe('Sketchpen: every catalogue code on demand', () => {
  for (const [code, entry] of Object.entries(sketchpen.errors.catalogue)) {
    it(`error=${code} → ${entry.status}`, async () => {
      const key = freshKey('sk_test_', 'pro');
      const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: { 'X-Api-Key': key, 'X-Sandbox-Fault': `error=${code}` }, body: { prompt: 'A whiteboard about tides' } });
      expect(r.status).toBe(entry.status);
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
      for (const h of rateHeaders) expect(r.headers.get(h), h).toMatch(/^\d+$/);
      if (code === 'VALIDATION_ERROR') {
        expect(r.body.error.details).toEqual([expect.objectContaining({ loc: ['body', 'prompt'], msg: expect.any(String), type: expect.any(String) })]);
      }
      if (code === 'INSUFFICIENT_CREDITS') expect(r.body.error.message).toBe('Insufficient credits. Required: 2001, Available: 2000');
      if (entry.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('status, unknown codes, Prefer', () => {
  const pf = () => ({ 'x-api-key': freshKey('ve_test_', 'pro') });

  it('status=NNN picks the catalogue code with that status', async () => {
    const r = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'status=404' } });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    const i = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'status=500' } });
    expect(i.body.error.code).toBe('INTERNAL_ERROR');
  });

  it('a status no code has keeps the envelope with the internal code', async () => {
    const r = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'status=503' } });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('INTERNAL_ERROR');
    expect(r.headers.get('x-ratelimit-limit')).toBe('120');
  });

  it('status=429 is the API’s own rate-limit answer (Sketchpen: the string form)', async () => {
    const r = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': freshKey('sk_test_'), 'X-Sandbox-Fault': 'status=429' } });
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ error: expect.stringMatching(/^Rate limit exceeded: /) });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('error + status: the code with another status', async () => {
    const r = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'error=INTERNAL_ERROR,status=502' } });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('INTERNAL_ERROR');
  });

  it('an unknown code or directive is a 400 in the API’s envelope, never a 5xx', async () => {
    const a = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'error=NO_SUCH_CODE' } });
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('INVALID_REQUEST');
    expect(a.body.error.message).toContain('NO_SUCH_CODE');
    const b = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': freshKey('sk_test_'), 'X-Sandbox-Fault': 'explode=1' } });
    expect(b.status).toBe(400);
    expect(b.body.error).toMatchObject({ code: 'BAD_REQUEST', request_id: expect.any(String) });
    const c = await call(sb.url, 'GET', '/api/account', { headers: { ...pf(), 'X-Sandbox-Fault': 'latency=soon' } });
    expect(c.status).toBe(400);
  });

  it('Prefer: code=NNN answers the documented response of that status', async () => {
    const e = await call(sb.url, 'POST', '/api/render/template', { headers: { ...pf(), Prefer: 'code=404' }, body: { template_id: 'tpl_3f9a1c2b4d5e' } });
    expect(e.status).toBe(404);
    expect(e.body.error.code).toBe('TEMPLATE_NOT_FOUND'); // the code this operation documents for 404
    const ok = await call(sb.url, 'GET', '/api/render/schema', { headers: { ...pf(), Prefer: 'code=200' } });
    expect(ok.status).toBe(200);
    const undocumented = await call(sb.url, 'GET', '/api/render/schema', { headers: { ...pf(), Prefer: 'code=201' } });
    expect(undocumented.status).toBe(400);
    expect(undocumented.body.error.message).toContain('documents no 201');
  });

  it('faults never apply to the control API', async () => {
    const r = await call(sb.url, 'GET', '/__sandbox/health', { headers: { 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
  });
});
