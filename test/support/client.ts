// HTTP helpers for the fault and control-API tests: call(base, method, path) over fetch, and
// rawRequest() over node:http, reporting exactly what a client observes (resets, hang-ups, chunks).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** fetch + JSON parse (text kept for malformed bodies). */
export async function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
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
