// The checker's HTTP client: one request at a time through fetch, paced (--max-rps), bounded
// (--max-requests, --timeout), recording exactly what came back. Transport failures (refused,
// reset, timed out) become a response with status 0 so a check can name them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceivedResponse, SentRequest } from './types.ts';

export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}

export interface HttpOptions {
  /** requests per second at most; 0 = unpaced */
  maxRps: number;
  timeoutMs: number;
  /** requests at most in the whole run (control-API calls excluded) */
  maxRequests: number;
}

function isJson(contentType: string | undefined): boolean {
  return /\bjson\b/i.test(contentType ?? '');
}

export class HttpClient {
  sent = 0;
  private lastStart = 0;

  constructor(private readonly o: HttpOptions) {}

  /** Send one request to the API under test (counted, paced). */
  async send(req: SentRequest, keepBytes = false): Promise<ReceivedResponse> {
    if (this.sent >= this.o.maxRequests) throw new BudgetExceeded(`the request budget (--max-requests ${this.o.maxRequests}) is used up`);
    this.sent++;
    if (this.o.maxRps > 0) {
      const gap = 1000 / this.o.maxRps - (performance.now() - this.lastStart);
      if (gap > 0) await sleep(gap);
    }
    this.lastStart = performance.now();
    return fetchOnce(req, this.o.timeoutMs, keepBytes);
  }
}

/** One fetch, never throwing: a transport failure is status 0 with the error as text. */
export async function fetchOnce(req: SentRequest, timeoutMs: number, keepBytes = false): Promise<ReceivedResponse> {
  const started = performance.now();
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = isJson(headers['content-type']) || !keepBytes ? bytes.toString('utf8') : '';
    let json: unknown;
    if (text && isJson(headers['content-type'])) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, headers, text, json, bytes: keepBytes ? bytes : undefined, elapsedMs: Math.round(performance.now() - started) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no response within ${timeoutMs} ms` : `${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
    return { status: 0, headers: {}, text: why, elapsedMs: Math.round(performance.now() - started) };
  }
}
