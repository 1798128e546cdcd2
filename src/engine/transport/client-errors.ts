// What Node answers before the request path sees a request — a request its HTTP parser refuses
// (400; 431 for headers past the limit; 408 for one that took too long) and CONNECT — answered
// here instead, in the envelope of the API the request's path belongs to (read from the raw
// bytes when there are any), with a request id, so even these carry a body a client can read.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../core/errors.ts';
import { renderError } from '../envelope.ts';
import type { Router } from '../router.ts';
import type { ApiRuntime } from '../runtime.ts';

export interface ClientErrorOptions {
  router: Router<ApiRuntime>;
  requestId: () => string;
}

function statusOf(err: NodeJS.ErrnoException): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

function describe(err: NodeJS.ErrnoException, status: number): string {
  if (status === 431) return 'Request headers are too large.';
  if (status === 408) return 'The request did not arrive in time.';
  const reason = (err as { reason?: string }).reason;
  return `The request is not valid HTTP/1.1${reason ? ` (${reason.toLowerCase()})` : ''}.`;
}

/** Method and path of the request line in the bytes the parser saw, as far as it got. */
function requestLineOf(raw: unknown): { method: string; path: string } {
  if (!Buffer.isBuffer(raw)) return { method: '', path: '/' };
  const m = /^([A-Za-z]+) (\/[^\s?#]*)?/.exec(raw.subarray(0, 2048).toString('latin1'));
  return { method: m?.[1]?.toUpperCase() ?? '', path: m?.[2] ?? '/' };
}

function write(socket: Duplex, api: ApiRuntime, error: ApiError, requestId: string, head = false): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const rendered = renderError(api.spec.policy, error, requestId);
  const body = JSON.stringify(rendered.body);
  const headers: Record<string, string | number> = {
    [api.spec.policy.errors.requestId.header]: requestId,
    ...api.cors,
    ...rendered.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  const headText = `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  // A HEAD request is answered with the length of the body it would have had, and no body.
  // Then the connection is done with: the parser cannot read another request from it.
  socket.end(headText + (head ? '' : body), () => socket.destroy());
}

export function answerClientErrors(server: Server, { router, requestId }: ClientErrorOptions): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection the client already dropped needs no answer.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    const line = requestLineOf((err as { rawPacket?: unknown }).rawPacket);
    const api = router.owner(line.path);
    const status = statusOf(err);
    write(socket, api, new ApiError(api.spec.policy.errors.malformedRequest, describe(err, status), { status }), requestId(), line.method === 'HEAD');
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const api = router.owner('/');
    const policy = api.spec.policy;
    write(socket, api, new ApiError(policy.errors.methodNotAllowed, `CONNECT ${req.url ?? ''} is not supported: the sandbox is not a proxy.`, { status: 405, headers: { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' } }), requestId());
  });
}
