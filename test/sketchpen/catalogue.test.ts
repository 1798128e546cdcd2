// Every code of Sketchpen's error catalogue, reached over real HTTP: by its natural trigger where
// the sandbox has one (sketchpen-api.md's table), and every one of them by fault injection, on
// operations that document it. The table must name every catalogue code, so a new code cannot
// be added without saying how a client meets it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Reply } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { addFault, approve, CHEAP, createApproved, createVideo, expectSpError, h, spKey, terminal, waitVideo } from '../support/sketchpen.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const v1 = (method: string, path: string, o: { headers?: Record<string, string>; body?: unknown } = {}) => call(sb.url, method, `/api/v1${path}`, o);

/** code → how a client meets it without fault injection (null: only fault injection produces it). */
const NATURAL: Record<string, null | (() => Promise<Reply>)> = {
  UNAUTHORIZED: () => v1('GET', '/videos'),
  AUTH_ERROR: () => v1('GET', '/videos', { headers: h('sk_test_disabled_fixture01') }),
  INVALID_TOKEN: () => v1('GET', '/videos', { headers: { Authorization: 'Bearer sbt_not_a_real_token' } }),
  FORBIDDEN: () => v1('POST', '/videos', { headers: h('sk_test_readonly_fixture01'), body: { prompt: 'x' } }),
  NOT_FOUND: () => v1('GET', '/videos/3f6c2a9e-8b1d-4c57-9e2a-6d0f1b7c4e21', { headers: h(spKey()) }),
  METHOD_NOT_ALLOWED: () => v1('DELETE', '/themes', { headers: h(spKey()) }),
  CONFLICT: async () => {
    const key = spKey();
    const body = { url: 'https://example.com/hook', event: 'video.completed' };
    await v1('POST', '/callbacks', { headers: h(key), body });
    return v1('POST', '/callbacks', { headers: h(key), body });
  },
  INVALID_STATE: async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Deleting too early', ...CHEAP });
    return v1('DELETE', `/videos/${v.id}`, { headers: h(key) });
  },
  INSUFFICIENT_CREDITS: () => v1('POST', '/videos', { headers: h('sk_test_broke0001'), body: { prompt: 'x' } }),
  INVALID_PLAN: null,
  PAYMENT_FAILED: null,
  VALIDATION_ERROR: () => v1('POST', '/videos', { headers: h(spKey()), body: {} }),
  BAD_REQUEST: () => v1('POST', '/videos', { headers: { ...h(spKey()), 'content-type': 'application/json' }, body: '{"prompt": ' }),
  // The configured limits answer in the plain string form; the coded form is fault injection's.
  RATE_LIMITED: null,
  MAX_CONCURRENT_VIDEOS: async () => {
    const key = spKey();
    for (let i = 0; i < 3; i++) await createVideo(sb.url, key, { prompt: `Busy ${i}`, ...CHEAP });
    return v1('POST', '/videos', { headers: h(key), body: { prompt: 'One too many' } });
  },
  INTERNAL_ERROR: null,
  DATABASE_ERROR: null,
};

describe('the catalogue by natural trigger', () => {
  it('names every catalogue code', () => {
    const catalogue = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!.spec.policy.errors.catalogue;
    expect(Object.keys(NATURAL).sort()).toEqual(Object.keys(catalogue).sort());
  });

  for (const [code, trigger] of Object.entries(NATURAL)) {
    if (!trigger) continue;
    it(`${code}`, async () => {
      const catalogue = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!.spec.policy.errors.catalogue;
      const r = await trigger();
      expectSpError(r, catalogue[code]!.status, code);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      if (r.status === 405) expect(r.headers.get('allow')).toMatch(/^GET\b/);
    });
  }
});

describe('every code by fault injection', () => {
  it('X-Sandbox-Fault: error=CODE on a real operation answers that code, its status and envelope', async () => {
    const catalogue = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!.spec.policy.errors.catalogue;
    const key = spKey();
    for (const [code, entry] of Object.entries(catalogue)) {
      const r = await v1('GET', '/account', { headers: h(key, { 'X-Sandbox-Fault': `error=${code}` }) });
      expectSpError(r, entry.status, code);
      if (entry.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('a fault rule on approveVideo answers the billing codes it documents (INVALID_PLAN, PAYMENT_FAILED), then approve works', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Billing faults', ...CHEAP });
    await waitVideo(sb.url, key, v.id, (x) => x.status === 'refining');
    await addFault(sb.url, { match: { api: 'sketchpen', operationId: 'approveVideo', key }, action: { error: 'PAYMENT_FAILED' }, times: 1 });
    await addFault(sb.url, { match: { api: 'sketchpen', operationId: 'approveVideo', key }, action: { error: 'INVALID_PLAN' }, times: 1, after: 1 });
    expectSpError(await approve(sb.url, key, v.id), 400, 'PAYMENT_FAILED', 'Payment verification failed');
    expectSpError(await approve(sb.url, key, v.id), 400, 'INVALID_PLAN', 'Plan does not exist');
    expect((await approve(sb.url, key, v.id)).status).toBe(200);
  });

  it('the seed’s failure causes by pipeline stage: each ends the video failed with its code and stage', async () => {
    const cases = [
      ['scripting', 'AI_TIMEOUT', 'scripting'],
      ['image', 'IMAGE_GENERATION_ERROR', 'visualising'],
      ['audio', 'AUDIO_GENERATION_ERROR', 'narrating'],
      ['render', 'RENDER_TIMEOUT', 'rendering'],
    ] as const;
    for (const [stage, code, state] of cases) {
      const key = spKey();
      await addFault(sb.url, { match: { api: 'sketchpen', key }, action: { stage, fail: code }, times: 1 });
      const body = { prompt: `Failing at ${stage}`, audio_mode: 'single', fps: 4, aspect_ratio: '1:1' };
      const v = stage === 'scripting' ? await createVideo(sb.url, key, body) : await createApproved(sb.url, key, body);
      const failed = await waitVideo(sb.url, key, v.id, terminal);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ code, stage: state });
    }
  });
});
