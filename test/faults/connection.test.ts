// Transport faults seen from a real node:http client on 127.0.0.1: a reset connection, an empty
// reply, a malformed or truncated body, a slow body — and latency that holds up only its own request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { rawRequest } from '../support/http.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const headers = (fault: string) => ({ 'x-api-key': freshKey('ve_test_', 'pro'), 'X-Sandbox-Fault': fault });

describe('connection faults', () => {
  it('reset: the client sees ECONNRESET', async () => {
    const out = await rawRequest(sb.url, 'GET', '/api/account', headers('reset'));
    expect(out.status).toBeUndefined();
    expect(out.error?.code).toBe('ECONNRESET');
  });

  it('reset on a request with a body (the request is not processed)', async () => {
    const out = await rawRequest(sb.url, 'POST', '/api/render', { ...headers('reset'), 'content-type': 'application/json' }, JSON.stringify({ scenes: [{ duration: 1 }] }));
    expect(out.error?.code).toBe('ECONNRESET');
  });

  it('empty: the connection closes without a response (socket hang up)', async () => {
    const out = await rawRequest(sb.url, 'POST', '/api/render', { ...headers('empty'), 'content-type': 'application/json' }, JSON.stringify({ scenes: [{ duration: 1 }] }));
    expect(out.status).toBeUndefined();
    expect(out.error?.message).toBe('socket hang up');
  });

  it('malformed: normal status and headers, a body JSON.parse rejects', async () => {
    const out = await rawRequest(sb.url, 'GET', '/api/render/schema', headers('malformed'));
    expect(out.status).toBe(200);
    expect(out.complete).toBe(true);
    expect(out.headers?.['content-type']).toMatch(/application\/json/);
    expect(out.headers?.['x-ratelimit-limit']).toBe('120');
    expect(Number(out.headers?.['content-length'])).toBe(Buffer.byteLength(out.body));
    expect(() => JSON.parse(out.body)).toThrow(SyntaxError);
  });

  it('malformed applies to error answers too', async () => {
    const out = await rawRequest(sb.url, 'GET', '/api/account', headers('error=INTERNAL_ERROR,malformed'));
    expect(out.status).toBe(500);
    expect(() => JSON.parse(out.body)).toThrow(SyntaxError);
  });

  it('truncate: Content-Length promises more than arrives, then the connection closes', async () => {
    const out = await rawRequest(sb.url, 'GET', '/api/render/schema', headers('truncate'));
    expect(out.status).toBe(200);
    const promised = Number(out.headers?.['content-length']);
    expect(Buffer.byteLength(out.body)).toBeLessThan(promised);
    expect(out.complete).toBe(false);
    expect(out.error?.message).toMatch(/aborted/);
  });

  it('slow: the body arrives in chunks spread over the requested time', async () => {
    const out = await rawRequest(sb.url, 'GET', '/api/render/schema', headers('slow=600'));
    expect(out.status).toBe(200);
    expect(out.complete).toBe(true);
    expect(() => JSON.parse(out.body)).not.toThrow();
    expect(out.chunks.length).toBeGreaterThanOrEqual(3);
    const spread = out.chunks.at(-1)!.at - out.chunks[0]!.at;
    expect(spread).toBeGreaterThanOrEqual(450);
    expect(spread).toBeLessThan(600 + 1000);
  });
});

describe('latency', () => {
  it('a 2 s delayed request does not hold up a concurrent plain request', async () => {
    const finished: string[] = [];
    const t0 = performance.now();
    const slow = rawRequest(sb.url, 'GET', '/api/account', headers('latency=2000')).then((r) => {
      finished.push('slow');
      return { r, ms: performance.now() - t0 };
    });
    await new Promise((r) => setTimeout(r, 50)); // the slow one is now waiting in the sandbox
    const plain = await rawRequest(sb.url, 'GET', '/api/account', { 'x-api-key': freshKey('ve_test_', 'pro') }).then((r) => {
      finished.push('plain');
      return { r, ms: performance.now() - t0 };
    });
    const s = await slow;
    expect(finished).toEqual(['plain', 'slow']);
    expect(plain.r.status).toBe(200);
    expect(s.r.status).toBe(200);
    expect(s.ms).toBeGreaterThanOrEqual(1950);
    expect(s.ms).toBeLessThan(2000 + 1500);
    // The plain request finished well before the slow one was released.
    expect(s.ms - plain.ms).toBeGreaterThan(1000);
  });

  it('latency then an error; a uniform range draws within its bounds', async () => {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const out = await rawRequest(sb.url, 'GET', '/api/account', headers('latency=100..250,status=503'));
      const ms = performance.now() - t0;
      expect(out.status).toBe(503);
      expect(ms).toBeGreaterThanOrEqual(95);
      // At most the range's top plus generous room for a machine busy with renders: a draw
      // outside the range (or a unit mix-up, seconds for ms) would be far beyond it.
      expect(ms).toBeLessThan(250 + 750);
    }
  });
});
