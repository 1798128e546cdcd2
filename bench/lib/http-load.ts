// A load generator that records every response's latency at full resolution (ns timer), which
// autocannon's histogram cannot (it rounds to whole milliseconds, hence "p50 0 ms"). Each
// connection is one keep-alive socket sending the same pre-serialised request, one at a time,
// and reading the response by its Content-Length: little client CPU, so the server is measured.
// Traffic goes to 127.0.0.1 only; every run is bounded by a duration or a request count.
import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  port: number;
  connections: number;
  /** stop after this many ms (the requests in flight finish) */
  durationMs?: number;
  /** or after this many responses in all */
  amount?: number;
  /** called after each response (e.g. to vary the next request); returns the next request */
  next?: (previous: LoadRequest, status: number) => LoadRequest;
}

export interface LoadResult {
  /** responses received */
  count: number;
  /** wall ms from the first request to the last response */
  elapsedMs: number;
  reqPerSec: number;
  /** every response's latency in µs, in arrival order */
  latenciesUs: Float64Array;
  statuses: Record<string, number>;
  errors: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

function serialise(r: LoadRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const lines = [`${r.method} ${r.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: keep-alive'];
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return body ? Buffer.concat([head, body]) : head;
}

/** Parse one response head at the start of `buf`: status, the length of head + body, or undefined if incomplete. */
function frame(buf: Buffer): { status: number; total: number } | undefined | 'bad' {
  const end = buf.indexOf(CRLF2);
  if (end === -1) return undefined;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!m) return /\r\ntransfer-encoding:/i.test(head) ? 'bad' : { status, total: end + 4 };
  return { status, total: end + 4 + Number(m[1]) };
}

export function load(request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const { port, connections, durationMs, amount, next } = options;
  if (!durationMs && !amount) throw new Error('load: give durationMs or amount');
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const started = process.hrtime.bigint();
  const deadline = durationMs ? started + BigInt(durationMs) * 1_000_000n : undefined;
  const more = () => (amount === undefined || sent < amount) && (deadline === undefined || process.hrtime.bigint() < deadline);

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      let current = request;
      let wire = serialise(current);
      let pending: Buffer = Buffer.alloc(0);
      let t0 = 0n;
      const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
      const fire = () => {
        if (!more()) {
          socket.end();
          return resolve();
        }
        sent++;
        t0 = process.hrtime.bigint();
        socket.write(wire);
      };
      socket.on('connect', fire);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          const f = frame(pending);
          if (f === 'bad') {
            errors++;
            socket.destroy();
            return resolve();
          }
          if (!f || pending.length < f.total) return;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
          statuses[f.status] = (statuses[f.status] ?? 0) + 1;
          pending = pending.subarray(f.total);
          if (next) {
            current = next(current, f.status);
            wire = serialise(current);
          }
          fire();
        }
      });
      socket.on('error', () => {
        errors++;
        resolve();
      });
      socket.on('close', () => resolve());
    });

  return Promise.all(Array.from({ length: connections }, one)).then(() => {
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { count: latencies.length, elapsedMs, reqPerSec: (latencies.length / elapsedMs) * 1000, latenciesUs: Float64Array.from(latencies), statuses, errors };
  });
}

/** One request over a fresh connection: status, headers as sent (raw pairs) and body bytes. */
export function exchange(port: number, r: LoadRequest): Promise<{ status: number; rawHeaders: [string, string][]; body: Buffer; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(serialise({ ...r, headers: { ...r.headers } })));
    let buf = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const f = frame(buf);
      if (f === 'bad') return reject(new Error('chunked response'));
      if (!f || buf.length < f.total) return;
      const end = buf.indexOf(CRLF2);
      const lines = buf.toString('latin1', 0, end).split('\r\n').slice(1);
      const rawHeaders = lines.map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
      });
      socket.end();
      resolve({ status: f.status, rawHeaders, body: buf.subarray(end + 4, f.total), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    socket.on('error', reject);
  });
}
