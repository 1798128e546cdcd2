// Mocked operations: Prism runs in a worker, its plain answer is cached per operation, warm-up
// fills the cache after listen, and the cached answer is exactly what Prism answers afresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { eventually } from '../support/phantomflow.ts';

const KEY = 'sk_test_enterprise_fixture01';

describe('the mocker, warmed at start-up', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({ only: ['sketchpen'], warmMocks: true });
  });
  afterAll(() => s.close());

  const sketchpen = () => s.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;
  const mockedGets = () => sketchpen().spec.operations.filter((o) => o.method === 'get' && !sketchpen().handlers[o.operationId]);

  it('answers every mocked operation once after listen, without a request', async () => {
    expect(mockedGets().length).toBeGreaterThan(0);
    await eventually(() => sketchpen().mocker.cached >= mockedGets().length, 60_000);
  }, 90_000);

  it('a cached answer is the answer Prism gives afresh (status, body, documented headers)', async () => {
    for (const op of mockedGets()) {
      const path = op.servedPath.replace(/\{[^}]+\}/g, 'x1');
      const cached = await call(s.url, 'GET', path, { headers: { 'x-api-key': KEY } });
      // `Prefer: dynamic=false` asks Prism for exactly the plain answer, but is never served from the cache.
      const fresh = await call(s.url, 'GET', path, { headers: { 'x-api-key': KEY, prefer: 'dynamic=false' } });
      expect(cached.status, op.operationId).toBe(fresh.status);
      expect(cached.body, op.operationId).toEqual(fresh.body);
      expect(cached.headers.get('content-type')).toBe(fresh.headers.get('content-type'));
      expect(cached.headers.get('x-request-id')).not.toBe(fresh.headers.get('x-request-id'));
    }
  }, 90_000);

  it('the cache stays bounded whatever Accept headers arrive', async () => {
    const before = sketchpen().mocker.cached;
    for (let i = 0; i < 150; i++) {
      const r = await call(s.url, 'GET', '/api/v1/themes', { headers: { 'x-api-key': KEY, accept: `application/json; q=0.${(i % 9) + 1}, text/x-${i}` } });
      expect(r.status).toBe(200);
    }
    expect(sketchpen().mocker.cached).toBeGreaterThan(before);
    expect(sketchpen().mocker.cached).toBeLessThanOrEqual(Math.max(16, sketchpen().spec.operations.length * 4));
  }, 90_000);
});
