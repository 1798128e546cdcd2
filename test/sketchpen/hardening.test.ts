// Issue 13's rules where Sketchpen takes text and calls out: control characters are a 422 naming
// the field; callbacks pass the one outbound policy (metadata never, other hosts only when
// allowed, the refusal naming --allow-host, no retries); assets and callbacks are bounded stores
// with the documented 400; an account whose video waits for approval may still be forgotten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { eventually } from '../support/phantomflow.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { addFault, CHEAP, createVideo, expectSpError, h, spKey, status, waitVideo } from '../support/sketchpen.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { webhookTimeoutMs: 1000 } });
});
afterAll(() => sb.close());

const api = () => sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;

describe('control characters in what Sketchpen takes as text', () => {
  it.each([
    ['POST', '/api/v1/videos', { prompt: 'Volcanoes\u0000 erupt' }, ['body', 'prompt']],
    ['POST', '/api/v1/videos', { prompt: 'bell \u0007' }, ['body', 'prompt']],
    ['POST', '/api/v1/assets', { type: 'object', name: 'Cup\u001b[31m' }, ['body', 'name']],
    ['POST', '/api/v1/assets', { type: 'object', name: 'Cup', description: 'C1 \u0085 here' }, ['body', 'description']],
  ] as const)('%s %s %j → 422 at its field', async (method, path, body, loc) => {
    const r = await call(sb.url, method, path, { headers: h(spKey()), body });
    expectSpError(r, 422, 'VALIDATION_ERROR');
    expect(JSON.stringify(r.body.error)).toContain(JSON.stringify(loc).slice(1, -1));
  });

  it('tabs and new lines stay allowed', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: h(spKey()), body: { prompt: 'Line one\n\tline two', ...CHEAP } });
    expect(r.status, r.text).toBe(201);
  });

  it('a scene edit with a NUL → 422 at its field; the scene is unchanged', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Tides', ...CHEAP });
    const ready = await waitVideo(sb.url, key, v.id, status('refining'));
    const scene = ready.scenes[0];
    const r = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: { speech: 'a\u0000b' } });
    expectSpError(r, 422, 'VALIDATION_ERROR');
    expect(JSON.stringify(r.body.error)).toContain('"speech"');
    const after = await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) });
    expect(after.body.scenes[0].speech).toBe(scene.speech);
  });
});

describe('callbacks pass the outbound policy', () => {
  const deliveries = (key: string) => api().views.webhooks!({ key }).map((d) => d.body as { url: string; status: string; attempts: { error?: string; status: number | null }[] });

  it.each([
    ['https://169.254.169.254/latest/meta-data/', /^not allowed: .*metadata/],
    ['https://[::ffff:0:a9fe:a9fe]/hook', /^not allowed: .*metadata/],
    ['https://10.0.0.7/hook', /private address; allow it with --allow-host 10\.0\.0\.7/],
    ['https://93.184.216.34/sketchpen', /not in the allowed hosts; allow it with --allow-host 93\.184\.216\.34/],
  ])('%s: refused at the first attempt, no retry, the reason in the delivery log', async (url, reason) => {
    const key = spKey();
    expect((await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url, event: 'video.failed' } })).status).toBe(201);
    await addFault(sb.url, { match: { api: 'sketchpen', key }, action: { stage: 'scripting', fail: 'AI_TIMEOUT' }, times: 1 });
    const v = await createVideo(sb.url, key, { prompt: 'Glaciers', ...CHEAP });
    await waitVideo(sb.url, key, v.id, status('failed'));
    await eventually(() => deliveries(key)[0]?.status === 'failed', 10_000, 'delivery failed');
    const [d] = deliveries(key);
    expect(d!.attempts).toHaveLength(1);
    expect(d!.attempts[0]!.status).toBeNull();
    expect(d!.attempts[0]!.error).toMatch(reason);
  });

  it('a host allowed with --allow-host (SandboxOptions.outbound) is tried: the error is the network one', async () => {
    const allowed = await startSandbox({ jobs: { webhookTimeoutMs: 500 }, outbound: { allowHosts: ['10.0.0.7'] } });
    try {
      const key = spKey();
      expect((await call(allowed.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: 'https://10.0.0.7/hook', event: 'video.failed' } })).status).toBe(201);
      await addFault(allowed.url, { match: { api: 'sketchpen', key }, action: { stage: 'scripting', fail: 'AI_TIMEOUT' }, times: 1 });
      const v = await createVideo(allowed.url, key, { prompt: 'Glaciers', ...CHEAP });
      await waitVideo(allowed.url, key, v.id, status('failed'));
      const sk = allowed.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;
      const first = () => (sk.views.webhooks!({ key })[0]?.body as { attempts: { error?: string }[] } | undefined)?.attempts[0];
      await eventually(() => first() !== undefined, 10_000, 'first attempt');
      expect(first()!.error).toMatch(/no HTTP answer from 10\.0\.0\.7/);
    } finally {
      await allowed.close();
    }
  });
});

describe('bounded stores (x-sandbox.bounds.resources)', () => {
  it('assets: past perAccount → 400 BAD_REQUEST naming the bound; deleting makes room', async () => {
    const bound = api().spec.policy.bounds.resources.assets!;
    expect(bound.perAccount).toBeGreaterThan(0);
    const key = spKey();
    let last = '';
    for (let i = 0; i < bound.perAccount!; i++) {
      const r = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { type: 'object', name: `thing ${i}` } });
      expect(r.status, r.text).toBe(201);
      last = r.body.id;
    }
    const over = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { type: 'object', name: 'one more' } });
    expectSpError(over, 400, 'BAD_REQUEST', new RegExp(`holds ${bound.perAccount} assets, the most the sandbox keeps per account \\(${bound.perAccount}\\)`));
    // Another account is not affected; a deletion gives the room back.
    expect((await call(sb.url, 'POST', '/api/v1/assets', { headers: h(spKey()), body: { type: 'object', name: 'x' } })).status).toBe(201);
    expect((await call(sb.url, 'DELETE', `/api/v1/assets/${last}`, { headers: h(key) })).status).toBe(204);
    expect((await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { type: 'object', name: 'again' } })).status).toBe(201);
  }, 120_000);

  it('callbacks: past perAccount → 400 BAD_REQUEST naming the bound', async () => {
    const bound = api().spec.policy.bounds.resources.callbacks!;
    const key = spKey();
    for (let i = 0; i < bound.perAccount!; i++) {
      const r = await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: `https://example.com/hook/${i}`, event: 'video.completed' } });
      expect(r.status, r.text).toBe(201);
    }
    const over = await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: 'https://example.com/hook/more', event: 'video.completed' } });
    expectSpError(over, 400, 'BAD_REQUEST', /callbacks, the most the sandbox keeps per account/);
  }, 60_000);

  it('an account with a video at work is busy (kept when room is made); one waiting for approval is not', async () => {
    const key = spKey();
    const busy = () => api().stores.some((s) => s.busy?.(key) ?? false);
    await addFault(sb.url, { match: { api: 'sketchpen', key }, action: { stage: 'scripting', delay: 1500 }, times: 1 });
    const v = await createVideo(sb.url, key, { prompt: 'Rivers', ...CHEAP });
    await waitVideo(sb.url, key, v.id, status('scripting'));
    expect(busy()).toBe(true);
    await waitVideo(sb.url, key, v.id, status('refining'));
    expect(busy()).toBe(false);
  });
});
