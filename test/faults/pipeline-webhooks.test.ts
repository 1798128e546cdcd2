// Pipeline and webhook faults end to end: rules added through the control API reach the job
// lifecycle (FaultHooks.pipeline) and webhook delivery (FaultHooks.webhook); a manual clock walks
// a webhook through its whole retry schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call } from '../support/http.ts';
import { eventually, localServer, tinyScript, waitForJob, type LocalServer } from '../support/phantomflow.ts';

let sb: RunningSandbox;
let receiver: LocalServer;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 10 } });
  receiver = await localServer((req, res) => res.writeHead(req.url === '/fail' ? 500 : 200).end('ok'));
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

const addRule = async (base: string, rule: unknown) => {
  const r = await call(base, 'POST', '/__sandbox/faults', { body: rule });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const submit = async (base: string, key: string, extra: Record<string, unknown> = {}) => {
  const r = await call(base, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(2, extra) });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body.job_id as string;
};
const deliveriesOf = async (base: string, key: string) => (await call(base, 'GET', `/__sandbox/webhooks?key=${key}`)).body.data;

describe('pipeline faults', () => {
  it('the render stage fails with RENDER_FAILED and the credits come back; the next job renders', async () => {
    const key = freshKey('ve_test_', 'pro');
    await addRule(sb.url, { match: { api: 'phantomflow', key }, action: { stage: 'render', fail: 'RENDER_FAILED' }, times: 1 });
    const failed = await waitForJob(sb.url, key, await submit(sb.url, key));
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('RENDER_FAILED');
    const account = (await call(sb.url, 'GET', `/__sandbox/accounts/${key}`)).body;
    expect(account.balance).toBe(1000);
    expect(account.ledger.balanced).toBe(true);
    const kinds = (await call(sb.url, 'GET', `/__sandbox/accounts/${key}/ledger`)).body.entries.map((e: any) => e.kind);
    expect(kinds).toEqual(['grant', 'reserve', 'refund']);
    const ok = await waitForJob(sb.url, key, await submit(sb.url, key));
    expect(ok.status).toBe('completed');
    const jobs = (await call(sb.url, 'GET', `/__sandbox/jobs?key=${key}`)).body.data;
    expect(jobs).toHaveLength(2);
    expect(jobs.every((j: any) => j.api === 'phantomflow')).toBe(true);
  });

  it('a render delay holds the job in rendering for that much sandbox time', async () => {
    const s = await startSandbox({ jobs: { queueDelayMs: 10 } });
    try {
      const key = freshKey('ve_test_', 'pro');
      await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      await addRule(s.url, { match: { key }, action: { stage: 'render', delay: 5000 } });
      const id = await submit(s.url, key);
      await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 1 } });
      await new Promise((r) => setTimeout(r, 300));
      const mid = await call(s.url, 'GET', `/api/jobs/${id}`, { headers: { 'x-api-key': key } });
      expect(mid.body.status).toBe('rendering');
      await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 5 } });
      const done = await waitForJob(s.url, key, id, { sandbox: s.sandbox });
      expect(done.status).toBe('completed');
    } finally {
      await s.close();
    }
  });
});

describe('webhook faults', () => {
  it('duplicate: the receiver gets the same delivery twice', async () => {
    const key = freshKey('ve_test_', 'pro');
    const before = receiver.requests.length;
    await addRule(sb.url, { match: { api: 'phantomflow', key }, action: { webhook: 'duplicate' }, times: 1 });
    const id = await submit(sb.url, key, { webhook_uri: `${receiver.url}/dup` });
    await waitForJob(sb.url, key, id);
    await eventually(() => receiver.requests.length >= before + 2, 10_000, 'two deliveries');
    const mine = receiver.requests.slice(before).filter((r) => r.body.includes(id));
    expect(mine).toHaveLength(2);
    expect(mine[0]!.body).toBe(mine[1]!.body);
    const [delivery] = await deliveriesOf(sb.url, key);
    expect(delivery).toMatchObject({ api: 'phantomflow', status: 'delivered' });
    expect(delivery.attempts.some((a: any) => a.copy === true && a.faults?.includes('duplicate'))).toBe(true);
  });

  it('drop: nothing is sent, the delivery is recorded as dropped', async () => {
    const key = freshKey('ve_test_', 'pro');
    await addRule(sb.url, { match: { key }, action: { webhook: 'drop' } });
    const id = await submit(sb.url, key, { webhook_uri: `${receiver.url}/drop` });
    await waitForJob(sb.url, key, id);
    let deliveries: any[] = [];
    for (let i = 0; i < 100 && !deliveries[0]?.attempts?.length; i++) {
      deliveries = await deliveriesOf(sb.url, key);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(deliveries[0]).toMatchObject({ status: 'dropped' });
    expect(receiver.requests.some((r) => r.body.includes(id))).toBe(false);
  });

  it('bad_signature is recorded on the attempt; PhantomFlow does not sign, so no signature header is sent at all', async () => {
    // Signed deliveries and their spoilt signatures are tested on the dispatcher itself
    // (test/webhooks/delivery.test.ts); here: the rule reaches the delivery, and nothing is faked.
    const key = freshKey('ve_test_', 'pro');
    const plainKey = freshKey('ve_test_', 'pro');
    await addRule(sb.url, { match: { key }, action: { webhook: 'bad_signature' } });
    const id = await submit(sb.url, key, { webhook_uri: `${receiver.url}/sig` });
    const plainId = await submit(sb.url, plainKey, { webhook_uri: `${receiver.url}/sig` });
    await waitForJob(sb.url, key, id);
    await waitForJob(sb.url, plainKey, plainId);
    await eventually(() => receiver.requests.some((r) => r.body.includes(id)) && receiver.requests.some((r) => r.body.includes(plainId)), 10_000, 'both deliveries');
    const [delivery] = await deliveriesOf(sb.url, key);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts[0].faults).toContain('badSignature');
    const spoilt = receiver.requests.find((r) => r.body.includes(id))!;
    const plain = receiver.requests.find((r) => r.body.includes(plainId))!;
    expect(spoilt.url).toBe('/sig');
    expect(JSON.parse(spoilt.body)).toMatchObject({ job_id: id });
    expect(Object.keys(spoilt.headers).filter((h) => /sign|hmac|digest/i.test(h))).toEqual([]);
    // Exactly the headers of an unfaulted delivery: nothing added, nothing left out.
    expect(Object.keys(spoilt.headers).sort()).toEqual(Object.keys(plain.headers).sort());
  });

  it('a manual clock advanced through the retry schedule makes every attempt (30, 60, 120, 240 s)', async () => {
    const s = await startSandbox({ jobs: { queueDelayMs: 10 } });
    try {
      const key = freshKey('ve_test_', 'pro');
      await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      const id = await submit(s.url, key, { webhook_uri: `${receiver.url}/fail` });
      await waitForJob(s.url, key, id, { sandbox: s.sandbox });
      const attemptsFor = () => receiver.requests.filter((r) => r.url === '/fail' && r.body.includes(id)).length;
      await eventually(() => attemptsFor() === 1, 10_000, 'first attempt');
      for (const [i, delay] of [30, 60, 120, 240].entries()) {
        // A failed attempt schedules the next one once its HTTP answer is in (nextAttemptAt); advance
        // exactly to it. Delays run from the failure, so overshooting would shift the rest.
        let pending: any;
        for (let t = 0; t < 200 && !(pending?.attempts.length === i + 1 && pending.nextAttemptAt); t++) {
          [pending] = await deliveriesOf(s.url, key);
          if (!(pending?.attempts.length === i + 1 && pending.nextAttemptAt)) await new Promise((r) => setTimeout(r, 20));
        }
        const gap = (Date.parse(pending.nextAttemptAt) - Date.parse(pending.attempts[i].at)) / 1000;
        // Delays run from the failure. The first attempt may fail while waitForJob is still
        // stepping the clock (1 s per poll); after that only this loop moves time.
        if (i === 0) expect(gap === delay || gap === delay + 1).toBe(true);
        else expect(gap).toBe(delay);
        const now = (await call(s.url, 'GET', '/__sandbox/clock')).body;
        await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: (Date.parse(pending.nextAttemptAt) - now.nowMs) / 1000 } });
        await eventually(() => attemptsFor() === i + 2, 10_000, `attempt ${i + 2}`);
      }
      let delivery: any;
      for (let i = 0; i < 100 && delivery?.status !== 'failed'; i++) {
        [delivery] = await deliveriesOf(s.url, key);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(delivery).toMatchObject({ status: 'failed', maxAttempts: 5 });
      expect(delivery.attempts.map((a: any) => a.status)).toEqual([500, 500, 500, 500, 500]);
      const gaps = delivery.attempts.slice(1).map((a: any, i: number) => (Date.parse(a.at) - Date.parse(delivery.attempts[i].at)) / 1000);
      expect(gaps.slice(1)).toEqual([60, 120, 240]);
      expect([30, 31]).toContain(gaps[0]);
    } finally {
      await s.close();
    }
  });
});
