// A captured exchange as the control API shows it (GET /__sandbox/requests/{seq}): headers as
// name/value pairs in the order sent, secrets masked the way the log masks keys, bodies decoded
// as text when they are text (base64 otherwise), each saying how much of it was kept.
import type { PackedExchange } from './capture.ts';

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

function decode(bytes: Buffer, total: number, contentType: string | undefined): BodyView | null {
  if (total === 0) return null;
  const truncated = total > bytes.length;
  const view = { bytes: total, shown: bytes.length, truncated };
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

/**
 * `key`: the API key the request carried (as sent); `shownKey`: how the log shows it (in full
 * for a test key, masked otherwise) — every header carrying it is shown the same way.
 */
export function exchangeView(x: PackedExchange, key: string | undefined, shownKey: string | undefined): ExchangeView {
  // A key shown in full (a test key) stays; a masked one is masked wherever it appears.
  const masked = key !== undefined && shownKey !== undefined && key !== shownKey && key.length >= 4 ? key : undefined;
  const unmask = (text: string) => (masked === undefined ? text : text.replaceAll(masked, shownKey!));
  const show = (name: string, value: string): string => {
    if (key !== undefined && value.includes(key)) return unmask(value);
    if (SECRET_HEADERS.has(name.toLowerCase())) return `(masked, ${value.length} characters)`;
    return value;
  };
  const headers = (start: number, end: number): [string, string][] => {
    const lines = start === end ? [] : x.data.toString('utf8', start, end).split('\n');
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) pairs.push([lines[i]!, show(lines[i]!, lines[i + 1]!)]);
    return pairs;
  };
  const requestHeaders = headers(0, x.requestHeadersEnd);
  const responseHeaders = headers(x.requestHeadersEnd, x.responseHeadersEnd);
  const typeOf = (pairs: [string, string][]) => pairs.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return {
    url: unmask(x.url),
    bodyCap: x.cap,
    request: { headers: requestHeaders, body: decode(x.data.subarray(x.responseHeadersEnd, x.requestBodyEnd), x.requestBytes, typeOf(requestHeaders)) },
    response: { headers: responseHeaders, body: decode(x.data.subarray(x.requestBodyEnd), x.responseBytes, typeOf(responseHeaders)) },
  };
}
