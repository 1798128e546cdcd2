// The checks are pure functions over (operation, request, response, context): each judged here on
// hand-made responses, passing what the spec allows and failing what it does not.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { buildProfile } from '../../src/contract/profile.ts';
import { checkNamed } from '../../src/contract/checks/index.ts';
import { mutations } from '../../src/contract/generate/negative.ts';
import { aValidForm, formBody, generatedBodies, jsonBody } from '../../src/contract/phases/common.ts';
import { curlOf } from '../../src/contract/curl.ts';
import { probe } from '../../src/media/probe.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { schemaBookOf } from '../../src/contract/spec-schemas.ts';
import { createRandom } from '../../src/contract/random.ts';
import type { CaseMeta, CheckContext, ReceivedResponse } from '../../src/contract/types.ts';

const pf = buildProfile(loadSpec(join(ROOT, 'openapi/phantomflow.yaml')));
const sk = buildProfile(loadSpec(join(ROOT, 'openapi/sketchpen.yaml')));
const req = { method: 'GET', url: 'http://127.0.0.1/api/account', headers: {} };
const rate = { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30) };
const res = (status: number, json: unknown, headers: Record<string, string> = {}): ReceivedResponse => ({ status, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req_1', ...rate, ...headers }, text: JSON.stringify(json), json, elapsedMs: 1 });
const ctx = (profile = pf, meta: CaseMeta = { kind: 'plain', label: 't' }, extra: Partial<CheckContext> = {}): CheckContext => ({ profile, meta, sandbox: true, baseUrl: 'http://127.0.0.1', facts: {}, ...extra });
const run = (name: string, op: any, r: ReceivedResponse, c: CheckContext) => checkNamed(name)!.run(op, req, r, c);

describe('response checks', () => {
  const getAccount = pf.spec.operation('getAccount');
  const account = { plan: 'free', credits_balance: 5, limits: { requests_per_minute: 10, concurrent_jobs: 2 }, active_jobs: 0, mode: 'test', key_prefix: 've_test_' };
  it('status, content type, schema and declared headers', () => {
    expect(run('status_code_documented', getAccount, res(200, account), ctx())?.status).toBe('passed');
    expect(run('status_code_documented', getAccount, res(404, {}), ctx())?.status).toBe('failed');
    expect(run('content_type_documented', getAccount, res(200, account, { 'content-type': 'text/plain' }), ctx())?.status).toBe('failed');
    expect(run('content_type_documented', getAccount, res(200, account, { 'content-type': 'application/json, application/json; charset=utf-8' }), ctx())?.status).toBe('failed');
    expect(run('response_schema_conformance', getAccount, res(200, account), ctx())?.status).toBe('passed');
    expect(run('response_schema_conformance', getAccount, res(200, { ...account, mode: 'live' }), ctx())).toMatchObject({ status: 'failed', got: expect.stringContaining('/mode') });
    expect(run('response_headers_conformance', getAccount, res(200, account, { 'x-ratelimit-reset': 'soon' }), ctx())).toMatchObject({ status: 'failed', got: expect.stringContaining('X-RateLimit-Reset') });
  });
  it('the rate-limit trio: bounds, plausible reset, and Remaining never rising inside a window', () => {
    const reset = Number(rate['x-ratelimit-reset']);
    expect(run('rate_limit_headers', undefined, res(200, {}), ctx())?.status).toBe('passed');
    expect(run('rate_limit_headers', undefined, res(200, {}, { 'x-ratelimit-limit': '0' }), ctx())?.status).toBe('failed');
    expect(run('rate_limit_headers', undefined, res(200, {}, { 'x-ratelimit-reset': '99' }), ctx())?.status).toBe('failed');
    expect(run('rate_limit_headers', undefined, res(200, {}), ctx(pf, undefined, { previousRate: { limit: 10, remaining: 6, reset } }))?.status).toBe('failed');
    expect(run('rate_limit_headers', undefined, res(200, {}), ctx(pf, undefined, { previousRate: { limit: 10, remaining: 6, reset: reset - 60 } }))?.status).toBe('passed');
    expect(run('retry_after_on_429', undefined, res(429, {}), ctx())?.status).toBe('failed');
    expect(run('retry_after_on_429', undefined, res(429, {}, { 'retry-after': '12' }), ctx())?.status).toBe('passed');
  });
});

describe('state checks', () => {
  it("tenant isolation: what the second key sent must not show; the resource may move on by itself", () => {
    const getVideo = sk.spec.operation('getVideo');
    const meta = (created: unknown, sent: unknown): CaseMeta => ({ kind: 'state', step: 'owner-read-after-foreign', resource: 'videos', id: 'v1', label: 't', created, sent });
    const was = { id: 'v1', status: 'scripting', prompt: 'tides', video_url: null };
    const moved = { id: 'v1', status: 'completed', prompt: 'tides', video_url: 'http://127.0.0.1/files/v1.mp4?expires=2&signature=ab' };
    expect(run('tenant_isolation', getVideo, res(200, moved), ctx(sk, meta(was, { prompt: 'hijacked' })))?.status).toBe('passed');
    expect(run('tenant_isolation', getVideo, res(200, { ...moved, prompt: 'hijacked' }), ctx(sk, meta(was, { prompt: 'hijacked' })))).toMatchObject({ status: 'failed', got: expect.stringContaining('prompt') });
    expect(run('tenant_isolation', getVideo, res(404, {}), ctx(sk, meta(was, undefined)))?.status).toBe('failed');
  });
});

describe('error checks', () => {
  it("each API's envelope, its plain 429, the catalogue and request_id", () => {
    expect(run('error_envelope', undefined, res(404, { error: { code: 'NOT_FOUND', message: 'no' } }), ctx())?.status).toBe('passed');
    expect(run('error_envelope', undefined, res(404, { message: 'no' }), ctx())?.status).toBe('failed');
    expect(run('error_envelope', undefined, res(429, { error: 'Rate limit exceeded: 10 per 1 day' }), ctx(sk))?.status).toBe('passed');
    expect(run('error_envelope', undefined, res(429, { error: 'slow down' }), ctx(sk))?.status).toBe('failed');
    expect(run('error_envelope', undefined, res(429, { error: 'Rate limit exceeded: 10 per 1 day' }), ctx(pf))?.status).toBe('failed');
    const getJob = pf.spec.operation('getJob');
    expect(run('error_code_catalogue', getJob, res(404, { error: { code: 'NOT_FOUND', message: 'x' } }), ctx())?.status).toBe('passed');
    expect(run('error_code_catalogue', getJob, res(400, { error: { code: 'NOT_FOUND', message: 'x' } }), ctx())?.status).toBe('failed');
    expect(run('error_code_catalogue', getJob, res(404, { error: { code: 'TEMPLATE_NOT_FOUND', message: 'x' } }), ctx())?.status).toBe('failed');
    expect(run('error_extra_fields', undefined, res(402, { error: { code: 'INSUFFICIENT_CREDITS', message: 'x', required: 5 } }), ctx())?.status).toBe('failed');
    expect(run('request_id', undefined, res(404, { error: { code: 'NOT_FOUND', message: 'x', request_id: 'other' } }), ctx(sk))?.status).toBe('failed');
    expect(run('request_id', undefined, res(404, { error: { code: 'NOT_FOUND', message: 'x', request_id: 'req_1' } }), ctx(sk))?.status).toBe('passed');
  });
  it('validation errors say where, in each style', () => {
    const render = pf.spec.operation('submitRender');
    const neg: CaseMeta = { kind: 'negative', location: 'body', keyword: 'type', at: ['scenes', 0, 'duration'], expectCode: 'SCHEMA_VALIDATION_ERROR', label: 't' };
    const err = (path: string) => res(400, { error: { code: 'SCHEMA_VALIDATION_ERROR', message: 'Expected number, received string', path } });
    expect(run('validation_error_location', render, err('scenes.0.duration'), ctx(pf, neg))?.status).toBe('passed');
    expect(run('validation_error_location', render, err('scenes'), ctx(pf, neg))?.status).toBe('failed');
    const create = sk.spec.operation('createVideo');
    const skNeg: CaseMeta = { kind: 'negative', location: 'body', keyword: 'required', at: ['prompt'], expectCode: 'VALIDATION_ERROR', label: 't' };
    const skErr = (loc: unknown[]) => res(422, { error: { code: 'VALIDATION_ERROR', message: 'x', request_id: 'req_1', details: [{ loc, msg: 'Field required' }] } });
    expect(run('validation_error_location', create, skErr(['body', 'prompt']), ctx(sk, skNeg))?.status).toBe('passed');
    expect(run('validation_error_location', create, skErr(['body']), ctx(sk, skNeg))?.status).toBe('failed');
    expect(run('validation_error_shape', create, res(422, { error: { code: 'VALIDATION_ERROR', message: 'x', request_id: 'req_1' } }), ctx(sk))?.status).toBe('failed');
  });
  it('Allow lists exactly the documented methods', () => {
    const meta: CaseMeta = { kind: 'method', allow: ['GET', 'PUT', 'DELETE'], label: 't' };
    expect(run('allow_header', undefined, res(405, {}, { allow: 'GET, HEAD, PUT, DELETE, OPTIONS' }), ctx(pf, meta))?.status).toBe('passed');
    expect(run('allow_header', undefined, res(405, {}, { allow: 'GET, PUT' }), ctx(pf, meta))?.status).toBe('failed');
  });
});

describe('generators', () => {
  it('every JSON request body of both specs can be generated, valid, from a seed', () => {
    for (const profile of [pf, sk]) {
      const s = { profile, origin: 'http://127.0.0.1:4010', options: { examplesPerOperation: 2 } } as any;
      for (const op of profile.operations.filter((o) => jsonBody(o)?.schema)) {
        const bodies = generatedBodies(s, op, 2, createRandom(42).fork(op.operationId));
        expect(bodies.length, op.operationId).toBeGreaterThan(0);
        for (const b of bodies) expect(schemaBookOf(profile).valid(jsonBody(op)!.schema!, b)).toBe(true);
        // Same seed, same bodies.
        expect(generatedBodies(s, op, 2, createRandom(42).fork(op.operationId))).toEqual(bodies);
      }
    }
  });
  it('an upload gets a multipart body whose file part is a real image of a type its encoding accepts', async () => {
    const s = { profile: sk, origin: 'http://127.0.0.1:4010', options: { examplesPerOperation: 2 } } as any;
    const uploads = sk.operations.filter((o) => formBody(o));
    expect(uploads.map((o) => o.operationId)).toEqual(['uploadAssetImage']);
    const form = aValidForm(s, uploads[0]!, createRandom(5))!;
    expect(aValidForm(s, uploads[0]!, createRandom(5))).toEqual(form); // same seed, same parts
    const file = form.find((p) => p.name === 'file');
    expect(file).toMatchObject({ filename: 'file.png', contentType: 'image/png' });
    const path = join(mkdtempSync(join(tmpdir(), 'contract-form-')), 'file.png');
    writeFileSync(path, (file as { bytes: Buffer }).bytes);
    const probed = await probe(path);
    expect([probed.video?.codec, probed.video?.width, probed.video?.height]).toEqual(['png', 8, 8]);
    // The reproduction line names a file instead of pasting bytes.
    const line = curlOf({ method: 'POST', url: 'http://127.0.0.1:4010/api/v1/assets/x/image', headers: { 'x-api-key': 'k' }, form });
    expect(line).toContain("-F 'file=@file.png;type=image/png'");
    expect(line).not.toContain('--data-raw');
  });
  it('negative mutations break exactly one named constraint at a named place', () => {
    const schema = jsonBody(pf.spec.operation('submitRender'))!.schema!;
    const base = { width: 640, height: 360, scenes: [{ duration: 2, background: '#000', elements: [{ type: 'text', text: 'hi', font_size: 20 }] }] };
    const book = schemaBookOf(pf);
    const list = mutations(pf.doc, schema, base, (s, v) => book.valid(s as object, v));
    const has = (keyword: string, at: string) => list.some((m) => m.keyword === keyword && m.at.join('.') === at);
    expect(has('type', 'scenes.0.duration')).toBe(true);
    expect(has('minimum', 'scenes.0.duration')).toBe(true); // at least one 25 fps frame (issue 13)
    expect(has('required', 'scenes')).toBe(true);
    expect(has('minItems', 'scenes')).toBe(true);
    expect(has('pattern', 'scenes.0.background')).toBe(true);
    expect(has('discriminator', 'scenes.0.elements.0.type')).toBe(true);
    expect(has('maximum', 'scenes.0.elements.0.font_size')).toBe(true);
    expect(has('additionalProperties', 'contract_unexpected')).toBe(true);
    expect(list.every((m) => !book.valid(schema, m.value))).toBe(true);
    expect(book.valid(schema, base)).toBe(true);
  });
});
