// Every catalogue code except INTERNAL_ERROR, triggered naturally through real HTTP, with its
// status, the error envelope and the rate-limit headers. (RATE_LIMIT_EXCEEDED: rate-limit.test.ts.)
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { expectError, localServer, tinyScript, waitForJob, type LocalServer } from '../support/phantomflow.ts';

let s: RunningSandbox;
let media: LocalServer;
beforeAll(async () => {
  // Manual clock: the shared per-address bucket of unauthenticated requests is reset by advancing.
  s = await startSandbox({ clock: { mode: 'manual' } });
  media = await localServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file'));
});
afterAll(async () => {
  await s.close();
  await media.close();
});

const key = () => freshKey('ve_test_', 'pro');
const post = (path: string, k: string) => request(s.url).post(path).set('x-api-key', k);

describe('400s', () => {
  it('INVALID_JSON: a body that is not JSON', async () => {
    const res = await post('/api/render', key()).set('content-type', 'application/json').send('{"scenes": [');
    expectError(res, 400, 'INVALID_JSON');
  });

  it('SCHEMA_VALIDATION_ERROR: a string where scenes.0.duration wants a number', async () => {
    const res = await post('/api/render', key()).send({ scenes: [{ duration: '5' }] });
    expectError(res, 400, 'SCHEMA_VALIDATION_ERROR');
    expect(res.body.error).toMatchObject({ message: 'Expected number, received string', path: 'scenes.0.duration' });
  });

  it('VALIDATION_ERROR: an empty template name', async () => {
    const res = await post('/api/templates', key()).send({ name: '', script: tinyScript() });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.path).toBe('name');
  });

  it('INVALID_REQUEST: POST /api/render/template without template_id', async () => {
    const res = await post('/api/render/template', key()).send({ variables: { a: 1 } });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.path).toBe('template_id');
  });
});

describe('401 UNAUTHORIZED (per-address bucket)', () => {
  beforeAll(() => s.sandbox.clock.advance(60_000));
  const cases: [string, string | undefined, RegExp][] = [
    ['missing key', undefined, /Missing API key/],
    ['malformed key', 'not-a-key', /Invalid API key format/],
    ['live key', 've_live_abcdefghijkl', /Live keys/],
    ['revoked key (fixture)', 've_test_revoked01', /revoked/],
  ];
  for (const [what, k, message] of cases) {
    it(what, async () => {
      const req = request(s.url).get('/api/account');
      const res = await (k === undefined ? req : req.set('x-api-key', k));
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.body.error.message).toMatch(message);
    });
  }
});

describe('402, 403, 404', () => {
  it('INSUFFICIENT_CREDITS with required and balance (low-balance fixture)', async () => {
    const res = await post('/api/render', 've_test_lowbalance01').send(tinyScript([2.5, 2.2]));
    expectError(res, 402, 'INSUFFICIENT_CREDITS');
    expect(res.body.error).toMatchObject({ required: 5, balance: 3 });
    const account = await request(s.url).get('/api/account').set('x-api-key', 've_test_lowbalance01');
    expect(account.body.credits_balance).toBe(3);
  });

  it('FORBIDDEN: replacing another account\'s public template', async () => {
    const owner = key();
    const created = await post('/api/templates', owner).send({ name: 'shared', script: tinyScript(), is_public: true });
    const res = await request(s.url).put(`/api/templates/${created.body.template_id}`).set('x-api-key', key()).send({ name: 'mine now', script: tinyScript() });
    expectError(res, 403, 'FORBIDDEN');
  });

  it('NOT_FOUND: an unknown job, another account\'s job, an unknown route', async () => {
    const k = key();
    expectError(await request(s.url).get('/api/jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7').set('x-api-key', k), 404, 'NOT_FOUND');
    const job = await post('/api/render', key()).send(tinyScript());
    expect(job.status).toBe(202);
    expectError(await request(s.url).get(`/api/jobs/${job.body.job_id}`).set('x-api-key', k), 404, 'NOT_FOUND');
    expectError(await request(s.url).get('/api/nothing-here').set('x-api-key', k), 404, 'NOT_FOUND');
  });

  it('TEMPLATE_NOT_FOUND: rendering an unknown template', async () => {
    expectError(await post('/api/render/template', key()).send({ template_id: 'tpl_abcdefabcdef' }), 404, 'TEMPLATE_NOT_FOUND');
  });
});

describe('405, 413, 415', () => {
  it('METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await request(s.url).patch('/api/templates/tpl_3f9a1c2b4d5e').set('x-api-key', key()).send({});
    expectError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toMatch(/^GET, .*PUT, DELETE/);
  });

  it('PAYLOAD_TOO_LARGE over 1 MiB', async () => {
    const big = JSON.stringify({ scenes: [{ duration: 1, elements: [{ type: 'text', text: 'x'.repeat(1024 * 1024 + 10) }] }] });
    const res = await fetch(`${s.url}/api/render`, { method: 'POST', headers: { 'x-api-key': key(), 'content-type': 'application/json' }, body: big });
    const body: any = await res.json();
    expectError({ status: res.status, body, headers: Object.fromEntries(res.headers) }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('UNSUPPORTED_MEDIA_TYPE for an XML body', async () => {
    const res = await post('/api/render', key()).set('content-type', 'application/xml').send('<script/>');
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('429 CONCURRENCY_LIMIT_EXCEEDED and the job error RENDER_FAILED', () => {
  it('a free key may have 2 jobs in progress; the third gets 429 with Retry-After; a finished job frees the slot', async () => {
    const k = freshKey('ve_test_', 'free');
    for (let i = 0; i < 2; i += 1) expect((await post('/api/render', k).send(tinyScript())).status).toBe(202);
    const res = await post('/api/render', k).send(tinyScript());
    expectError(res, 429, 'CONCURRENCY_LIMIT_EXCEEDED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The refused job reserved nothing.
    const account = await request(s.url).get('/api/account').set('x-api-key', k);
    expect(account.body).toMatchObject({ active_jobs: 2, credits_balance: 998 });
    // Let them finish (manual clock: the queue hold needs the clock moved), then there is room again.
    const ids = (await request(s.url).get('/api/jobs').set('x-api-key', k)).body.data.map((j: any) => j.job_id);
    for (const id of ids) await waitForJob(s.url, k, id, { sandbox: s.sandbox });
    // Polling used this window's requests; on the next window the free key may submit again,
    // and it now has a free job slot.
    s.sandbox.clock.advance(60_000);
    expect((await post('/api/render', k).send(tinyScript())).status).toBe(202);
  });

  it('RENDER_FAILED: a media src that 404s fails the job, refunded in full', async () => {
    const k = key();
    const res = await post('/api/render', k).send(
      tinyScript(2, { scenes: [{ duration: 2, elements: [{ type: 'image', src: `${media.url}/missing.png` }] }] }),
    );
    expect(res.status).toBe(202);
    expect(res.body.credits_remaining).toBe(998);
    const job = await waitForJob(s.url, k, res.body.job_id, { sandbox: s.sandbox });
    expect(job).toMatchObject({ status: 'failed', credits_used: 0, output_url: null, error: { code: 'RENDER_FAILED' } });
    expect(job.error.message).toMatch(/FFmpeg|404|Not Found/i);
    expect(media.requests.some((r) => r.url === '/missing.png')).toBe(true);
    const account = await request(s.url).get('/api/account').set('x-api-key', k);
    expect(account.body).toMatchObject({ credits_balance: 1000, active_jobs: 0 });
  });
});
