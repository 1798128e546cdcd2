// What Node's HTTP parser refuses before the request path sees a request — a malformed request
// line or header (400), headers past the size limit (431), CONNECT — still gets a body in the
// owning API's envelope with a request id. Clients that hang up mid-request are not "unexpected
// errors" with a stack each: a thousand slow clients are one counted line at most.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawExchange } from '../support/raw-socket.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

function expectEnvelope(r: Awaited<ReturnType<typeof rawExchange>>, status: number, code: string) {
  expect(r.status, r.raw.toString('latin1').slice(0, 400)).toBe(status);
  expect(r.header('content-type')).toEqual(['application/json; charset=utf-8']);
  expect(r.header('x-request-id')).toHaveLength(1);
  expect(r.header('x-request-id')[0]).toMatch(/^req_/);
  const body = JSON.parse(r.body);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Number(r.header('content-length')[0])).toBe(Buffer.byteLength(r.body));
  return body;
}

describe("Node's parser errors", () => {
  it('a malformed header → 400 in the envelope of the API the path belongs to', async () => {
    const pf = await rawExchange(sb.url, 'GET /api/account HTTP/1.1\r\nHost: x\r\nBad header line\r\n\r\n');
    expectEnvelope(pf, 400, 'INVALID_REQUEST');
    const sk = await rawExchange(sb.url, 'GET /api/v1/themes HTTP/1.1\r\nHost: x\r\nBad header line\r\n\r\n');
    const body = expectEnvelope(sk, 400, 'BAD_REQUEST');
    // Sketchpen's envelope carries the request id in the body too.
    expect(body.error.request_id).toBe(sk.header('x-request-id')[0]);
  });

  it('a request line that is not HTTP → 400', async () => {
    expectEnvelope(await rawExchange(sb.url, 'HELLO THERE\r\n\r\n'), 400, 'INVALID_REQUEST');
  });

  it('headers past the size limit → 431', async () => {
    const r = await rawExchange(sb.url, `GET /api/account HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectEnvelope(r, 431, 'INVALID_REQUEST');
  });

  it('CONNECT → 405 (this is not a proxy)', async () => {
    const r = await rawExchange(sb.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const body = expectEnvelope(r, 405, 'METHOD_NOT_ALLOWED');
    expect(body.error.message).toMatch(/CONNECT/);
  });
});

describe('clients that hang up', () => {
  it('are not logged as unexpected errors with a stack; at most one counted line', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const warns = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { port } = new URL(sb.url);
      await Promise.all(
        Array.from({ length: 20 }, () => new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
            // A body promised and never sent in full, then the client goes away.
            s.write('POST /api/render HTTP/1.1\r\nHost: x\r\nx-api-key: ve_test_enterprise_abort001\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"scenes":');
            setTimeout(() => s.destroy(), 100);
          });
          s.on('close', () => resolve());
          s.on('error', () => resolve());
        })),
      );
      await new Promise((r) => setTimeout(r, 500));
      const lines = [...errors.mock.calls, ...warns.mock.calls, ...logs.mock.calls].map((args) => args.map(String).join(' '));
      expect(lines.filter((l) => /unexpected error|\n\s+at /.test(l))).toEqual([]);
      expect(lines.length).toBeLessThanOrEqual(1);
    } finally {
      errors.mockRestore();
      warns.mockRestore();
      logs.mockRestore();
    }
  });
});
