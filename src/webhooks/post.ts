// One webhook request over the network: the JSON body POSTed (signed when the API signs), an
// answer within the timeout (wall clock: this is real I/O), and what came back as an attempt.
// The receiver's URL passes the sandbox's outbound policy first (src/core/outbound.ts), and the
// connection goes to the address the policy checked. Each request has a connection of its own (no
// shared keep-alive pool), so nothing a sandbox opened outlives its close().
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkOutbound, unreachable, type OutboundOptions } from '../core/outbound.ts';
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

export interface PostOutcome {
  record: WebhookAttempt;
  /** no retry can help: the policy refuses the URL */
  permanent: boolean;
}

export class WebhookPoster {
  private readonly inflight = new Map<AbortController, Promise<void>>();

  constructor(
    private readonly signer: Signer | undefined,
    private readonly outbound: OutboundOptions = {},
  ) {}

  async post(req: PostRequest, attempt: Omit<WebhookAttempt, 'status' | 'ok' | 'durationMs'>): Promise<PostOutcome> {
    const headers = { ...req.headers };
    let signature: WebhookAttempt['signature'];
    if (this.signer && req.secret !== undefined) {
      const sig = this.signer(req.body, req.secret);
      headers[sig.header] = sig.value;
      signature = { ...sig, valid: !req.spoiled };
    }
    const started = Date.now();
    const record: WebhookAttempt = { ...attempt, status: null, ok: false, durationMs: 0, ...(signature ? { signature } : {}) };
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { record: { ...record, error: `not allowed: ${req.url} is not a URL` }, permanent: true };
    }
    const decision = await checkOutbound(url, this.outbound);
    if (!decision.ok) {
      record.error = decision.message;
      record.durationMs = Date.now() - started;
      return { record, permanent: decision.refused };
    }
    const controller = new AbortController();
    let done!: () => void;
    this.inflight.set(controller, new Promise<void>((r) => (done = r)));
    try {
      const status = await send(url, decision.lookup, headers, req.body, req.timeoutMs, controller.signal);
      record.status = status;
      record.ok = status >= 200 && status < 300;
      if (!record.ok) record.error = `receiver answered ${status}`;
    } catch {
      // Refused, reset, unreachable, timed out: one text, so the log cannot map ports.
      record.error = unreachable(url, req.timeoutMs);
    } finally {
      this.inflight.delete(controller);
      done();
    }
    record.durationMs = Date.now() - started;
    return { record, permanent: false };
  }

  /** Abandon every request in flight (sandbox close); resolves once each has given up. */
  async abortAll(): Promise<void> {
    const pending = [...this.inflight.values()];
    for (const c of this.inflight.keys()) c.abort(new Error('the sandbox closed'));
    await Promise.all(pending);
  }
}

/** POST `body` to the pinned address; resolves with the status (redirects are not followed), rejects on any network failure. */
function send(url: URL, lookup: NonNullable<Parameters<typeof httpRequest>[1]>['lookup'], headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, signal, agent: false });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      // The answer's body is not needed; reading it lets the connection close cleanly.
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.end(body);
  });
}
