// The foundation issue's exact behaviours, through a real socket.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, freshKey, type RunningSandbox } from '../support/sandbox.ts';
import { call, expectRateHeaders } from '../support/http.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
let sb: RunningSandbox;
const key = freshKey('ve_test_', 'enterprise');
const h = { 'x-api-key': key };

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

describe('auth', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['missing', {}, /x-api-key/],
    ['empty', { 'x-api-key': '' }, /x-api-key/],
    ['not ve_test_-shaped', { 'x-api-key': 'hello' }, /ve_test_/],
    ['ve_live_', { 'x-api-key': 've_live_abcdef123456' }, /[Ll]ive keys .*not accepted by the sandbox/],
    ['revoked (fixture)', { 'x-api-key': 've_test_revoked01' }, /revoked/],
  ];
  for (const [name, headers, message] of cases) {
    it(`${name} key → 401 UNAUTHORIZED in the envelope, with rate-limit headers`, async () => {
      const r = await call(sb.url, 'GET', '/api/jobs', { headers });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
      expect(r.body.error.message).toMatch(message);
      expectRateHeaders(r.headers);
    });
  }
});

describe('bodies and validation', () => {
  it('body not JSON → 400 INVALID_JSON', async () => {
    const r = await call(sb.url, 'POST', '/api/render', { headers: { ...h, 'content-type': 'application/json' }, body: '{"scenes": [' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_JSON');
  });

  it("the vendor's documented example: a string duration → SCHEMA_VALIDATION_ERROR at scenes.0.duration", async () => {
    const r = await call(sb.url, 'POST', '/api/render', { headers: h, body: { scenes: [{ duration: '5', elements: [] }] } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'SCHEMA_VALIDATION_ERROR', message: 'Expected number, received string', path: 'scenes.0.duration' } });
    expectRateHeaders(r.headers);
  });

  it('an unknown element type names the accepted ones, at the tag path', async () => {
    const r = await call(sb.url, 'POST', '/api/render', { headers: h, body: { scenes: [{ duration: 2, elements: [{ type: 'txt' }] }] } });
    expect(r.body.error).toMatchObject({ code: 'SCHEMA_VALIDATION_ERROR', path: 'scenes.0.elements.0.type' });
    expect(r.body.error.message).toContain("'text' | 'image' | 'video' | 'audio'");
  });

  it('another field failure → VALIDATION_ERROR with its path (empty template name)', async () => {
    const r = await call(sb.url, 'POST', '/api/templates', { headers: h, body: { name: '', script: { scenes: [{ duration: 1 }] } } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: 'name' });
  });

  it('a missing required non-script field → INVALID_REQUEST (render a template without template_id)', async () => {
    const r = await call(sb.url, 'POST', '/api/render/template', { headers: h, body: { variables: {} } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', path: 'template_id' });
  });

  it('a bad path parameter → the parameters code with the parameter as path', async () => {
    const r = await call(sb.url, 'GET', '/api/jobs/not-a-uuid', { headers: h });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_REQUEST', path: 'job_id' });
  });

  it('an oversized body is refused with an enveloped 413', async () => {
    const big = JSON.stringify({ scenes: [{ duration: 1, elements: [{ type: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] }] });
    const r = await call(sb.url, 'POST', '/api/render', { headers: { ...h, 'content-type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expectRateHeaders(r.headers);
  });

  it('a multipart body on a JSON operation → 415 in the envelope', async () => {
    const form = new FormData();
    form.set('a', 'b');
    const r = await call(sb.url, 'POST', '/api/render', { headers: h, body: form });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('routes', () => {
  it('unknown route → 404 NOT_FOUND in the envelope, JSON not HTML', async () => {
    for (const path of ['/api/nothing-here', '/favicon.ico', '/api/jobs/x/y/z']) {
      const r = await call(sb.url, 'GET', `${path}`, { headers: h });
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.body.error.code).toBe('NOT_FOUND');
      expectRateHeaders(r.headers);
    }
  });

  it('a path outside every API says where the APIs are', async () => {
    const r = await call(sb.url, 'GET', '/', { headers: h });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('/api (phantomflow), /api/v1 (sketchpen), /__sandbox (sandbox-admin)');
  });

  it('known path, wrong method → 405 enveloped with an Allow header', async () => {
    const r = await call(sb.url, 'DELETE', '/api/jobs', { headers: h });
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toContain('GET');
    expectRateHeaders(r.headers);
  });

  it('answers CORS preflights so browser clients can call it', async () => {
    const r = await call(sb.url, 'OPTIONS', '/api/render', { headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' } });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toContain('POST');
    expect(r.headers.get('access-control-allow-headers')).toContain('x-api-key');
    // Browsers send preflights on their own: they show the caller's window but do not count in it.
    expect(r.headers.get('x-ratelimit-limit')).toBe('10');
    const again = await call(sb.url, 'OPTIONS', '/api/render', { headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    expect(again.headers.get('x-ratelimit-remaining')).toBe(r.headers.get('x-ratelimit-remaining'));
  });
});

describe('GET /api/render/schema', () => {
  const scripts: { name: string; body: unknown }[] = [
    { name: 'minimal', body: { scenes: [{ duration: 1 }] } },
    { name: 'every element', body: { width: 640, height: 360, fps: 24, quality: 'low', scenes: [{ duration: 1.5, background: '#112233', elements: [{ type: 'text', text: 'Hi', font_size: 40, color: '#ffffff', position: 'center' }, { type: 'image', src: 'fixtures/media/testpattern.png', position: 'top-left' }, { type: 'audio', src: 'fixtures/media/tone-1s.wav', volume: 0.5 }] }] } },
    { name: 'string duration', body: { scenes: [{ duration: '5' }] } },
    { name: 'no scenes', body: { width: 100 } },
    { name: 'empty scenes', body: { scenes: [] } },
    { name: 'bad colour', body: { scenes: [{ duration: 1, background: 'red' }] } },
    { name: 'bad position', body: { scenes: [{ duration: 1, elements: [{ type: 'text', text: 'a', position: 'middle' }] }] } },
    { name: 'unknown key', body: { scenes: [{ duration: 1 }], colour: '#fff' } },
    { name: 'negative duration', body: { scenes: [{ duration: -1 }] } },
    { name: 'bad quality', body: { scenes: [{ duration: 1 }], quality: 'ultra' } },
  ];

  it('is the JSON Schema generated from the spec, and a client validating with it reaches the server verdicts', async () => {
    const r = await call(sb.url, 'GET', '/api/render/schema', { headers: h });
    expect(r.status).toBe(200);
    expect(r.body.$schema).toMatch(/2020-12/);
    const ajv = new Ajv2020({ strict: false, discriminator: true });
    addFormats(ajv);
    const clientCheck = ajv.compile(r.body);
    let accepted = 0;
    for (const s of scripts) {
      const client = clientCheck(s.body);
      const server = await call(sb.url, 'POST', '/api/render', { headers: h, body: s.body });
      expect([s.name, server.status !== 400]).toEqual([s.name, client]);
      if (!client) expect(server.body.error.code).toBe('SCHEMA_VALIDATION_ERROR');
      else accepted++;
    }
    expect(accepted).toBe(2);
  });
});

describe('unexpected exceptions', () => {
  it('become a 500 INTERNAL_ERROR envelope without a stack trace', async () => {
    const broken = await startSandbox({
      only: ['phantomflow'],
      modules: { phantomflow: { id: 'phantomflow', create: () => ({ handlers: { getAccount: () => { throw new TypeError('boom at /secret/path.ts:12'); } } }) } },
    });
    try {
      const r = await call(broken.url, 'GET', '/api/account', { headers: { 'x-api-key': freshKey() } });
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe('INTERNAL_ERROR');
      expect(r.text).not.toMatch(/boom|secret|\.ts:|at /);
      expectRateHeaders(r.headers);
    } finally {
      await broken.close();
    }
  });
});

describe('response validation (test mode)', () => {
  it('a handler answering outside the spec is caught, naming the drift', async () => {
    const drifting = await startSandbox({
      only: ['phantomflow'],
      modules: { phantomflow: { id: 'phantomflow', create: () => ({ handlers: { getAccount: () => ({ status: 200, body: { plan: 'platinum' } }) } }) } },
    });
    try {
      const r = await call(drifting.url, 'GET', '/api/account', { headers: { 'x-api-key': freshKey() } });
      expect(r.status).toBe(500);
      expect(r.body.error.message).toMatch(/getAccount 200: body does not match the spec/);
    } finally {
      await drifting.close();
    }
  });
});
