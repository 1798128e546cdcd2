// What went over the wire for one request, for the request log's detail view (the inspector):
// the request target and headers as sent, the request body as the parser delivered it, the
// response headers and the body as written — each body kept up to a cap, with its full size
// counted. It only stores references and capped copies; the log formats when read.
//
// On the request path, so cheap: the sandbox's own server creates its requests and responses as
// CapturingRequest / CapturingResponse (http.createServer's IncomingMessage / ServerResponse
// options), whose methods look at a field — no per-request closures, no change of object shape.
// Requests that come from another server (the sandbox mounted as an express app) are watched by
// wrapping the instance's methods instead.
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http';

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
  /** the headers given to writeHead (as cased there) */
  written?: OutgoingHttpHeaders;
  /** the headers set with setHeader, read when the response is done */
  set?: OutgoingHttpHeaders;
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

function headersOf(args: unknown[]): OutgoingHttpHeaders | undefined {
  // writeHead(status, [statusMessage], [headers]) — headers as an object or a flat array.
  const h = typeof args[1] === 'object' ? args[1] : args[2];
  if (!h || typeof h !== 'object') return undefined;
  if (!Array.isArray(h)) return h as OutgoingHttpHeaders;
  const out: OutgoingHttpHeaders = {};
  for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i])] = h[i + 1];
  return out;
}

/** The sandbox server's requests: push() (the parser's way in) also feeds a capture. */
export class CapturingRequest extends IncomingMessage {
  exchange: CapturedExchange | undefined = undefined;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    const x = this.exchange;
    if (x !== undefined) {
      const c = chunkOf(chunk, encoding);
      if (c !== undefined) keep(x.request, c, x.cap);
    }
    return super.push(chunk, encoding);
  }
}

/** The sandbox server's responses: writeHead/write/end also feed a capture. */
export class CapturingResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  exchange: CapturedExchange | undefined = undefined;
}
// Declared on the prototype (not as class methods) to forward every overload of the originals.
const proto = CapturingResponse.prototype as unknown as Record<'writeHead' | 'write' | 'end', (...args: unknown[]) => unknown> & { exchange?: CapturedExchange };
const base = ServerResponse.prototype as unknown as Record<'writeHead' | 'write' | 'end', (...args: unknown[]) => unknown>;
proto.writeHead = function (this: CapturingResponse, ...args: unknown[]) {
  if (this.exchange) this.exchange.written = headersOf(args);
  return base.writeHead.apply(this, args);
};
proto.write = function (this: CapturingResponse, ...args: unknown[]) {
  const x = this.exchange;
  if (x) {
    const c = chunkOf(args[0], args[1]);
    if (c !== undefined) keep(x.response, c, x.cap);
  }
  return base.write.apply(this, args);
};
proto.end = function (this: CapturingResponse, ...args: unknown[]) {
  const x = this.exchange;
  if (x && typeof args[0] !== 'function' && this.req?.method !== 'HEAD') {
    const c = chunkOf(args[0], args[1]);
    if (c !== undefined) keep(x.response, c, x.cap);
  }
  return base.end.apply(this, args);
};

/** The same watch on a request and response this sandbox did not create (an embedding server). */
function wrap(req: IncomingMessage, res: ServerResponse, x: CapturedExchange): void {
  type Fn = (...args: unknown[]) => unknown;
  const r = req as unknown as { push: Fn };
  const s = res as unknown as Record<'writeHead' | 'write' | 'end', Fn>;
  const { push } = r;
  const { writeHead, write, end } = s;
  r.push = function (this: unknown, ...args: unknown[]) {
    const c = chunkOf(args[0], args[1]);
    if (c !== undefined) keep(x.request, c, x.cap);
    return push.apply(this, args);
  };
  s.writeHead = function (this: unknown, ...args: unknown[]) {
    x.written = headersOf(args);
    return writeHead.apply(this, args);
  };
  s.write = function (this: unknown, ...args: unknown[]) {
    const c = chunkOf(args[0], args[1]);
    if (c !== undefined) keep(x.response, c, x.cap);
    return write.apply(this, args);
  };
  s.end = function (this: unknown, ...args: unknown[]) {
    const c = typeof args[0] === 'function' || req.method === 'HEAD' ? undefined : chunkOf(args[0], args[1]);
    if (c !== undefined) keep(x.response, c, x.cap);
    return end.apply(this, args);
  };
}

/**
 * Start recording one exchange; the returned function reads what was recorded (call it when
 * the response is done). Call before the first body byte can arrive.
 */
export function captureExchange(req: IncomingMessage, res: ServerResponse, cap = DEFAULT_BODY_CAP): () => CapturedExchange {
  const x: CapturedExchange = {
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    request: { chunks: [], kept: 0, bytes: 0 },
    response: { chunks: [], kept: 0, bytes: 0 },
    cap,
  };
  if (req instanceof CapturingRequest && res instanceof CapturingResponse) {
    req.exchange = x;
    res.exchange = x;
  } else wrap(req, res, x);
  return () => {
    // setHeader'd headers (often none: the pipeline hands writeHead all of them at once).
    if (res.headersSent && x.set === undefined) x.set = res.getHeaders();
    return x;
  };
}
