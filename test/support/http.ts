// HTTP helpers for tests that talk to a real sandbox socket: call() over fetch, rawRequest() over
// node:http reporting exactly what a client observes (resets, hang-ups, chunks), and the check
// that the rate-limit trio is on a response.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';

export interface Reply {
  status: number;
  headers: Headers;
  /** parsed JSON, or undefined when the body is not JSON */
  body: any;
  text: string;
}

/** fetch + JSON parse (text kept for malformed bodies). Objects are sent as JSON; strings,
 * FormData and bytes as they are. */
export async function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const { body } = options;
  const raw = typeof body === 'string' || body instanceof FormData || body instanceof Uint8Array;
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The rate-limit trio is on a response (fetch Headers or supertest's header object): integers,
 * remaining ≤ limit, reset a Unix time. */
export function expectRateHeaders(headers: Headers | Record<string, unknown>): void {
  const get = (h: string) => Number(headers instanceof Headers ? headers.get(h) : headers[h]);
  const [limit, remaining, reset] = [get('x-ratelimit-limit'), get('x-ratelimit-remaining'), get('x-ratelimit-reset')];
  expect([limit, remaining, reset].every(Number.isInteger), `rate-limit headers ${limit}/${remaining}/${reset}`).toBe(true);
  expect(remaining).toBeLessThanOrEqual(limit);
  expect(reset).toBeGreaterThan(1_600_000_000);
}

export interface RawOutcome {
  /** the error the client saw, if any (code and message) */
  error?: { code?: string; message: string };
  status?: number;
  headers?: IncomingHttpHeaders;
  /** bytes received, with the time (ms since the request) of each chunk */
  chunks: { at: number; bytes: number }[];
  body: string;
  /** the response ended cleanly */
  complete: boolean;
}

/** A plain node:http request that reports exactly what the client observed, errors included. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const out: RawOutcome = { chunks: [], body: '', complete: false };
    const url = new URL(path, base);
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: { ...headers, connection: 'close' }, agent: false },
      (res) => {
        out.status = res.statusCode;
        out.headers = res.headers;
        res.on('data', (c: Buffer) => {
          out.chunks.push({ at: performance.now() - started, bytes: c.length });
          out.body += c.toString('utf8');
        });
        res.on('end', () => {
          out.complete = res.complete;
          resolve(out);
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          out.error = { code: err.code, message: err.message };
          resolve(out);
        });
        res.on('aborted', () => {
          out.error ??= { code: 'ECONNRESET', message: 'aborted' };
        });
        res.on('close', () => {
          if (!res.complete) {
            out.error ??= { code: 'ECONNRESET', message: 'aborted' };
            resolve(out);
          }
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      out.error = { code: err.code, message: err.message };
      resolve(out);
    });
    req.setTimeout(15_000, () => req.destroy(new Error('test client timeout')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
