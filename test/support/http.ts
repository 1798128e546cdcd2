// Small fetch helpers for tests that talk to a real sandbox socket.

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(url, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The rate-limit trio must be on every response, as integers, remaining ≤ limit. */
export function expectRateHeaders(reply: Reply): void {
  const limit = Number(reply.headers.get('x-ratelimit-limit'));
  const remaining = Number(reply.headers.get('x-ratelimit-remaining'));
  const reset = Number(reply.headers.get('x-ratelimit-reset'));
  if (!Number.isInteger(limit) || !Number.isInteger(remaining) || !Number.isInteger(reset) || remaining > limit || reset < 1_600_000_000) {
    throw new Error(`bad rate-limit headers: ${limit}/${remaining}/${reset} (status ${reply.status})`);
  }
}
