// Sketchpen through the same engine: its own auth, envelope, request ids and validation style,
// declared in openapi/sketchpen.yaml and served beside PhantomFlow in one process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startSandbox, freshKey, type RunningSandbox } from '../support/sandbox.ts';
import { call, expectRateHeaders } from '../support/http.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
let sb: RunningSandbox;
const sk = () => ({ 'X-Api-Key': freshKey('sk_test_') });

beforeAll(async () => {
  sb = await startSandbox({ clock: { mode: 'manual' } });
});
afterAll(() => sb.close());

function expectSketchpenError(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
  // request_id in the body is the X-Request-ID header of the same response
  expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
  expectRateHeaders(r.headers);
}

describe('both APIs in one server, each with its own keys', () => {
  it('a PhantomFlow key is refused by Sketchpen in its envelope, and vice versa', async () => {
    const a = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': freshKey('ve_test_') } });
    expectSketchpenError(a, 401, 'UNAUTHORIZED');
    const b = await call(sb.url, 'GET', '/api/jobs', { headers: { 'x-api-key': freshKey('sk_test_') } });
    expect(b.status).toBe(401);
    expect(b.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });

  it('sk_live_ keys → 401 saying live keys are not accepted by the sandbox', async () => {
    const r = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': 'sk_live_0123456789abcdef' } });
    expectSketchpenError(r, 401, 'UNAUTHORIZED');
    expect(r.body.error.message).toMatch(/[Ll]ive keys .*not accepted by the sandbox/);
  });

  it('a disabled account → 401 AUTH_ERROR', async () => {
    const r = await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': 'sk_test_disabled_fixture01' } });
    expectSketchpenError(r, 401, 'AUTH_ERROR');
  });

  it('a key without videos:write creating a video → 403 FORBIDDEN; reading is allowed', async () => {
    const headers = { 'X-Api-Key': 'sk_test_readonly_fixture01' };
    const w = await call(sb.url, 'POST', '/api/v1/videos', { headers, body: { prompt: 'A cat explains taxes' } });
    expectSketchpenError(w, 403, 'FORBIDDEN');
    expect(w.body.error.message).toContain('videos:write');
    const r = await call(sb.url, 'GET', '/api/v1/videos', { headers });
    expect(r.status).toBe(200);
  });

  it('every response carries X-Request-ID; a client-sent one is echoed', async () => {
    const r = await call(sb.url, 'GET', '/api/v1/themes', { headers: { ...sk(), 'X-Request-ID': 'client-trace-42' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('client-trace-42');
    const p = await call(sb.url, 'GET', '/api/jobs', { headers: { 'x-api-key': freshKey() } });
    expect(p.headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('Sketchpen validation and errors', () => {
  it('POST /videos with a prompt → 201 video in scripting, echoing what was sent, that matches the spec schema', async () => {
    const headers = sk();
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers, body: { prompt: 'How volcanoes work', fps: 12, bg_mode: 'dynamic' } });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('scripting');
    // The sandbox's own video, not the spec's example: the prompt sent, a fresh UUID, the sandbox clock, one Content-Type.
    expect(r.body.prompt).toBe('How volcanoes work');
    expect(r.body.config).toEqual({ fps: 12, aspect_ratio: '16:9', theme: 'presentation', voice_id: null, audio_mode: 'single', bg_mode: 'dynamic', asset_ids: [], speaker_ids: [] });
    expect(r.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.body.id).not.toBe('6d2b7f10-3c8e-4a5f-9b61-2e7d4c0a8f93');
    expect(Date.parse(r.body.created_at)).toBe(sb.sandbox.clock.now());
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const again = await call(sb.url, 'GET', `/api/v1/videos/${r.body.id}`, { headers });
    expect(again.body).toMatchObject({ id: r.body.id, prompt: 'How volcanoes work' });
    const other = await call(sb.url, 'GET', `/api/v1/videos/${r.body.id}`, { headers: sk() });
    expectSketchpenError(other, 404, 'NOT_FOUND');
    expect(other.body.error.message).toBe('Video not found');
    const api = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(api.spec.doc, 'urn:sk:doc');
    const check = ajv.compile({ $ref: 'urn:sk:doc#/components/schemas/Video' });
    expect(check(r.body), ajv.errorsText(check.errors)).toBe(true);
    expectRateHeaders(r.headers);
  });

  it('{} → 422 VALIDATION_ERROR with the FastAPI details entry for prompt', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: sk(), body: {} });
    expectSketchpenError(r, 422, 'VALIDATION_ERROR');
    expect(r.body.error.details).toContainEqual({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' });
  });

  it('a 2001-character prompt → 422 naming the limit', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: sk(), body: { prompt: 'p'.repeat(2001) } });
    expectSketchpenError(r, 422, 'VALIDATION_ERROR');
    expect(r.body.error.details[0]).toMatchObject({ loc: ['body', 'prompt'], msg: 'String should have at most 2000 characters' });
  });

  it('a bad enum lists every problem in details', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: sk(), body: { prompt: 'x', aspect_ratio: '4:3', fps: 0 } });
    expectSketchpenError(r, 422, 'VALIDATION_ERROR');
    const locs = r.body.error.details.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.aspect_ratio', 'body.fps']));
  });

  it('a body that is not JSON → 400 BAD_REQUEST', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: { ...sk(), 'content-type': 'application/json' }, body: 'prompt=hello' });
    expectSketchpenError(r, 400, 'BAD_REQUEST');
  });

  it('unknown route → 404 NOT_FOUND in the Sketchpen envelope', async () => {
    const r = await call(sb.url, 'GET', '/api/v1/nothing', { headers: sk() });
    expectSketchpenError(r, 404, 'NOT_FOUND');
  });

  it('the route limit answers in the plain string form with Retry-After, and resets on the clock', async () => {
    const key = freshKey('sk_test_', 'free');
    const headers = { 'X-Api-Key': key };
    // Videos are real now: lift the 3-in-progress cap (and give credits) so only the route limit speaks.
    const lifted = await call(sb.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { limits: { concurrentJobs: null } } });
    expect(lifted.status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const ok = await call(sb.url, 'POST', '/api/v1/videos', { headers, body: { prompt: `video ${i}` } });
      expect(ok.status).not.toBe(429);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('10');
    }
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers, body: { prompt: 'one too many' } });
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ error: 'Rate limit exceeded: 10 per 1 day' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    sb.sandbox.clock.advance(24 * 3600 * 1000);
    const again = await call(sb.url, 'POST', '/api/v1/videos', { headers, body: { prompt: 'next day' } });
    expect(again.status).not.toBe(429);
  });
});

describe('bodies the API cannot take', () => {
  it('an oversized body is BAD_REQUEST with the catalogue’s status (400), not a 413', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(10 * 1024 * 1024 + 10) });
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: { ...sk(), 'content-type': 'application/json' }, body: big });
    expectSketchpenError(r, 400, 'BAD_REQUEST');
  });
});
