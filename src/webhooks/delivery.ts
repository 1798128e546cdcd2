// Webhook delivery with retries on the sandbox clock, generic over APIs. Policy comes from the
// spec's `x-sandbox.webhooks` ({retryDelaysSeconds, timeoutSeconds, signature?}); payloads are
// built by the API module. Every attempt is recorded and visible through list().
//
// Per attempt the fault hooks are consulted (FaultHooks.webhook):
//   delayMs      wait this long (sandbox clock) before sending the attempt
//   drop         the delivery is lost: nothing is sent, no retry, status `dropped`
//   duplicate    the same request is sent twice (the copy is recorded with copy: true)
//   reorder      the attempt is held back until the next delivery to the same URL has gone out
//                (or, if none comes, until the first retry delay has passed)
//   badSignature the signature header is computed with a wrong secret (unsigned APIs: no effect)
// A non-2xx answer, a network error or no answer within timeoutSeconds (wall clock: this is real
// network I/O) schedules the next attempt after the next retry delay.
import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock/clock.ts';
import type { FaultHooks, WebhookFault } from '../faults/hooks.ts';
import { createSigner, type SignatureConfig, type Signer } from './signing.ts';

export interface WebhookPolicy {
  retryDelaysSeconds: number[];
  timeoutSeconds: number;
  signature?: SignatureConfig;
}

/** Read `x-sandbox.webhooks` (policy.raw.webhooks); sensible defaults when absent. */
export function webhookPolicyFrom(raw: unknown): WebhookPolicy {
  const w = (raw ?? {}) as Partial<WebhookPolicy>;
  const delays = Array.isArray(w.retryDelaysSeconds) ? w.retryDelaysSeconds.filter((d) => typeof d === 'number' && d >= 0) : [];
  return {
    retryDelaysSeconds: delays,
    timeoutSeconds: typeof w.timeoutSeconds === 'number' && w.timeoutSeconds > 0 ? w.timeoutSeconds : 10,
    signature: w.signature,
  };
}

export interface WebhookAttempt {
  /** 1-based attempt number (a duplicate copy shares its attempt's number) */
  attempt: number;
  /** sandbox time the request went out (ISO) */
  at: string;
  /** HTTP status, null when no answer */
  status: number | null;
  ok: boolean;
  /** wall-clock ms until the answer or the failure */
  durationMs: number;
  error?: string;
  /** faults applied to this attempt */
  faults?: string[];
  /** the second request of a `duplicate` fault */
  copy?: boolean;
  /** the signature header sent (signed APIs); `valid` false when a fault signed with a wrong secret */
  signature?: { header: string; value: string; valid: boolean };
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface WebhookDelivery {
  id: string;
  /** the account the delivery belongs to */
  key: string;
  /** what it is about (job id, video id) */
  subject: string;
  event?: string;
  url: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: WebhookAttempt[];
  /** attempts allowed in all: 1 + retry delays */
  maxAttempts: number;
  createdAt: string;
  /** sandbox time of the next scheduled attempt, while pending */
  nextAttemptAt: string | null;
}

export interface SendRequest {
  key: string;
  subject: string;
  url: string;
  payload: unknown;
  event?: string;
  /** signing secret (APIs with x-sandbox.webhooks.signature) */
  secret?: string;
  headers?: Record<string, string>;
}

export interface WebhookDispatcherOptions {
  api: string;
  clock: SandboxClock;
  faults: FaultHooks;
  policy: WebhookPolicy;
  /** overrides policy.timeoutSeconds (tests) */
  timeoutMs?: number;
  /** deliveries kept per account (finished ones beyond are forgotten); default 200 */
  historyLimit?: number;
  userAgent?: string;
  /** called after each attempt is recorded (the control API's event stream) */
  onAttempt?(delivery: WebhookDelivery, attempt: WebhookAttempt): void;
}

interface Held {
  url: string;
  release: () => void;
  timer: number;
}

export class WebhookDispatcher {
  private deliveries = new Map<string, WebhookDelivery[]>();
  private timers = new Map<string, Set<number>>();
  private inflight = new Set<AbortController>();
  private held: Held[] = [];
  private readonly signer: Signer | undefined;
  private closed = false;
  private seq = 0;
  private order = new WeakMap<WebhookDelivery, number>();

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.signer = createSigner(options.policy.signature);
  }

  /** Queue a delivery; its first attempt starts at once. */
  send(request: SendRequest): WebhookDelivery {
    const delivery: WebhookDelivery = {
      id: `whd_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      key: request.key,
      subject: request.subject,
      ...(request.event ? { event: request.event } : {}),
      url: request.url,
      payload: request.payload,
      status: 'pending',
      attempts: [],
      maxAttempts: 1 + this.options.policy.retryDelaysSeconds.length,
      createdAt: this.isoNow(),
      nextAttemptAt: this.isoNow(),
    };
    this.order.set(delivery, ++this.seq);
    let list = this.deliveries.get(request.key);
    if (!list) this.deliveries.set(request.key, (list = []));
    list.push(delivery);
    void this.attempt(delivery, request, 1);
    return delivery;
  }

  /** Deliveries of one account (or all), newest first. */
  list(filter: { key?: string; subject?: string; limit?: number } = {}): WebhookDelivery[] {
    const source = filter.key === undefined ? [...this.deliveries.values()].flat() : [...(this.deliveries.get(filter.key) ?? [])];
    const out = source
      .filter((d) => filter.subject === undefined || d.subject === filter.subject)
      .sort((a, b) => this.order.get(b)! - this.order.get(a)!);
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  /** Forget the deliveries of one account (or all) and cancel their retries. */
  reset(key?: string): void {
    const keys = key === undefined ? [...this.deliveries.keys()] : [key];
    for (const k of keys) {
      for (const id of this.timers.get(k) ?? []) this.options.clock.clearTimeout(id);
      this.timers.delete(k);
      this.deliveries.delete(k);
    }
  }

  close(): void {
    this.closed = true;
    this.reset();
    for (const h of this.held) this.options.clock.clearTimeout(h.timer);
    this.held = [];
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
  }

  // ---------------------------------------------------------------- internals

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private alive(d: WebhookDelivery): boolean {
    return !this.closed && (this.deliveries.get(d.key)?.includes(d) ?? false);
  }

  private later(key: string, ms: number, fn: () => void): void {
    let set = this.timers.get(key);
    if (!set) this.timers.set(key, (set = new Set()));
    const id: number = this.options.clock.setTimeout(() => {
      set!.delete(id);
      fn();
    }, ms);
    set.add(id);
  }

  private async attempt(d: WebhookDelivery, request: SendRequest, n: number): Promise<void> {
    if (!this.alive(d)) return;
    let fault: WebhookFault = {};
    try {
      fault =
        this.options.faults.webhook({ api: this.options.api, key: d.key, subject: d.subject, url: d.url, event: d.event, attempt: n }) ?? {};
    } catch (err) {
      console.error('webhooks: fault hook failed:', err);
    }
    const applied: string[] = [];

    if (fault.delayMs && fault.delayMs > 0) {
      applied.push(`delay:${fault.delayMs}`);
      await new Promise<void>((resolve) => this.later(d.key, fault.delayMs!, resolve));
      if (!this.alive(d)) return;
    }
    if (fault.drop) {
      d.attempts.push({ attempt: n, at: this.isoNow(), status: null, ok: false, durationMs: 0, error: 'dropped by fault injection', faults: [...applied, 'drop'] });
      d.status = 'dropped';
      d.nextAttemptAt = null;
      this.notify(d, d.attempts[d.attempts.length - 1]!);
      this.prune(d.key);
      return;
    }
    if (fault.reorder) {
      applied.push('reorder');
      await this.holdBack(d);
      if (!this.alive(d)) return;
    }
    if (fault.badSignature) applied.push('badSignature');

    const result = await this.post(d, request, n, { badSignature: Boolean(fault.badSignature), faults: applied });
    const copy = fault.duplicate && this.alive(d) ? await this.post(d, request, n, { badSignature: Boolean(fault.badSignature), faults: [...applied, 'duplicate'], copy: true }) : undefined;
    this.releaseHeld(d.url, d);
    if (!this.alive(d)) return;

    const delay = this.options.policy.retryDelaysSeconds[n - 1];
    if (result.ok || delay === undefined) {
      d.status = result.ok ? 'delivered' : 'failed';
      d.nextAttemptAt = null;
    } else {
      d.nextAttemptAt = new Date(this.options.clock.now() + delay * 1000).toISOString();
      this.later(d.key, delay * 1000, () => void this.attempt(d, request, n + 1));
    }
    // Listeners see the delivery as it stands after the attempt (its status, its next attempt).
    this.notify(d, result);
    if (copy) this.notify(d, copy);
    if (d.status !== 'pending') this.prune(d.key);
  }

  private async post(
    d: WebhookDelivery,
    request: SendRequest,
    n: number,
    how: { badSignature: boolean; faults: string[]; copy?: boolean },
  ): Promise<WebhookAttempt> {
    const body = JSON.stringify(d.payload);
    let signature: WebhookAttempt['signature'];
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? `video-api-sandbox-webhooks/${this.options.api}`,
      ...request.headers,
    };
    if (this.signer && request.secret !== undefined) {
      const secret = how.badSignature ? `${request.secret}-not-the-secret` : request.secret;
      const sig = this.signer(body, secret);
      headers[sig.header] = sig.value;
      signature = { ...sig, valid: !how.badSignature };
    }
    const controller = new AbortController();
    this.inflight.add(controller);
    const timeoutMs = this.options.timeoutMs ?? this.options.policy.timeoutSeconds * 1000;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const at = this.isoNow();
    const started = Date.now();
    const record: WebhookAttempt = { attempt: n, at, status: null, ok: false, durationMs: 0, ...(signature ? { signature } : {}) };
    try {
      const res = await fetch(d.url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
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
    if (how.faults.length) record.faults = how.faults;
    if (how.copy) record.copy = true;
    if (this.alive(d)) d.attempts.push(record);
    return record;
  }

  private notify(d: WebhookDelivery, attempt: WebhookAttempt): void {
    try {
      this.options.onAttempt?.(d, attempt);
    } catch (err) {
      console.error('webhooks: attempt listener failed:', err);
    }
  }

  /** Wait until another delivery to the same URL has gone out (or the first retry delay passed). */
  private holdBack(d: WebhookDelivery): Promise<void> {
    return new Promise<void>((resolve) => {
      const waitMs = (this.options.policy.retryDelaysSeconds[0] ?? 30) * 1000;
      const held: Held = {
        url: d.url,
        release: () => {
          this.options.clock.clearTimeout(held.timer);
          this.held = this.held.filter((h) => h !== held);
          resolve();
        },
        timer: this.options.clock.setTimeout(() => held.release(), waitMs),
      };
      this.held.push(held);
    });
  }

  private releaseHeld(url: string, sentBy: WebhookDelivery): void {
    void sentBy;
    for (const h of this.held.filter((x) => x.url === url)) h.release();
  }

  /** Keep at most historyLimit finished deliveries per account. */
  private prune(key: string): void {
    const limit = this.options.historyLimit ?? 200;
    const list = this.deliveries.get(key);
    if (!list) return;
    let finished = list.filter((x) => x.status !== 'pending').length;
    for (let i = 0; finished > limit && i < list.length; ) {
      if (list[i]!.status !== 'pending') {
        list.splice(i, 1);
        finished -= 1;
      } else {
        i += 1;
      }
    }
  }
}
