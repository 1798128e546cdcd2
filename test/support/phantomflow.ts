// Helpers for the PhantomFlow tests: tiny scripts, header checks, polling a job, a local HTTP server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox.ts';
import { expectRateHeaders } from './http.ts';


/** A movie script that renders in a fraction of a second. */
export function tinyScript(seconds: number | number[] = 1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const durations = Array.isArray(seconds) ? seconds : [seconds];
  return { width: 64, height: 36, fps: 5, quality: 'low', scenes: durations.map((duration) => ({ duration, background: '#224466' })), ...extra };
}

/** An error response in PhantomFlow's envelope with this code and status, carrying the rate headers. */
export function expectError(res: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expectRateHeaders(res.headers);
}

/** Poll GET /api/jobs/{id} until the job is terminal (advancing a manual clock when given). */
export async function waitForJob(url: string, key: string, jobId: string, opts: { sandbox?: Sandbox; timeoutMs?: number } = {}): Promise<any> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (opts.sandbox?.clock.state().mode === 'manual') opts.sandbox.clock.advance(1000);
    const res = await fetch(`${url}/api/jobs/${jobId}`, { headers: { 'x-api-key': key } });
    const body: any = await res.json();
    // Polling counts against the key's rate window, as for a real client: on a manual clock,
    // honour Retry-After by moving the clock on, then poll again.
    if (res.status === 429 && opts.sandbox?.clock.state().mode === 'manual') {
      opts.sandbox.clock.advance(Number(res.headers.get('retry-after') ?? 60) * 1000);
      continue;
    }
    if (res.status !== 200) throw new Error(`GET job ${jobId}: ${res.status} ${JSON.stringify(body)}`);
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LocalServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string; at: number }[];
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1; `respond` decides each answer (default 200). */
export async function localServer(respond?: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (respond) respond(req, res, requests.length);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Wait until `check` holds (real time), or fail. */
export async function eventually(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
