// Raw HTTP/1.1 over a TCP socket to 127.0.0.1: what a client byte stream gets back, header lines
// exactly as sent (duplicates kept, case kept), for requests no HTTP client library would send.
import { connect } from 'node:net';

export interface RawResponse {
  /** the status code of the first response, undefined when none arrived */
  status?: number;
  statusLine?: string;
  /** header lines in order, as [name, value] with the name's case as sent */
  headerLines: [string, string][];
  /** every value of a header, by case-insensitive name */
  header(name: string): string[];
  /** the body bytes after the head (as far as they arrived), decoded as UTF-8 */
  body: string;
  /** everything received */
  raw: Buffer;
  /** the socket ended without any bytes */
  empty: boolean;
}

export function parseRawResponse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  const headerLines = lines.filter(Boolean).map((l) => {
    const at = l.indexOf(':');
    return [l.slice(0, at), l.slice(at + 1).trim()] as [string, string];
  });
  return {
    status: m ? Number(m[1]) : undefined,
    statusLine: m ? statusLine : undefined,
    headerLines,
    header: (name) => headerLines.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
    body: end === -1 ? '' : raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).toString('utf8'),
    raw,
    empty: raw.length === 0,
  };
}

/**
 * Write `request` (bytes as given) to the server and collect what comes back until the server
 * closes the connection or `idleMs` pass without data. Only 127.0.0.1.
 */
export function rawExchange(base: string, request: string | Buffer, options: { idleMs?: number; timeoutMs?: number } = {}): Promise<RawResponse> {
  const { port } = new URL(base);
  const idleMs = options.idleMs ?? 30_000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(overall);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    const overall = setTimeout(finish, options.timeoutMs ?? 60_000);
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    };
    socket.on('connect', () => {
      socket.write(request);
      arm();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      arm();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

/** A well-formed request head (and body) with `Connection: close`, so the answer ends with the socket. */
export function requestText(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Buffer {
  const all: Record<string, string> = { Host: '127.0.0.1', Connection: 'close', ...headers };
  if (body !== undefined && !Object.keys(all).some((k) => k.toLowerCase() === 'content-length')) all['Content-Length'] = String(Buffer.byteLength(body));
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}
