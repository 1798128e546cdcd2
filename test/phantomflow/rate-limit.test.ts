// Rate limits through real HTTP on a manual clock: the headers on every kind of response, the 11th
// request of a free key, the window resetting when the clock moves, the per-address bucket.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { expectError, tinyScript } from '../support/phantomflow.ts';
import { expectRateHeaders } from '../support/http.ts';

let s: RunningSandbox;
beforeAll(async () => {
  s = await startSandbox({ clock: { mode: 'manual' } });
});
afterAll(() => s.close());

const nextWindow = () => s.sandbox.clock.advance(60_000);

describe('headers on every response', () => {
  it('2xx (200, 201, 202, 204), 4xx (400, 401, 404, 405), with a free key', async () => {
    const k = freshKey('ve_test_', 'free');
    const responses = [
      await request(s.url).get('/api/account').set('x-api-key', k),
      await request(s.url).post('/api/templates').set('x-api-key', k).send({ name: 't', script: tinyScript() }),
      await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript()),
      await request(s.url).post('/api/render').set('x-api-key', k).send({}),
      await request(s.url).get('/api/jobs/00000000-0000-4000-8000-000000000000').set('x-api-key', k),
      await request(s.url).get('/api/nope').set('x-api-key', k),
      await request(s.url).delete('/api/account').set('x-api-key', k),
    ];
    const tpl = responses[1]!.body.template_id;
    responses.push(await request(s.url).delete(`/api/templates/${tpl}`).set('x-api-key', k));
    expect(responses.map((r) => r.status)).toEqual([200, 201, 202, 400, 404, 404, 405, 204]);
    responses.forEach((r, i) => {
      expectRateHeaders(r.headers);
      expect(Number(r.headers['x-ratelimit-limit'])).toBe(10);
      expect(Number(r.headers['x-ratelimit-remaining'])).toBe(9 - i);
    });
    const reset = Number(responses[0]!.headers['x-ratelimit-reset']);
    expect(reset * 1000).toBe(Math.floor(s.sandbox.clock.now() / 60_000) * 60_000 + 60_000);
  });

  it('an unlimited plan reports 2147483647', async () => {
    const res = await request(s.url).get('/api/account').set('x-api-key', freshKey('ve_test_', 'enterprise'));
    expect(res.status).toBe(200);
    expect(res.headers['x-ratelimit-limit']).toBe('2147483647');
    expect(res.headers['x-ratelimit-remaining']).toBe('2147483647');
    expect(res.body.limits).toEqual({ requests_per_minute: null, concurrent_jobs: null });
  });
});

describe('a free key: 10 per minute', () => {
  it('the 11th request in a window gets 429 RATE_LIMIT_EXCEEDED with Retry-After; the window resets on the clock', async () => {
    nextWindow();
    const k = freshKey('ve_test_', 'free');
    let reset = 0;
    for (let i = 0; i < 10; i += 1) {
      const ok = await request(s.url).get('/api/account').set('x-api-key', k);
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(9 - i));
      reset = Number(ok.headers['x-ratelimit-reset']);
    }
    const left = () => Math.max(1, Math.ceil((reset * 1000 - s.sandbox.clock.now()) / 1000));
    const limited = await request(s.url).get('/api/account').set('x-api-key', k);
    expectError(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(limited.headers['retry-after']).toBe(String(left()));
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['x-ratelimit-reset']).toBe(String(reset));
    // Other keys are not affected.
    expect((await request(s.url).get('/api/account').set('x-api-key', freshKey('ve_test_', 'free'))).status).toBe(200);
    // Still limited a moment before the window ends…
    s.sandbox.clock.advance(reset * 1000 - s.sandbox.clock.now() - 500);
    const still = await request(s.url).get('/api/account').set('x-api-key', k);
    expect(still.status).toBe(429);
    expect(still.headers['retry-after']).toBe('1');
    // …and fresh once it has.
    s.sandbox.clock.advance(500);
    const again = await request(s.url).get('/api/account').set('x-api-key', k);
    expect(again.status).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('9');
  });

  it('a plan marker picks the plan: starter allows 60', async () => {
    const res = await request(s.url).get('/api/account').set('x-api-key', freshKey('ve_test_', 'starter'));
    expect(res.headers['x-ratelimit-limit']).toBe('60');
    expect(res.body).toMatchObject({ plan: 'starter', limits: { requests_per_minute: 60, concurrent_jobs: 5 } });
  });
});

describe('unauthenticated requests count against the client address', () => {
  it('401s carry the headers, and the 11th gets 429', async () => {
    nextWindow();
    for (let i = 0; i < 10; i += 1) {
      const res = await request(s.url).get('/api/jobs');
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    const limited = await request(s.url).get('/api/jobs').set('x-api-key', 've_live_abcdefghijk');
    expectError(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    nextWindow();
    expectError(await request(s.url).get('/api/jobs'), 401, 'UNAUTHORIZED');
  });
});
