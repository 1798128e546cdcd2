// Writing responses: JSON bodies, the headers every response carries, and CORS for browser clients.
import type { ServerResponse } from 'node:http';

/**
 * Send a JSON response. `headers` is the caller's own per-response object: the content headers
 * are added to it and it goes to writeHead as it is, so no copy of it is made here.
 */
export function sendJson(res: ServerResponse, status: number, headers: Record<string, string | number>, body: unknown, head = false): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined || status === 204 || status === 304 ? '' : JSON.stringify(body);
  // One writeHead with every header: cheaper than a setHeader per header on the hot path.
  const all = headers;
  if (payload) {
    all['Content-Type'] = 'application/json; charset=utf-8';
    all['Content-Length'] = Buffer.byteLength(payload);
  } else if (status !== 204 && status !== 304) {
    all['Content-Length'] = 0;
  }
  res.writeHead(status, all);
  res.end(head ? undefined : payload);
}

/** Browser clients must be able to read the headers an SDK's retry logic depends on. */
export function corsHeaders(exposed: string[]): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': exposed.join(', '),
  };
}

export function preflightHeaders(allow: string[], requestedHeaders: string | undefined): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': allow.join(', '),
    'Access-Control-Allow-Headers': requestedHeaders ?? '*',
    'Access-Control-Max-Age': '600',
    Allow: allow.join(', '),
  };
}
