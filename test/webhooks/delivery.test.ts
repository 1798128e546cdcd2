// The generic webhook dispatcher against a local receiver: fault directives (drop, delay,
// duplicate, reorder, badSignature), timeouts, HMAC signing, history per account.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../src/core/clock.ts';
import type { FaultHooks, WebhookFault, WebhookFaultQuery } from '../../src/faults/hooks.ts';
import { WebhookDispatcher } from '../../src/webhooks/delivery.ts';
import type { WebhookPolicy } from '../../src/openapi/policy.ts';
import { eventually, localServer, type LocalServer } from '../support/phantomflow.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function setup(fault: (q: WebhookFaultQuery) => WebhookFault | undefined, policy: Partial<WebhookPolicy> = {}, timeoutMs?: number) {
  const clock = new SandboxClock({ mode: 'manual' });
  const queries: WebhookFaultQuery[] = [];
  const faults: FaultHooks = { pipeline: () => undefined, webhook: (q) => (queries.push(q), fault(q)) };
  const dispatcher = new WebhookDispatcher({
    api: 'test',
    clock,
    faults,
    policy: { retryDelaysSeconds: [30, 60], timeoutSeconds: 10, ...policy },
    timeoutMs,
  });
  open.push({ close: () => (dispatcher.close(), clock.close()) });
  return { clock, dispatcher, queries };
}
async function server(respond?: Parameters<typeof localServer>[0]): Promise<LocalServer> {
  const r = await localServer(respond);
  open.push(r);
  return r;
}
const pause = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('WebhookDispatcher', () => {
  it('asks the fault hooks before every attempt, with the attempt number', async () => {
    const hook = await server((_q, res) => res.writeHead(500).end());
    const { dispatcher, clock, queries } = setup(() => undefined);
    dispatcher.send({ key: 'k1', subject: 'job-1', url: hook.url, payload: { a: 1 }, event: 'jobFinished' });
    await eventually(() => dispatcher.list()[0]!.attempts.length === 1);
    clock.advance(30_000);
    await eventually(() => dispatcher.list()[0]!.attempts.length === 2);
    expect(queries.map((q) => [q.attempt, q.key, q.subject, q.url, q.event])).toEqual([
      [1, 'k1', 'job-1', hook.url, 'jobFinished'],
      [2, 'k1', 'job-1', hook.url, 'jobFinished'],
    ]);
  });

  it('isActive: a subscription gone before a retry cancels the delivery (no further attempt)', async () => {
    const hook = await server((_q, res) => res.writeHead(500).end());
    const { dispatcher, clock } = setup(() => undefined);
    let active = true;
    const d = dispatcher.send({ key: 'k', subject: 's', url: hook.url, payload: {}, isActive: () => active });
    await eventually(() => d.attempts.length === 1);
    expect(d.status).toBe('pending');
    active = false;
    clock.advance(30_000);
    await eventually(() => d.status === 'cancelled');
    await pause();
    expect(hook.requests).toHaveLength(1);
    expect(d.nextAttemptAt).toBeNull();
    const never = dispatcher.send({ key: 'k', subject: 't', url: hook.url, payload: {}, isActive: () => false });
    await pause();
    expect(never).toMatchObject({ status: 'cancelled', attempts: [] });
    expect(hook.requests).toHaveLength(1);
  });

  it('drop: nothing is sent and the delivery is dropped', async () => {
    const hook = await server();
    const { dispatcher } = setup(() => ({ drop: true }));
    const d = dispatcher.send({ key: 'k', subject: 's', url: hook.url, payload: {} });
    await pause();
    expect(hook.requests).toHaveLength(0);
    expect(d).toMatchObject({ status: 'dropped', attempts: [{ attempt: 1, status: null, faults: ['drop'] }] });
  });

  it('delayMs: the attempt waits on the sandbox clock', async () => {
    const hook = await server();
    const { dispatcher, clock } = setup(() => ({ delayMs: 5000 }));
    dispatcher.send({ key: 'k', subject: 's', url: hook.url, payload: {} });
    await pause();
    expect(hook.requests).toHaveLength(0);
    clock.advance(5000);
    await eventually(() => hook.requests.length === 1);
    await eventually(() => dispatcher.list()[0]!.status === 'delivered');
    expect(dispatcher.list()[0]!.attempts[0]!.faults).toEqual(['delay:5000']);
  });

  it('duplicate: the receiver gets the same request twice', async () => {
    const hook = await server();
    const { dispatcher } = setup(() => ({ duplicate: true }));
    dispatcher.send({ key: 'k', subject: 's', url: hook.url, payload: { n: 1 } });
    await eventually(() => dispatcher.list()[0]!.attempts.length === 2);
    expect(hook.requests.map((r) => r.body)).toEqual(['{"n":1}', '{"n":1}']);
    expect(dispatcher.list()[0]!.attempts.map((a) => a.copy ?? false)).toEqual([false, true]);
  });

  it('reorder: a held delivery goes out after the next one to the same URL', async () => {
    const hook = await server();
    const { dispatcher } = setup((q) => (q.subject === 'first' ? { reorder: true } : undefined));
    dispatcher.send({ key: 'k', subject: 'first', url: hook.url, payload: { n: 1 } });
    await pause(50);
    dispatcher.send({ key: 'k', subject: 'second', url: hook.url, payload: { n: 2 } });
    await eventually(() => hook.requests.length === 2);
    expect(hook.requests.map((r) => JSON.parse(r.body).n)).toEqual([2, 1]);
  });

  it('reorder without a follower is released after the first retry delay', async () => {
    const hook = await server();
    const { dispatcher, clock } = setup(() => ({ reorder: true }));
    dispatcher.send({ key: 'k', subject: 'only', url: hook.url, payload: {} });
    await pause();
    expect(hook.requests).toHaveLength(0);
    clock.advance(30_000);
    await eventually(() => hook.requests.length === 1);
  });

  it('signs with HMAC-SHA256 when configured; badSignature uses a wrong secret', async () => {
    const hook = await server();
    const signature = { header: 'X-Test-Signature', algorithm: 'hmac-sha256' as const, encoding: 'hex' as const, secretField: 'secret' };
    let bad = false;
    const { dispatcher } = setup(() => (bad ? { badSignature: true } : undefined), { signature });
    dispatcher.send({ key: 'k', subject: 'good', url: hook.url, payload: { v: 1 }, secret: 's3cret' });
    await eventually(() => hook.requests.length === 1);
    bad = true;
    dispatcher.send({ key: 'k', subject: 'bad', url: hook.url, payload: { v: 1 }, secret: 's3cret' });
    await eventually(() => hook.requests.length === 2);
    const expected = createHmac('sha256', 's3cret').update('{"v":1}').digest('hex');
    expect(hook.requests[0]!.headers['x-test-signature']).toBe(expected);
    expect(hook.requests[1]!.headers['x-test-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.requests[1]!.headers['x-test-signature']).not.toBe(expected);
  });

  it('bad_signature: a well-formed HMAC-SHA256 that does not verify with the secret, while normal ones do', async () => {
    const hook = await server();
    const secret = 'whsec_0123456789';
    const signature = { header: 'X-Test-Signature', algorithm: 'hmac-sha256' as const, encoding: 'hex' as const, secretField: 'secret' };
    const { dispatcher } = setup((q) => (q.subject.startsWith('bad') ? { badSignature: true } : undefined), { signature });
    // The receiver's check, as a subscriber would write it: HMAC of the raw body as received.
    const verifies = (r: LocalServer['requests'][number]) => {
      const sent = Buffer.from(String(r.headers['x-test-signature']), 'hex');
      const expected = createHmac('sha256', secret).update(r.body).digest();
      return sent.length === expected.length && timingSafeEqual(sent, expected);
    };
    for (const subject of ['good-1', 'bad-1', 'good-2', 'bad-2']) {
      dispatcher.send({ key: 'k', subject, url: hook.url, payload: { event: 'job.done', subject, n: [1, 2, 3] }, secret });
      await eventually(() => dispatcher.list().find((d) => d.subject === subject)?.status === 'delivered');
    }
    expect(hook.requests).toHaveLength(4);
    const bySubject = new Map(hook.requests.map((r) => [JSON.parse(r.body).subject as string, r]));
    for (const subject of ['good-1', 'good-2']) expect(verifies(bySubject.get(subject)!), subject).toBe(true);
    for (const subject of ['bad-1', 'bad-2']) {
      const r = bySubject.get(subject)!;
      // Same header, same shape (64 hex digits of an HMAC-SHA256) — only the value is wrong.
      expect(r.headers['x-test-signature']).toMatch(/^[0-9a-f]{64}$/);
      expect(verifies(r), subject).toBe(false);
      // The body is the payload as sent unspoilt: it is the signature that lies, not the content.
      expect(JSON.parse(r.body)).toEqual({ event: 'job.done', subject, n: [1, 2, 3] });
    }
    expect(dispatcher.list().filter((d) => d.subject.startsWith('bad')).map((d) => d.attempts[0]!.faults)).toEqual([['badSignature'], ['badSignature']]);
  });

  it('base64 signatures verify too; without a secret nothing is signed; an unsigned API sends no signature even when spoiling one', async () => {
    const hook = await server();
    const signature = { header: 'Webhook-Signature', algorithm: 'hmac-sha256' as const, encoding: 'base64' as const };
    const signed = setup(() => undefined, { signature }).dispatcher;
    signed.send({ key: 'k', subject: 'b64', url: hook.url, payload: { v: 2 }, secret: 's' });
    await eventually(() => hook.requests.length === 1);
    const r = hook.requests[0]!;
    expect(r.headers['webhook-signature']).toBe(createHmac('sha256', 's').update(r.body).digest('base64'));
    signed.send({ key: 'k', subject: 'no-secret', url: hook.url, payload: { v: 3 } });
    await eventually(() => hook.requests.length === 2);
    expect(hook.requests[1]!.headers['webhook-signature']).toBeUndefined();
    const unsigned = setup(() => ({ badSignature: true })).dispatcher;
    unsigned.send({ key: 'k', subject: 'unsigned', url: hook.url, payload: { v: 4 }, secret: 's' });
    await eventually(() => hook.requests.length === 3);
    expect(Object.keys(hook.requests[2]!.headers).sort()).toEqual(Object.keys(hook.requests[1]!.headers).sort());
  });

  it('a receiver that does not answer in time is a failed attempt, retried later', async () => {
    const hook = await server(() => undefined /* never answers */);
    const { dispatcher } = setup(() => undefined, {}, 200);
    const d = dispatcher.send({ key: 'k', subject: 's', url: hook.url, payload: {} });
    await eventually(() => d.attempts.length === 1, 3000);
    expect(d.attempts[0]).toMatchObject({ status: null, ok: false, error: expect.stringMatching(/no HTTP answer from 127\.0\.0\.1:\d+ within 200 ms/) });
    expect(d.attempts[0]!.durationMs).toBeGreaterThanOrEqual(150);
    // Given up at the 200 ms timeout, not much later.
    expect(d.attempts[0]!.durationMs).toBeLessThan(200 + 1000);
    expect(d.status).toBe('pending');
  });

  it('lists per account, newest first; reset forgets and cancels retries', async () => {
    const hook = await server((_q, res) => res.writeHead(500).end());
    const { dispatcher, clock } = setup(() => undefined);
    dispatcher.send({ key: 'a', subject: '1', url: hook.url, payload: {} });
    dispatcher.send({ key: 'b', subject: '2', url: hook.url, payload: {} });
    dispatcher.send({ key: 'a', subject: '3', url: hook.url, payload: {} });
    await eventually(() => hook.requests.length === 3);
    expect(dispatcher.list({ key: 'a' }).map((d) => d.subject)).toEqual(['3', '1']);
    expect(dispatcher.list({ limit: 1 }).map((d) => d.subject)).toEqual(['3']);
    dispatcher.reset('a');
    expect(dispatcher.list().map((d) => d.subject)).toEqual(['2']);
    await eventually(() => dispatcher.list()[0]!.attempts.length === 1);
    clock.advance(30_000);
    await eventually(() => hook.requests.length === 4);
    await pause();
    expect(hook.requests).toHaveLength(4); // only b's retry
  });
});
