// One webhook request over the network: the JSON body POSTed (signed when the API signs), an
// answer within the timeout (wall clock: this is real I/O), and what came back as an attempt.
// Each request has a connection of its own (no shared keep-alive pool), so nothing a sandbox
// opened outlives its close().
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookAttempt } from './delivery-log.ts';
import type { Signer } from './signing.ts';

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** sign with this secret (APIs that sign) */
  secret?: string;
  /** the secret is deliberately wrong (a bad_signature fault): recorded as not valid */
  spoiled?: boolean;
  timeoutMs: number;
}

/** POST once; resolves with the status (redirects are not followed), rejects on a network error or abort. */
function postOnce(url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, signal });
    req.once('error', reject);
    req.once('response', (res) => {
      // The answer's body is not needed; reading it lets the connection close cleanly.
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.end(body);
  });
}

export class WebhookPoster {
  private readonly inflight = new Map<AbortController, Promise<void>>();

  constructor(private readonly signer: Signer | undefined) {}

  async post(req: PostRequest, attempt: Omit<WebhookAttempt, 'status' | 'ok' | 'durationMs'>): Promise<WebhookAttempt> {
    const headers = { ...req.headers };
    let signature: WebhookAttempt['signature'];
    if (this.signer && req.secret !== undefined) {
      const sig = this.signer(req.body, req.secret);
      headers[sig.header] = sig.value;
      signature = { ...sig, valid: !req.spoiled };
    }
    const controller = new AbortController();
    let done!: () => void;
    this.inflight.set(controller, new Promise<void>((r) => (done = r)));
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    const started = Date.now();
    const record: WebhookAttempt = { ...attempt, status: null, ok: false, durationMs: 0, ...(signature ? { signature } : {}) };
    try {
      const url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`cannot POST to a ${url.protocol} URL`);
      const status = await postOnce(url, req.body, headers, controller.signal);
      record.status = status;
      record.ok = status >= 200 && status < 300;
      if (!record.ok) record.error = `receiver answered ${status}`;
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      record.error = reason instanceof Error ? reason.message : String(reason);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
      done();
    }
    record.durationMs = Date.now() - started;
    return record;
  }

  /** Abandon every request in flight (sandbox close); resolves once each has given up. */
  async abortAll(): Promise<void> {
    const pending = [...this.inflight.values()];
    for (const c of this.inflight.keys()) c.abort(new Error('the sandbox closed'));
    await Promise.all(pending);
  }
}
