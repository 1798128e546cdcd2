// One webhook request over the network: the JSON body POSTed (signed when the API signs), an
// answer within the timeout (wall clock: this is real I/O), and what came back as an attempt.
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

export class WebhookPoster {
  private readonly inflight = new Set<AbortController>();

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
    this.inflight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    const started = Date.now();
    const record: WebhookAttempt = { ...attempt, status: null, ok: false, durationMs: 0, ...(signature ? { signature } : {}) };
    try {
      const res = await fetch(req.url, { method: 'POST', headers, body: req.body, redirect: 'manual', signal: controller.signal });
      record.status = res.status;
      record.ok = res.status >= 200 && res.status < 300;
      if (!record.ok) record.error = `receiver answered ${res.status}`;
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      record.error = reason instanceof Error ? (reason.cause instanceof Error ? `${reason.message}: ${reason.cause.message}` : reason.message) : String(reason);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
    record.durationMs = Date.now() - started;
    return record;
  }

  /** Abandon every request in flight (sandbox close). */
  abortAll(): void {
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
  }
}
