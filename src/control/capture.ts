// What went over the wire for one request, for the request log's detail view (the inspector):
// the request target and headers as sent, the request body as the parser delivered it, the
// response status line's headers and the body as written — each body kept up to a cap, with its
// full size counted. Installed by the pipeline before any body byte arrives; it only stores
// references and capped copies, and formats nothing (the log formats when read).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Bytes kept of each body by default (request and response): 16 KiB. */
export const DEFAULT_BODY_CAP = 16 * 1024;

export interface CapturedBody {
  /** the kept bytes (at most the cap), in order */
  chunks: (Buffer | string)[];
  /** bytes kept */
  kept: number;
  /** bytes seen in all */
  bytes: number;
}

export interface CapturedExchange {
  /** the request target as sent (path and query) */
  url: string;
  /** name/value pairs in the order and case the client sent them */
  rawHeaders: string[];
  request: CapturedBody;
  /** the response headers, once written */
  responseHeaders?: OutgoingHttpHeaders;
  response: CapturedBody;
  cap: number;
}

function keep(body: CapturedBody, chunk: Buffer | string, cap: number): void {
  const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  body.bytes += size;
  const room = cap - body.kept;
  if (room <= 0) return;
  if (size <= room) {
    // Strings are immutable and parser buffers are not reused: keeping the reference is safe.
    body.chunks.push(chunk);
    body.kept += size;
    return;
  }
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  body.chunks.push(Buffer.from(bytes.subarray(0, room)));
  body.kept += room;
}

function chunkOf(data: unknown, encoding: unknown): Buffer | string | undefined {
  if (typeof data === 'string') return typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(data, encoding as BufferEncoding) : data;
  if (data instanceof Uint8Array) return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * Start recording one exchange; the returned function reads what was recorded so far (call it
 * when the response is done). `cap` 0 records headers only.
 */
export function captureExchange(req: IncomingMessage, res: ServerResponse, cap = DEFAULT_BODY_CAP): () => CapturedExchange {
  const exchange: CapturedExchange = {
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    request: { chunks: [], kept: 0, bytes: 0 },
    response: { chunks: [], kept: 0, bytes: 0 },
    cap,
  };
  // The HTTP parser hands body bytes to push(); watching there sees them whoever reads the
  // stream, and whenever (a 'data' listener would start the flow before the pipeline reads).
  const push = req.push;
  req.push = function (chunk: unknown, encoding?: BufferEncoding) {
    const c = chunkOf(chunk, encoding);
    if (c !== undefined) keep(exchange.request, c, cap);
    return push.call(this, chunk, encoding);
  };
  let written: OutgoingHttpHeaders | undefined;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a, i) => i > 0 && a !== null && typeof a === 'object') as OutgoingHttpHeaders | string[] | undefined;
    if (Array.isArray(headers)) {
      written = {};
      for (let i = 0; i + 1 < headers.length; i += 2) written[headers[i]!] = headers[i + 1];
    } else if (headers) written = headers;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  const write = res.write;
  res.write = function (this: ServerResponse, data: unknown, ...rest: unknown[]) {
    const c = chunkOf(data, rest[0]);
    if (c !== undefined) keep(exchange.response, c, cap);
    return (write as (...a: unknown[]) => boolean).call(this, data, ...rest);
  } as ServerResponse['write'];
  const end = res.end;
  res.end = function (this: ServerResponse, data?: unknown, ...rest: unknown[]) {
    const c = typeof data === 'function' ? undefined : chunkOf(data, rest[0]);
    if (c !== undefined && !(req.method === 'HEAD')) keep(exchange.response, c, cap);
    return (end as (...a: unknown[]) => ServerResponse).call(this, data, ...rest);
  } as ServerResponse['end'];

  return () => {
    if (res.headersSent && !exchange.responseHeaders) {
      // writeHead's own headers (as cased there) first, then those set with setHeader.
      const out: OutgoingHttpHeaders = { ...written };
      const seen = new Set(Object.keys(out).map((k) => k.toLowerCase()));
      for (const [k, v] of Object.entries(res.getHeaders())) if (!seen.has(k)) out[k] = v;
      exchange.responseHeaders = out;
    }
    return exchange;
  };
}
