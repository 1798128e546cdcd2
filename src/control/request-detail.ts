// A captured exchange as the control API shows it (GET /__sandbox/requests/{seq}): headers as
// name/value pairs in the order sent, secrets masked the way the log masks keys, bodies decoded
// as text when they are text (base64 otherwise), each saying how much of it was kept.
import type { OutgoingHttpHeaders } from 'node:http';
import type { CapturedBody, CapturedExchange } from './capture.ts';

export interface BodyView {
  /** bytes of the whole body */
  bytes: number;
  /** bytes kept and shown here */
  shown: number;
  /** the body was longer than the log keeps (`cap` bytes) */
  truncated: boolean;
  encoding: 'utf8' | 'base64';
  text: string;
}

export interface ExchangeView {
  /** the request target as sent (path and query) */
  url: string;
  /** bytes kept of each body */
  bodyCap: number;
  request: { headers: [string, string][]; body: BodyView | null };
  response: { headers: [string, string][]; body: BodyView | null };
}

// Credentials other than the API's test key: shown as their length only.
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-sandbox-admin-token']);
const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript|x-ndjson)\b)/i;

function decode(body: CapturedBody, contentType: string | undefined): BodyView | null {
  if (body.bytes === 0) return null;
  const bytes = Buffer.concat(body.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  const truncated = body.bytes > body.kept;
  const view = { bytes: body.bytes, shown: bytes.length, truncated };
  if (contentType ? TEXTUAL.test(contentType) : looksLikeText(bytes, truncated)) return { ...view, encoding: 'utf8', text: bytes.toString('utf8') };
  return { ...view, encoding: 'base64', text: bytes.toString('base64') };
}

/** UTF-8 without control bytes (a cut body may end inside a character). */
function looksLikeText(bytes: Buffer, truncated: boolean): boolean {
  const whole = truncated ? bytes.subarray(0, Math.max(0, bytes.length - 3)) : bytes;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(whole);
    return !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  } catch {
    return false;
  }
}

function headerText(v: OutgoingHttpHeaders[string]): string {
  return Array.isArray(v) ? v.join(', ') : String(v ?? '');
}

/**
 * `key`: the API key the request carried (as sent); `shownKey`: how the log shows it (in full
 * for a test key, masked otherwise) — every header carrying it is shown the same way.
 */
export function exchangeView(x: CapturedExchange, key: string | undefined, shownKey: string | undefined): ExchangeView {
  // A key shown in full (a test key) stays; a masked one is masked wherever it appears.
  const masked = key !== undefined && shownKey !== undefined && key !== shownKey && key.length >= 4 ? key : undefined;
  const unmask = (text: string) => (masked === undefined ? text : text.replaceAll(masked, shownKey!));
  const show = (name: string, value: string): string => {
    if (key !== undefined && value.includes(key)) return unmask(value);
    if (SECRET_HEADERS.has(name.toLowerCase())) return `(masked, ${value.length} characters)`;
    return value;
  };
  const requestHeaders: [string, string][] = [];
  for (let i = 0; i + 1 < x.rawHeaders.length; i += 2) requestHeaders.push([x.rawHeaders[i]!, show(x.rawHeaders[i]!, x.rawHeaders[i + 1]!)]);
  // writeHead's own headers (as cased there) first, then those set with setHeader.
  const responseHeaders: [string, string][] = Object.entries(x.written ?? {}).map(([k, v]) => [k, show(k, headerText(v))]);
  const seen = new Set(responseHeaders.map(([k]) => k.toLowerCase()));
  for (const [k, v] of Object.entries(x.set ?? {})) if (!seen.has(k)) responseHeaders.push([k, show(k, headerText(v))]);
  const typeOf = (pairs: [string, string][]) => pairs.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return {
    url: unmask(x.url),
    bodyCap: x.cap,
    request: { headers: requestHeaders, body: decode(x.request, typeOf(requestHeaders)) },
    response: { headers: responseHeaders, body: decode(x.response, typeOf(responseHeaders)) },
  };
}
