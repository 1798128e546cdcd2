// A web page must not drive the control API: no CORS grant, JSON bodies only as application/json
// (a form post or text/plain needs no preflight), and requests a browser marks as cross-site are
// refused — while programs (no Origin) and the sandbox's own same-origin pages keep working.
// Every JSON operation of every API answers a non-JSON Content-Type with its documented error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deref } from '../../src/openapi/refs.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const rule = JSON.stringify({ match: { path: '/api/account' }, action: { status: 503 }, times: 1 });
const post = (path: string, headers: Record<string, string>, body: string | undefined = rule) => fetch(`${sb.url}${path}`, { method: 'POST', headers, body });

describe('the control API refuses what a cross-site page could send', () => {
  it('bodies that are not application/json → 415, and nothing changes', async () => {
    const before = (await (await fetch(`${sb.url}/__sandbox/faults`)).json()).data.length;
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post('/__sandbox/faults', { 'content-type': type });
      expect(r.status, type).toBe(415);
      expect((await r.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // A body without any Content-Type (what fetch sends for a Blob without a type).
    const untyped = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', body: new Blob([rule]) });
    expect(untyped.status).toBe(415);
    expect((await (await fetch(`${sb.url}/__sandbox/faults`)).json()).data.length).toBe(before);
    expect((await post('/__sandbox/faults', { 'content-type': 'application/json' })).status).toBe(201);
    // A bodiless POST needs no type.
    expect((await fetch(`${sb.url}/__sandbox/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(200);
  });

  it('a browser request from another origin → 403, even a correct JSON one', async () => {
    const json = { 'content-type': 'application/json' };
    for (const headers of <Record<string, string>[]>[{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: `http://localhost:${new URL(sb.url).port}` }]) {
      const r = await post('/__sandbox/reset', { ...json, ...headers }, '{}');
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect((await r.json()).error.code).toBe('FORBIDDEN');
      expect((await fetch(`${sb.url}/__sandbox/health`, { headers })).status, `GET ${JSON.stringify(headers)}`).toBe(403);
    }
  });

  it('same-origin pages, a typed-in URL and programs pass', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await post('/__sandbox/reset', { ...json, origin: sb.url, 'sec-fetch-site': 'same-origin' }, '{}')).status).toBe(200);
    expect((await fetch(`${sb.url}/__sandbox/health`, { headers: { 'sec-fetch-site': 'none' } })).status).toBe(200);
    expect((await post('/__sandbox/reset', json, '{}')).status).toBe(200);
  });

  it('no CORS grant on control responses or preflights; the vendor APIs keep theirs', async () => {
    const health = await fetch(`${sb.url}/__sandbox/health`);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${sb.url}/__sandbox/faults`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    const vendor = await fetch(`${sb.url}/api/account`, { headers: { 'x-api-key': 've_test_enterprise_cors0001', origin: 'https://app.example' } });
    expect(vendor.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('every JSON operation answers a non-JSON Content-Type with its documented error', () => {
  it('for each API, with the catalogue status of its unsupported-media-type code, documented on the operation', async () => {
    let checked = 0;
    for (const api of [...sb.sandbox.apis, sb.sandbox.control!]) {
      const { policy } = api.spec;
      const code = policy.errors.unsupportedMediaType;
      const status = policy.errors.catalogue[code]!.status;
      const key = `${policy.auth.testKeyPattern.source.replace(/^\^/, '').split(/[[(]/)[0]}enterprise_ctype0001`;
      for (const op of api.spec.operations.filter((o) => o.body && api.validators.get(o.operationId).expectsJson)) {
        expect(Object.keys(op.responses), `${op.operationId} documents ${status}`).toContain(String(status));
        // Path parameters from their documented examples, so that the body is what is judged.
        const item = api.spec.doc.paths[op.path];
        const declared = [...(item.parameters ?? []), ...(item[op.method].parameters ?? [])].map((p: unknown) => deref(api.spec.doc, p));
        const path = op.servedPath.replace(/\{([^}]+)\}/g, (_m, name: string) => {
          const p = declared.find((d) => d.in === 'path' && d.name === name);
          const schema = deref(api.spec.doc, p?.schema);
          return encodeURIComponent(String(p?.example ?? schema?.examples?.[0] ?? schema?.example ?? 'x1'));
        });
        const r = await fetch(`${sb.url}${path}`, { method: op.method.toUpperCase(), headers: { [policy.auth.header]: key, 'content-type': 'text/plain' }, body: '{}' });
        const body = await r.json();
        expect(r.status, `${policy.id} ${op.operationId}: ${JSON.stringify(body)}`).toBe(status);
        expect(body.error.code ?? body.error, op.operationId).toBe(code);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  }, 60_000);

  it("PhantomFlow's documented example is reachable: text/plain → 415", async () => {
    const r = await fetch(`${sb.url}/api/render`, { method: 'POST', headers: { 'x-api-key': 've_test_enterprise_ctype0002', 'content-type': 'text/plain' }, body: '{"scenes":[{"duration":1}]}' });
    expect(r.status).toBe(415);
    expect(await r.json()).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json (got text/plain).' } });
    // curl -d's default stays accepted, as the spec declares.
    const curl = await fetch(`${sb.url}/api/render`, { method: 'POST', headers: { 'x-api-key': 've_test_enterprise_ctype0002', 'content-type': 'application/x-www-form-urlencoded' }, body: '{"scenes":[{"duration":1}]}' });
    expect(curl.status).toBe(202);
  });
});
