// Callbacks over real HTTP: subscriptions with whsec_ secrets, video.completed / video.failed
// delivered to a local receiver with the documented body and a verifiable X-Sketchpen-Signature,
// retries with backoff on the sandbox clock, the webhook faults, and the control API's views.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { call } from '../support/http.ts';
import { eventually, localServer, type LocalServer } from '../support/phantomflow.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { addFault, CHEAP, createApproved, expectSpError, fetchFile, h, spKey, terminal, waitVideo } from '../support/sketchpen.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
let sb: RunningSandbox;
let receiver: LocalServer;
let failing: LocalServer;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { webhookTimeoutMs: 2000 } });
  receiver = await localServer();
  failing = await localServer((_req, res, n) => res.writeHead(n <= 2 ? 500 : 200).end());
});
afterAll(async () => {
  await Promise.all([sb.close(), receiver.close(), failing.close()]);
});

const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

async function subscribe(key: string, url: string, event: string) {
  const r = await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url, event } });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

const hooksTo = (server: LocalServer, path: string) => server.requests.filter((r) => r.url === path);

/** The account's newest delivery once `done` holds (the control API's view). */
async function delivery(url: string, key: string, done: (d: any) => boolean): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const d = (await call(url, 'GET', `/__sandbox/webhooks?key=${key}`)).body.data[0];
    if (d && done(d)) return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('delivery never reached the expected state');
}

describe('callbacks', () => {
  it('create (whsec_ secret), list newest first, the same url + event → 409 CONFLICT, delete → 204', async () => {
    const key = spKey();
    const a = await subscribe(key, 'https://example.com/hooks/sketchpen', 'video.completed');
    expect(a).toMatchObject({ url: 'https://example.com/hooks/sketchpen', event: 'video.completed', is_active: true });
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9]{24}$/);
    expect(a.user_id).toMatch(/^[0-9a-f-]{36}$/);
    const b = await subscribe(key, 'https://example.com/hooks/sketchpen', 'video.failed');
    expect(b.user_id).toBe(a.user_id);
    expectSpError(await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: a.url, event: a.event } }), 409, 'CONFLICT', 'A callback for this url and event already exists');
    const list = await call(sb.url, 'GET', '/api/v1/callbacks', { headers: h(key) });
    expect(list.body).toMatchObject({ total: 2, limit: 20, offset: 0 });
    expect(list.body.data.map((c: any) => c.id)).toEqual([b.id, a.id]);
    expect((await call(sb.url, 'DELETE', `/api/v1/callbacks/${a.id}`, { headers: h(key) })).status).toBe(204);
    expectSpError(await call(sb.url, 'DELETE', `/api/v1/callbacks/${a.id}`, { headers: h(key) }), 404, 'NOT_FOUND', 'Callback not found');
    expectSpError(await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: 'http://example.com/hook', event: 'video.completed' } }), 422, 'VALIDATION_ERROR');
    expectSpError(await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: 'https://example.com/h', event: 'video.started' } }), 422, 'VALIDATION_ERROR');
  });

  it('video.completed and video.failed: the documented body, signed with the callback secret, only to their own event', async () => {
    const key = spKey();
    const done = await subscribe(key, `${receiver.url}/completed`, 'video.completed');
    const fail = await subscribe(key, `${receiver.url}/failed`, 'video.failed');
    const v = await createApproved(sb.url, key, { prompt: 'Ocean currents', ...CHEAP });
    const finished = await waitVideo(sb.url, key, v.id, terminal);
    await eventually(() => hooksTo(receiver, '/completed').some((r) => JSON.parse(r.body).video_id === v.id), 10_000, 'video.completed');
    const hook = hooksTo(receiver, '/completed').find((r) => JSON.parse(r.body).video_id === v.id)!;
    expect(hook.method).toBe('POST');
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-sketchpen-signature']).toBe(sign(hook.body, done.secret));
    const body = JSON.parse(hook.body);
    expect(body).toMatchObject({ event: 'video.completed', video_id: v.id, data: { id: v.id, status: 'completed', prompt: 'Ocean currents', audio_url: null } });
    expect(body.created_at).toBeGreaterThan(1_600_000_000);
    expect((await fetchFile(body.data.video_url)).status).toBe(200);
    expect(body.data.created_at).toBe(finished.created_at);
    const api = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(api.spec.doc, 'urn:sk:doc');
    const check = ajv.compile({ $ref: 'urn:sk:doc#/components/schemas/WebhookPayload' });
    expect(check(body), ajv.errorsText(check.errors)).toBe(true);

    await addFault(sb.url, { match: { api: 'sketchpen', key }, action: { stage: 'render', fail: 'RENDER_TIMEOUT' }, times: 1 });
    const w = await createApproved(sb.url, key, { prompt: 'Deserts', ...CHEAP });
    await waitVideo(sb.url, key, w.id, terminal);
    await eventually(() => hooksTo(receiver, '/failed').some((r) => JSON.parse(r.body).video_id === w.id), 10_000, 'video.failed');
    const failed = hooksTo(receiver, '/failed').find((r) => JSON.parse(r.body).video_id === w.id)!;
    expect(JSON.parse(failed.body)).toMatchObject({ event: 'video.failed', data: { status: 'failed', video_url: null } });
    expect(failed.headers['x-sketchpen-signature']).toBe(sign(failed.body, fail.secret));
    expect(hooksTo(receiver, '/completed').some((r) => JSON.parse(r.body).video_id === w.id)).toBe(false);

    const view = await call(sb.url, 'GET', `/__sandbox/webhooks?key=${key}`);
    expect(view.body.data.map((d: any) => [d.api, d.event, d.status])).toEqual(
      expect.arrayContaining([
        ['sketchpen', 'video.completed', 'delivered'],
        ['sketchpen', 'video.failed', 'delivered'],
      ]),
    );
  });

  it('a failing receiver is retried after 30 and 60 s of sandbox time, then delivered', async () => {
    const manual = await startSandbox({ clock: { mode: 'manual' }, jobs: { webhookTimeoutMs: 2000 } });
    try {
      const key = spKey();
      const r = await call(manual.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: `${failing.url}/retry`, event: 'video.completed' } });
      expect(r.status).toBe(201);
      const v = await createApproved(manual.url, key, { prompt: 'Glaciers', ...CHEAP }, manual.sandbox);
      await waitVideo(manual.url, key, v.id, terminal, { sandbox: manual.sandbox, stepMs: 10 });
      await eventually(() => hooksTo(failing, '/retry').length === 1, 10_000, 'first attempt');
      let d = await delivery(manual.url, key, (x) => x.attempts.length === 1);
      expect(d).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, status: 500, ok: false }] });
      manual.sandbox.clock.advance(29_000);
      await new Promise((res) => setTimeout(res, 200));
      expect(hooksTo(failing, '/retry')).toHaveLength(1);
      manual.sandbox.clock.advance(1_000);
      await eventually(() => hooksTo(failing, '/retry').length === 2, 10_000, 'second attempt');
      await delivery(manual.url, key, (x) => x.attempts.length === 2);
      manual.sandbox.clock.advance(60_000);
      await eventually(() => hooksTo(failing, '/retry').length === 3, 10_000, 'third attempt');
      d = await delivery(manual.url, key, (x) => x.status !== 'pending');
      expect(d.status).toBe('delivered');
      expect(d.attempts.map((a: any) => a.status)).toEqual([500, 500, 200]);
    } finally {
      await manual.close();
    }
  });
});

describe('webhook faults on Sketchpen deliveries', () => {
  async function deliveredWith(action: Record<string, unknown>, path: string) {
    const key = spKey();
    const cb = await subscribe(key, `${receiver.url}${path}`, 'video.completed');
    await addFault(sb.url, { match: { api: 'sketchpen', key }, action, times: 1 });
    const v = await createApproved(sb.url, key, { prompt: `Faulty ${path}`, ...CHEAP });
    await waitVideo(sb.url, key, v.id, terminal);
    return { key, cb, v };
  }

  it('bad_signature: the header is there but does not verify with the secret', async () => {
    const { cb } = await deliveredWith({ webhook: 'bad_signature' }, '/badsig');
    await eventually(() => hooksTo(receiver, '/badsig').length === 1, 10_000, 'delivery');
    const hook = hooksTo(receiver, '/badsig')[0]!;
    expect(hook.headers['x-sketchpen-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.headers['x-sketchpen-signature']).not.toBe(sign(hook.body, cb.secret));
  });

  it('duplicate: the same signed body twice; drop: nothing, recorded as dropped', async () => {
    await deliveredWith({ webhook: 'duplicate' }, '/dup');
    await eventually(() => hooksTo(receiver, '/dup').length === 2, 10_000, 'two copies');
    const [a, b] = hooksTo(receiver, '/dup');
    expect(a!.body).toBe(b!.body);
    const { key } = await deliveredWith({ webhook: 'drop' }, '/drop');
    await delivery(sb.url, key, (d) => d.status === 'dropped');
    await new Promise((r) => setTimeout(r, 200));
    expect(hooksTo(receiver, '/drop')).toHaveLength(0);
  });

  it('reorder: the first video’s delivery is held until the next one to the same URL has gone out', async () => {
    const key = spKey();
    await subscribe(key, `${receiver.url}/order`, 'video.completed');
    await addFault(sb.url, { match: { api: 'sketchpen', key }, action: { webhook: 'reorder' }, times: 1 });
    const first = await createApproved(sb.url, key, { prompt: 'First of two', ...CHEAP });
    await waitVideo(sb.url, key, first.id, terminal);
    await new Promise((r) => setTimeout(r, 300));
    expect(hooksTo(receiver, '/order')).toHaveLength(0);
    const second = await createApproved(sb.url, key, { prompt: 'Second of two', ...CHEAP });
    await waitVideo(sb.url, key, second.id, terminal);
    await eventually(() => hooksTo(receiver, '/order').length === 2, 10_000, 'both deliveries');
    expect(hooksTo(receiver, '/order').map((r) => JSON.parse(r.body).video_id)).toEqual([second.id, first.id]);
  });

  it('delay: held back for the sandbox time asked; a callback deleted meanwhile gets nothing (cancelled)', async () => {
    await deliveredWith({ webhook: 'delay', delay: 120_000 }, '/late');
    await new Promise((r) => setTimeout(r, 300));
    expect(hooksTo(receiver, '/late')).toHaveLength(0);
    sb.sandbox.clock.advance(120_000);
    await eventually(() => hooksTo(receiver, '/late').length === 1, 10_000, 'late delivery');

    const second = await deliveredWith({ webhook: 'delay', delay: 120_000 }, '/never');
    expect((await call(sb.url, 'DELETE', `/api/v1/callbacks/${second.cb.id}`, { headers: h(second.key) })).status).toBe(204);
    sb.sandbox.clock.advance(120_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(hooksTo(receiver, '/never')).toHaveLength(0);
    await delivery(sb.url, second.key, (d) => d.status === 'cancelled');
  });
});
