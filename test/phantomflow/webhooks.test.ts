// The jobFinished webhook through real HTTP to a local receiver: payloads, and retries after
// failures at 30, 60, 120, 240 s of sandbox time (manual clock), every attempt recorded.
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { eventually, localServer, tinyScript, waitForJob, type LocalServer } from '../support/phantomflow.ts';
import type { WebhookDelivery } from '../../src/webhooks/delivery.ts';

let s: RunningSandbox;
const receivers: LocalServer[] = [];
beforeAll(async () => {
  s = await startSandbox({ clock: { mode: 'manual' }, jobs: { queueDelayMs: 0 } });
});
afterAll(() => s.close());
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const deliveries = (key: string) => s.sandbox.apis[0]!.views.webhooks!({ key }).map((r) => r.body) as unknown as WebhookDelivery[];
async function receiver(respond?: Parameters<typeof localServer>[0]) {
  const r = await localServer(respond);
  receivers.push(r);
  return r;
}
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('jobFinished', () => {
  it('a completed job POSTs {job_id, status, output_url, duration_seconds, credits_used}', async () => {
    const hook = await receiver();
    const k = freshKey('ve_test_', 'pro');
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(1, { webhook_uri: `${hook.url}/hooks/pf` }));
    const job = await waitForJob(s.url, k, res.body.job_id);
    await eventually(() => hook.requests.length === 1, 5000, 'the webhook');
    const req = hook.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/pf');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ job_id: job.job_id, status: 'completed', output_url: job.output_url, duration_seconds: job.duration_seconds, credits_used: 1 });
    expect(job.webhook_uri).toBe(`${hook.url}/hooks/pf`);
    await eventually(() => deliveries(k)[0]?.status === 'delivered', 2000, 'delivered');
    const [d] = deliveries(k);
    expect(d).toMatchObject({ subject: job.job_id, status: 'delivered', maxAttempts: 5, attempts: [{ attempt: 1, status: 200, ok: true }] });
  });

  it('a failed job POSTs {job_id, status: failed, error: {code: RENDER_FAILED, message}}', async () => {
    // One local server plays both parts: 404 for the image the renderer fetches, 200 for the webhook.
    const hook = await receiver((req, res) => res.writeHead(req.method === 'POST' ? 200 : 404).end());
    const k = freshKey('ve_test_', 'pro');
    const script = tinyScript(1, { webhook_uri: hook.url, scenes: [{ duration: 1, elements: [{ type: 'image', src: `${hook.url}/missing.png` }] }] });
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(script);
    const job = await waitForJob(s.url, k, res.body.job_id);
    expect(job.status).toBe('failed');
    await eventually(() => hook.requests.some((r) => r.method === 'POST'), 5000, 'the webhook');
    const body = JSON.parse(hook.requests.find((r) => r.method === 'POST')!.body);
    expect(body).toEqual({ job_id: job.job_id, status: 'failed', error: { code: 'RENDER_FAILED', message: job.error.message } });
  });
});

describe('retries on the sandbox clock', () => {
  it('a receiver that always fails gets 5 attempts, 30/60/120/240 s apart, then no more', async () => {
    const hook = await receiver((_req, res) => res.writeHead(500).end('nope'));
    const k = freshKey('ve_test_', 'pro');
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(1, { webhook_uri: hook.url }));
    await waitForJob(s.url, k, res.body.job_id);
    await eventually(() => hook.requests.length === 1, 5000, 'attempt 1');
    for (const [n, delay] of [[2, 30], [3, 60], [4, 120], [5, 240]] as const) {
      await eventually(() => deliveries(k)[0]!.attempts.length === n - 1, 2000, `attempt ${n - 1} recorded`);
      s.sandbox.clock.advance(delay * 1000 - 1000);
      await settle();
      expect(hook.requests.length, `nothing before ${delay} s`).toBe(n - 1);
      s.sandbox.clock.advance(1000);
      await eventually(() => hook.requests.length === n, 5000, `attempt ${n}`);
    }
    await eventually(() => deliveries(k)[0]!.status === 'failed', 2000, 'failed');
    s.sandbox.clock.advance(3600_000);
    await settle();
    expect(hook.requests.length).toBe(5);
    const [d] = deliveries(k);
    expect(d!.attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 500, false]));
    const at = d!.attempts.map((a) => Date.parse(a.at));
    expect(at.slice(1).map((t, i) => (t - at[i]!) / 1000)).toEqual([30, 60, 120, 240]);
    expect(d!.attempts[0]!.error).toMatch(/500/);
    expect(d!.nextAttemptAt).toBeNull();
    // Every attempt carried the same payload.
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
  });

  it('a receiver that recovers gets the delivery on the third attempt', async () => {
    const hook = await receiver((_req, res, n) => res.writeHead(n < 3 ? 503 : 204).end());
    const k = freshKey('ve_test_', 'pro');
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(1, { webhook_uri: hook.url }));
    await waitForJob(s.url, k, res.body.job_id);
    await eventually(() => deliveries(k)[0]?.attempts.length === 1, 5000, 'attempt 1');
    s.sandbox.clock.advance(30_000);
    await eventually(() => deliveries(k)[0]!.attempts.length === 2, 5000, 'attempt 2');
    s.sandbox.clock.advance(60_000);
    await eventually(() => deliveries(k)[0]!.status === 'delivered', 5000, 'delivered');
    expect(deliveries(k)[0]!.attempts.map((a) => a.status)).toEqual([503, 503, 204]);
  });

  it('an unreachable receiver is recorded with the network error and retried', async () => {
    const hook = await receiver();
    const url = hook.url;
    await hook.close();
    receivers.pop();
    const k = freshKey('ve_test_', 'pro');
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(1, { webhook_uri: url }));
    await waitForJob(s.url, k, res.body.job_id);
    await eventually(() => deliveries(k)[0]?.attempts.length === 1, 5000, 'attempt 1');
    const [d] = deliveries(k);
    expect(d!.attempts[0]).toMatchObject({ status: null, ok: false, error: expect.stringMatching(/^no HTTP answer from 127\.0\.0\.1:\d+ within \d+ ms \(refused, unreachable or timed out\)$/) });
    expect(d!.status).toBe('pending');
    expect(Date.parse(d!.nextAttemptAt!) - Date.parse(d!.attempts[0]!.at)).toBe(30_000);
  });
});
