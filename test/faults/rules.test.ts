// Fault rules through the control API: sequences for retry tests, after/times, matching by
// path glob, template, method and key, and seeded probability that repeats exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call } from '../support/http.ts';
import { tinyScript } from '../support/phantomflow.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 60_000 } });
});
afterAll(() => sb.close());

const addRule = async (base: string, rule: unknown) => {
  const r = await call(base, 'POST', '/__sandbox/faults', { body: rule });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};

describe('sequences', () => {
  it('"fail the next 2 POST /api/render with 500", then succeed — like a retrying client sees it', async () => {
    const key = freshKey('ve_test_', 'pro');
    const rule = await addRule(sb.url, { match: { method: 'POST', path: '/api/render', key }, action: { error: 'INTERNAL_ERROR' }, times: 2 });
    expect(rule).toMatchObject({ id: expect.stringMatching(/^fault_\d+$/), kind: 'request', times: 2, remaining: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(1) });
      statuses.push(r.status);
      if (r.status === 500) {
        expect(r.body.error.code).toBe('INTERNAL_ERROR');
        expect(r.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      } else expect(r.body).toMatchObject({ status: 'queued', job_id: expect.any(String) });
    }
    expect(statuses).toEqual([500, 500, 202]);
    // Used up: still listed, with remaining 0.
    const listed = await call(sb.url, 'GET', `/__sandbox/faults/${rule.id}`);
    expect(listed.body).toMatchObject({ fired: 2, matched: 3, remaining: 0, exhausted: true });
  });

  it('after + times: pass 1, fail 1 with 503, then pass; two rules chain a sequence', async () => {
    const key = freshKey('ve_test_', 'pro');
    await addRule(sb.url, { match: { key }, action: { status: 503 }, after: 1, times: 1 });
    await addRule(sb.url, { match: { key }, action: 'error=FORBIDDEN', after: 2, times: 1 });
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key } })).status);
    expect(got).toEqual([200, 503, 403, 200]);
  });

  it('the header wins over a rule; the rule still counts the request', async () => {
    const key = freshKey('ve_test_', 'pro');
    const rule = await addRule(sb.url, { match: { key }, action: { error: 'INTERNAL_ERROR' }, times: 1 });
    const a = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=NOT_FOUND' } });
    expect(a.body.error.code).toBe('NOT_FOUND');
    expect((await call(sb.url, 'GET', `/__sandbox/faults/${rule.id}`)).body.fired).toBe(1);
  });
});

describe('matching', () => {
  it('path glob, spec template and method', async () => {
    const key = freshKey('ve_test_', 'pro');
    await addRule(sb.url, { match: { key, path: '/api/jobs/*' }, action: { status: 500 } });
    await addRule(sb.url, { match: { key, path: '/api/templates/{template_id}', method: 'DELETE' }, action: { error: 'FORBIDDEN' } });
    const h = { 'x-api-key': key };
    expect((await call(sb.url, 'GET', '/api/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7', { headers: h })).status).toBe(500);
    expect((await call(sb.url, 'GET', '/api/jobs', { headers: h })).status).toBe(200);
    expect((await call(sb.url, 'DELETE', '/api/templates/tpl_0a1b2c3d4e5f', { headers: h })).status).toBe(403);
    expect((await call(sb.url, 'GET', '/api/templates/tpl_0a1b2c3d4e5f', { headers: h })).status).toBe(404); // the real answer
  });

  it('by API and operationId, and key glob', async () => {
    const tag = `g${Date.now().toString(36)}`;
    await addRule(sb.url, { match: { api: 'sketchpen', operationId: 'listVideos', key: `sk_test_${tag}_*` }, action: { error: 'DATABASE_ERROR' } });
    const r = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': `sk_test_${tag}_one` } });
    expect(r.status).toBe(500);
    expect(r.body.error).toMatchObject({ code: 'DATABASE_ERROR', request_id: expect.any(String) });
    const other = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': freshKey('sk_test_') } });
    expect(other.status).toBe(200);
  });

  it('rules are checked: unknown codes, directives and fields get 400 with a path', async () => {
    const bad = async (rule: unknown, path: string) => {
      const r = await call(sb.url, 'POST', '/__sandbox/faults', { body: rule });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
    };
    await bad({ match: { api: 'phantomflow' }, action: { error: 'DATABASE_ERROR' } }, 'action.error');
    await bad({ match: { api: 'nope' }, action: { status: 500 } }, 'match.api');
    await bad({ action: { explode: true } }, 'action.explode');
    await bad({ action: { latency: { dist: 'uniform', min: 500, max: 100 } } }, 'action.latency');
    await bad({ action: { reset: true, error: 'INTERNAL_ERROR' } }, 'action');
    await bad({ match: { path: '/api/render' }, action: { stage: 'render', fail: 'RENDER_FAILED' } }, 'match.path');
    await bad({ action: { status: 500 }, probability: 2 }, 'probability');
  });

  it('faults never touch the control API', async () => {
    const rule = await addRule(sb.url, { action: { status: 500 } }); // every request of every API…
    const h = await call(sb.url, 'GET', '/__sandbox/health');
    expect(h.status).toBe(200);
    await call(sb.url, 'DELETE', `/__sandbox/faults/${rule.id}`);
  });
});

describe('probability', () => {
  async function failingRequests(seed: number): Promise<number[]> {
    const s = await startSandbox({ seed });
    try {
      const key = 've_test_enterprise_probability01';
      await addRule(s.url, { match: { key }, action: { status: 500 }, probability: 0.3 });
      const failing: number[] = [];
      for (let i = 0; i < 200; i++) {
        const r = await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        if (r.status === 500) failing.push(i);
        else expect(r.status).toBe(200);
      }
      return failing;
    } finally {
      await s.close();
    }
  }

  it('the same seed and the same traffic fail the same requests', async () => {
    const first = await failingRequests(7);
    const second = await failingRequests(7);
    expect(second).toEqual(first);
    expect(first.length).toBeGreaterThan(30); // ≈ 60 expected
    expect(first.length).toBeLessThan(95);
    const otherSeed = await failingRequests(8);
    expect(otherSeed).not.toEqual(first);
  });
});
