// Session tokens (minted by the control API, with an expiry), signed expiring file links (403 in
// Sketchpen's envelope), the control API's views of videos and deliveries, and reset reaching
// every Sketchpen store — over real HTTP on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { CHEAP, createApproved, createVideo, expectSpError, fetchFile, h, ledgerOf, spKey, status, terminal, waitVideo } from '../support/sketchpen.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ clock: { mode: 'manual' } });
});
afterAll(() => sb.close());

const mint = (key: string, body: Record<string, unknown> = {}) => call(sb.url, 'POST', `/__sandbox/accounts/${key}/tokens`, { body });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('Bearer session tokens', () => {
  it('a minted token acts as its account until it expires on the sandbox clock; then 401 INVALID_TOKEN', async () => {
    const key = spKey();
    const t = await mint(key, { ttlSeconds: 60 });
    expect(t.status, t.text).toBe(201);
    expect(t.body).toMatchObject({ api: 'sketchpen', key, tokenType: 'Bearer', expiresIn: 60, scopes: null });
    expect(Date.parse(t.body.expiresAt)).toBe(sb.sandbox.clock.now() + 60_000);
    const v = await call(sb.url, 'POST', '/api/v1/videos', { headers: bearer(t.body.token), body: { prompt: 'Token video', ...CHEAP } });
    expect(v.status, v.text).toBe(201);
    // The same account: its key sees the video, the request log names the key.
    expect((await call(sb.url, 'GET', `/api/v1/videos/${v.body.id}`, { headers: h(key) })).status).toBe(200);
    const log = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&operationId=createVideo`);
    expect(log.body.data).toHaveLength(1);
    sb.sandbox.clock.advance(59_000);
    expect((await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(t.body.token) })).status).toBe(200);
    sb.sandbox.clock.advance(1_000);
    const expired = await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(t.body.token) });
    expectSpError(expired, 401, 'INVALID_TOKEN', 'Token is invalid or expired');
  });

  it('a forged or altered token → 401 INVALID_TOKEN; another scheme is no token (UNAUTHORIZED)', async () => {
    const key = spKey();
    const t = (await mint(key)).body.token as string;
    expectSpError(await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer('sbt_made_up_by_a_client') }), 401, 'INVALID_TOKEN');
    expectSpError(await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(`${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`) }), 401, 'INVALID_TOKEN');
    expectSpError(await call(sb.url, 'GET', '/api/v1/videos', { headers: { Authorization: `Basic ${t}` } }), 401, 'UNAUTHORIZED', 'Missing authentication credentials');
  });

  it('a token with fewer scopes → 403 FORBIDDEN for the rest; a disabled account’s token → AUTH_ERROR', async () => {
    const key = spKey();
    const t = await mint(key, { scopes: ['videos:read'] });
    expect(t.body.scopes).toEqual(['videos:read']);
    expect((await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(t.body.token) })).status).toBe(200);
    const w = await call(sb.url, 'POST', '/api/v1/videos', { headers: bearer(t.body.token), body: { prompt: 'no' } });
    expectSpError(w, 403, 'FORBIDDEN');
    expect(w.body.error.message).toContain('videos:write');
    const d = await mint('sk_test_disabled_fixture01');
    expectSpError(await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(d.body.token) }), 401, 'AUTH_ERROR');
  });

  it('an API without session tokens refuses to mint (400); an unknown key shape → 404', async () => {
    const p = await call(sb.url, 'POST', '/__sandbox/accounts/ve_test_demo_key_123/tokens', { body: {} });
    expect(p.status).toBe(400);
    expect(p.body.error.message).toMatch(/phantomflow takes no session tokens/);
    expect((await call(sb.url, 'POST', '/__sandbox/accounts/nobody/tokens', { body: {} })).status).toBe(404);
  });
});

describe('signed file links', () => {
  it('need no key; expire after 7 days of sandbox time (403); altered or unsigned → 403 in the envelope', async () => {
    const key = spKey();
    const v = await createApproved(sb.url, key, { prompt: 'Links that expire', ...CHEAP }, sb.sandbox);
    const done = await waitVideo(sb.url, key, v.id, terminal, { sandbox: sb.sandbox, stepMs: 10 });
    expect(done.status).toBe('completed');
    const link = new URL(done.video_url);
    expect(Number(link.searchParams.get('expires'))).toBe(Math.floor(sb.sandbox.clock.now() / 1000) + 7 * 24 * 3600);
    expect((await fetchFile(done.video_url)).status).toBe(200);

    const altered = new URL(done.video_url);
    altered.searchParams.set('expires', String(Number(altered.searchParams.get('expires')) + 3600));
    const tampered = await fetchFile(altered.href);
    expect(tampered.status).toBe(403);
    expect(tampered.body.error).toMatchObject({ code: 'FORBIDDEN', request_id: expect.stringMatching(/^req_/) });
    expect(tampered.body.error.message).toMatch(/signature does not match/);
    const bare = await fetchFile(`${link.origin}${link.pathname}`);
    expect(bare.status).toBe(403);
    const otherFile = new URL(done.thumbnail_url);
    otherFile.search = link.search; // a valid signature, for another file
    expect((await fetchFile(otherFile.href)).status).toBe(403);

    sb.sandbox.clock.advance(7 * 24 * 3600 * 1000 - 1000);
    expect((await fetchFile(done.video_url)).status).toBe(200);
    sb.sandbox.clock.advance(1000);
    const expired = await fetchFile(done.video_url);
    expect(expired.status).toBe(403);
    expect(expired.body.error.code).toBe('FORBIDDEN');
    expect(expired.body.error.message).toMatch(/^This link expired at .+; fetch the resource again from the API for a fresh one\.$/);
    // Fetching the video again gives fresh links.
    const again = (await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body;
    expect((await fetchFile(again.video_url)).status).toBe(200);
  });
});

describe('the control API sees Sketchpen', () => {
  it('jobs lists videos (newest first, by key and status), webhooks lists callback deliveries; reset forgets it all', async () => {
    const key = spKey();
    const hook = await call(sb.url, 'POST', '/api/v1/callbacks', { headers: h(key), body: { url: 'http://127.0.0.1:9/unreachable', event: 'video.completed' } });
    expect(hook.status).toBe(201);
    const a = await createApproved(sb.url, key, { prompt: 'First video', ...CHEAP }, sb.sandbox);
    const done = await waitVideo(sb.url, key, a.id, terminal, { sandbox: sb.sandbox, stepMs: 10 });
    expect((await fetchFile(done.video_url)).status).toBe(200);
    const b = await createVideo(sb.url, key, { prompt: 'Second video', ...CHEAP });
    await waitVideo(sb.url, key, b.id, status('refining'), { sandbox: sb.sandbox, stepMs: 10 });
    const token = (await mint(key)).body.token;

    const jobs = await call(sb.url, 'GET', `/__sandbox/jobs?key=${key}`);
    expect(jobs.body.data.map((j: any) => [j.api, j.key, j.id, j.status])).toEqual([
      ['sketchpen', key, b.id, 'refining'],
      ['sketchpen', key, a.id, 'completed'],
    ]);
    expect((await call(sb.url, 'GET', `/__sandbox/jobs?key=${key}&status=completed`)).body.data.map((j: any) => j.id)).toEqual([a.id]);
    expect((await call(sb.url, 'GET', '/__sandbox/jobs?api=sketchpen&limit=1')).body.data).toHaveLength(1);
    const hooks = await call(sb.url, 'GET', `/__sandbox/webhooks?key=${key}`);
    expect(hooks.body.data).toEqual([expect.objectContaining({ api: 'sketchpen', key, subject: a.id, event: 'video.completed', url: 'http://127.0.0.1:9/unreachable' })]);

    const reset = await call(sb.url, 'POST', '/__sandbox/reset', { body: { key } });
    expect(reset.body).toMatchObject({ scope: 'account', apis: ['sketchpen'] });
    expect((await call(sb.url, 'GET', `/__sandbox/jobs?key=${key}`)).body.data).toEqual([]);
    expect((await call(sb.url, 'GET', `/__sandbox/webhooks?key=${key}`)).body.data).toEqual([]);
    expect((await call(sb.url, 'GET', '/api/v1/videos', { headers: h(key) })).body.total).toBe(0);
    expect((await call(sb.url, 'GET', '/api/v1/callbacks', { headers: h(key) })).body.total).toBe(0);
    expectSpError(await call(sb.url, 'GET', '/api/v1/videos', { headers: bearer(token) }), 401, 'INVALID_TOKEN');
    const ledger = await ledgerOf(sb.url, key);
    expect(ledger.entries).toHaveLength(1);
    expect(ledger.balance).toBe(100000);
    // The rendered files are gone with the videos.
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetchFile(done.video_url)).status).toBe(404);
    expect((await fetchFile(done.scenes[0].image_url)).status).toBe(404);
  });
});
