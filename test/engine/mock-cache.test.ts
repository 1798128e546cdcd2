// Answers from the spec: Prism runs in a worker, its static answer is cached per (operation,
// Accept, Prefer selection), warm-up fills the cache after listen, and a cached answer is
// exactly what Prism answers afresh. Every Sketchpen operation has a handler, so the spec's
// answers are what `Prefer: code=` / `example=` ask for.
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
  const successCodes = () => sketchpen().spec.operations.flatMap((o) => Object.keys(o.responses).filter((c) => /^[23]\d\d$/.test(c)).map((c) => ({ op: o, code: Number(c) })));
  const gets = () => successCodes().filter(({ op }) => op.method === 'get');
  const pathOf = (servedPath: string) => servedPath.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000001');

  it('answers every operation with each documented success code once after listen (no Accept, */* and application/json), without a request', async () => {
    expect(successCodes().length).toBeGreaterThan(0);
    await eventually(() => sketchpen().mocker.cached >= 3 * successCodes().length, 60_000);
  }, 90_000);

  it('a cached answer to Prefer: code= is the answer Prism gives afresh (status and body)', async () => {
    await eventually(() => sketchpen().mocker.cached >= 3 * successCodes().length, 60_000);
    const before = sketchpen().mocker.cached;
    for (const { op, code } of gets()) {
      const path = pathOf(op.servedPath);
      const cached = await call(s.url, 'GET', path, { headers: { 'x-api-key': KEY, prefer: `code=${code}` } });
      // Asked of the mocker without an operation to cache it as: Prism answers afresh.
      const fresh = await sketchpen().mocker.respond({ method: 'get', path, query: {}, headers: {}, body: undefined }, { code });
      expect(cached.status, op.operationId).toBe(fresh.status);
      expect(cached.body, op.operationId).toEqual(fresh.body);
    }
    // Every one of them was a cache hit: warm-up had answered them all.
    expect(sketchpen().mocker.cached).toBe(before);
  }, 90_000);

  it('Prefer: example= answers the named example, cached per name; dynamic=true is never cached', async () => {
    const path = '/api/v1/videos/00000000-0000-4000-8000-000000000001';
    const ask = (prefer: string) => call(s.url, 'GET', path, { headers: { 'x-api-key': KEY, prefer } });
    const refining = await ask('example=refining');
    const failed = await ask('example=failed');
    expect(refining.status).toBe(200);
    expect((refining.body as { status: string }).status).toBe('refining');
    expect((failed.body as { status: string }).status).toBe('failed');
    const n = sketchpen().mocker.cached;
    expect((await ask('example=refining')).body).toEqual(refining.body);
    expect(sketchpen().mocker.cached).toBe(n);
    expect((await ask('dynamic=true')).status).toBe(200);
    expect(sketchpen().mocker.cached).toBe(n);
    // An example the spec does not have is the caller's 400, and is not cached either.
    expect((await ask('example=no-such-example')).status).toBe(400);
    expect(sketchpen().mocker.cached).toBe(n);
  }, 90_000);

  it('the cache stays bounded whatever Accept headers and example names arrive', async () => {
    const before = sketchpen().mocker.cached;
    for (let i = 0; i < 150; i++) {
      const r = await call(s.url, 'GET', '/api/v1/themes', { headers: { 'x-api-key': KEY, prefer: 'code=200', accept: `application/json; q=0.${(i % 9) + 1}, text/x-${i}` } });
      expect(r.status).toBe(200);
    }
    expect(sketchpen().mocker.cached).toBeGreaterThan(before);
    expect(sketchpen().mocker.cached).toBeLessThanOrEqual(Math.max(32, sketchpen().spec.operations.length * 8));
  }, 90_000);
});
