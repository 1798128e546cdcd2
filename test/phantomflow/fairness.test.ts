// One key cannot starve everyone: another key's job starts without waiting for the flood's renders
// to finish, the queue for render slots is bounded per key with the documented 429, and what one
// job may ask for is capped per fidelity, as the spec declares (x-sandbox.renderLimits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { waitForJob } from '../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';

const script = (seconds: number, extra: Record<string, unknown> = {}) => ({ width: 1280, height: 720, fps: 30, quality: 'low', scenes: [{ duration: seconds, background: '#334455', elements: [{ type: 'text', text: 'flood' }] }], ...extra });

/**
 * One key queues three 10 s renders, then another key one 1 s render; both keys' jobs once done,
 * with the flood's render spans in start order.
 */
async function floodThenSmall(sb: RunningSandbox) {
  const flood = freshKey('ve_test_', 'enterprise');
  const small = freshKey('ve_test_', 'enterprise');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': flood }, body: script(10) });
    expect(r.status, r.text).toBe(202);
    ids.push(r.body.job_id);
  }
  const mine = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': small }, body: script(1) });
  expect(mine.status).toBe(202);
  const job = await waitForJob(sb.url, small, mine.body.job_id, { timeoutMs: 120_000 });
  expect(job.status).toBe('completed');
  const floodJobs = await Promise.all(ids.map((id) => waitForJob(sb.url, flood, id, { timeoutMs: 180_000 })));
  const spans = floodJobs.map((j) => [Date.parse(j.started_at), Date.parse(j.completed_at)] as const).sort((a, b) => a[0] - b[0]);
  return { smallStarted: Date.parse(job.started_at), spans };
}

describe('a flood from one key', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ jobs: { queueDelayMs: 0 }, workConcurrency: 2 });
  });
  afterAll(() => sb.close());

  it("leaves a slot: another key's job starts before any of the flood's renders has finished", async () => {
    const { smallStarted, spans } = await floodThenSmall(sb);
    expect(smallStarted).toBeLessThan(Math.min(...spans.map((s) => s[1])));
    // The flood itself ran one at a time beside it: no two of its renders overlapped.
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  }, 240_000);
});

describe('the default slots: one per core and a spare', () => {
  let sb: RunningSandbox;
  // Two cores' worth: three slots, a key holds at most two (what the defaults give on two cores).
  beforeAll(async () => {
    sb = await startSandbox({ jobs: { queueDelayMs: 0 }, workConcurrency: 3 });
  });
  afterAll(() => sb.close());

  it("let a lone key render on every core, and still start another key's job at once", async () => {
    const { smallStarted, spans } = await floodThenSmall(sb);
    const firstDone = Math.min(spans[0]![1], spans[1]![1]);
    // The flood's first two renders ran side by side; its third waited for one of them.
    expect(spans[1]![0]).toBeLessThan(spans[0]![1]);
    expect(spans[2]![0]).toBeGreaterThanOrEqual(firstDone);
    expect(smallStarted).toBeLessThan(firstDone);
  }, 240_000);
});

describe('bounded queue and per-job caps', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    // A long queue hold keeps jobs waiting, so the queue fills.
    sb = await startSandbox({ jobs: { queueDelayMs: 600_000 } });
  });
  afterAll(() => sb.close());

  it('the queue of one key is bounded, even on an unlimited plan: 429 CONCURRENCY_LIMIT_EXCEEDED with Retry-After', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const cap = sb.sandbox.apis[0]!.spec.policy.concurrency.maxQueuedPerKey!;
    for (let i = 0; i < cap; i++) expect((await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: script(1) })).status).toBe(202);
    const over = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: script(1) });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('CONCURRENCY_LIMIT_EXCEEDED');
    expect(over.body.error.message).toMatch(new RegExp(`${cap} of ${cap} of your jobs waiting for a render slot`));
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key is not affected.
    expect((await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': freshKey('ve_test_', 'enterprise') }, body: script(1) })).status).toBe(202);
  });

  it('a script over a light-fidelity cap is a 400 naming the cap, and costs nothing', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const long = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { scenes: Array.from({ length: 100 }, () => ({ duration: 300 })) } });
    expect(long.status, long.text).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: 'scenes' });
    expect(long.body.error.message).toMatch(/at most 600 s of video per job at light fidelity; this script is 30000 s/);
    const media = { scenes: Array.from({ length: 3 }, () => ({ duration: 1, elements: Array.from({ length: 50 }, () => ({ type: 'image', src: 'fixtures/media/testpattern.png' })) })) };
    const many = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: media });
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/at most 100 image, video and audio elements/);
    const account = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
    expect(account.body.credits_balance).toBe(100000);
  });
});

describe('at full fidelity', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ jobs: { queueDelayMs: 600_000 }, media: { fidelity: 'full' } });
  });
  afterAll(() => sb.close());

  it('the caps of full fidelity apply: frame size × layers, and seconds', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const layers = { width: 4096, height: 4096, scenes: [{ duration: 1, elements: Array.from({ length: 20 }, () => ({ type: 'text', text: 'x' })) }] };
    const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: layers });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/layer-pixels per job at full fidelity/);
    const long = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { scenes: [{ duration: 121 }] } });
    expect(long.body.error.message).toMatch(/at most 120 s of video per job at full fidelity/);
    // What light fidelity takes is refused here, and a small frame is still fine.
    expect((await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { width: 640, height: 360, scenes: [{ duration: 2 }] } })).status).toBe(202);
  });
});
