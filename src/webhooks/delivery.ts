// Webhook delivery with retries on the sandbox clock, generic over APIs. Policy comes from the
// spec's `x-sandbox.webhooks` ({retryDelaysSeconds, timeoutSeconds, signature?}); payloads are
// built by the API module. Every attempt is recorded (delivery-log.ts) and visible through list().
//
// Per attempt the fault hooks are consulted (FaultHooks.webhook):
//   delayMs      wait this long (sandbox clock) before sending the attempt
//   drop         the delivery is lost: nothing is sent, no retry, status `dropped`
//   duplicate    the same request is sent twice (the copy is recorded with copy: true)
//   reorder      the attempt is held back until the next delivery to the same URL has gone out
//                (or, if none comes, until the first retry delay has passed)
//   badSignature the signature header is computed with a wrong secret (unsigned APIs: no effect)
// A delivery whose subscription has gone (SendRequest.isActive) is cancelled before its next attempt.
// A non-2xx answer, a network error or no answer within timeoutSeconds schedules the next attempt
// after the next retry delay; a URL the outbound policy refuses fails the delivery at once.
import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../core/clock.ts';
import type { Resettable } from '../core/tenant-store.ts';
import type { FaultHooks, WebhookFault } from '../faults/hooks.ts';
import type { WebhookPolicy } from '../openapi/policy.ts';
import { DeliveryLog, type WebhookAttempt, type WebhookDelivery } from './delivery-log.ts';
import { WebhookPoster, type PostOutcome } from './post.ts';
import { ReorderHold } from './reorder.ts';
import { createSigner } from './signing.ts';

export type { DeliveryStatus, WebhookAttempt, WebhookDelivery } from './delivery-log.ts';

export interface SendRequest {
  key: string;
  subject: string;
  url: string;
  payload: unknown;
  event?: string;
  /** signing secret (APIs with x-sandbox.webhooks.signature) */
  secret?: string;
  headers?: Record<string, string>;
  /** asked before every attempt: false once the subscription is gone (the delivery is cancelled) */
  isActive?: () => boolean;
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
  /** the outbound policy's allow-list: hosts besides loopback receivers may be on */
  allowHosts?: readonly string[];
  /** called after each attempt is recorded, with the delivery as it stands (the event stream) */
  onAttempt?(delivery: WebhookDelivery, attempt: WebhookAttempt): void;
}

export class WebhookDispatcher implements Resettable {
  private readonly log: DeliveryLog;
  private readonly poster: WebhookPoster;
  private readonly hold: ReorderHold;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.log = new DeliveryLog(options.clock, options.historyLimit ?? 200);
    this.poster = new WebhookPoster(createSigner(options.policy.signature), { allowHosts: options.allowHosts });
    this.hold = new ReorderHold(options.clock);
  }

  /** Queue a delivery; its first attempt starts at once. */
  send(request: SendRequest): WebhookDelivery {
    const now = this.isoNow();
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
      createdAt: now,
      nextAttemptAt: now,
    };
    this.log.add(delivery);
    void this.attempt(delivery, request, 1);
    return delivery;
  }

  /** Deliveries of one account (or all), newest first. */
  list(filter: { key?: string; subject?: string; limit?: number } = {}): WebhookDelivery[] {
    return this.log.list(filter);
  }

  /** Forget the deliveries of one account (or all) and cancel their retries. */
  reset(key?: string): void {
    this.log.reset(key);
  }

  /** Stop retries and abandon requests in flight; resolves once they have given up. */
  close(): Promise<void> {
    this.closed = true;
    this.log.reset();
    this.hold.clear();
    return this.poster.abortAll();
  }

  // ---------------------------------------------------------------- internals

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private alive(d: WebhookDelivery): boolean {
    return !this.closed && this.log.holds(d);
  }

  /** The subscription is gone: finish the delivery as cancelled (true) instead of sending. */
  private cancelled(d: WebhookDelivery, request: SendRequest): boolean {
    let active = true;
    try {
      active = request.isActive?.() ?? true;
    } catch (err) {
      console.error('webhooks: isActive check failed:', err);
    }
    if (active) return false;
    this.log.finish(d, 'cancelled');
    return true;
  }

  private faultFor(d: WebhookDelivery, attempt: number): WebhookFault {
    try {
      return this.options.faults.webhook({ api: this.options.api, key: d.key, subject: d.subject, url: d.url, event: d.event, attempt }) ?? {};
    } catch (err) {
      console.error('webhooks: fault hook failed:', err);
      return {};
    }
  }

  private async attempt(d: WebhookDelivery, request: SendRequest, n: number): Promise<void> {
    if (!this.alive(d)) return;
    if (this.cancelled(d, request)) return;
    const fault = this.faultFor(d, n);
    const applied: string[] = [];
    if (fault.delayMs && fault.delayMs > 0) {
      applied.push(`delay:${fault.delayMs}`);
      await new Promise<void>((resolve) => this.log.later(d.key, fault.delayMs!, resolve));
      if (!this.alive(d)) return;
    }
    if (fault.drop) {
      const dropped: WebhookAttempt = { attempt: n, at: this.isoNow(), status: null, ok: false, durationMs: 0, error: 'dropped by fault injection', faults: [...applied, 'drop'] };
      d.attempts.push(dropped);
      this.log.finish(d, 'dropped');
      this.notify(d, dropped);
      return;
    }
    if (fault.reorder) {
      applied.push('reorder');
      await this.hold.wait(d.url, (this.options.policy.retryDelaysSeconds[0] ?? 30) * 1000);
      if (!this.alive(d)) return;
    }
    if (fault.badSignature) applied.push('badSignature');
    if (this.cancelled(d, request)) return;

    const { record: result, permanent } = await this.post(d, request, n, { badSignature: Boolean(fault.badSignature), faults: applied });
    const copy = fault.duplicate && !permanent && this.alive(d) ? (await this.post(d, request, n, { badSignature: Boolean(fault.badSignature), faults: [...applied, 'duplicate'], copy: true })).record : undefined;
    this.hold.sent(d.url);
    if (!this.alive(d)) return;

    const delay = this.options.policy.retryDelaysSeconds[n - 1];
    if (result.ok) this.log.finish(d, 'delivered');
    // A URL the outbound policy refuses stays refused: no retries.
    else if (permanent || delay === undefined) this.log.finish(d, 'failed');
    else {
      d.nextAttemptAt = new Date(this.options.clock.now() + delay * 1000).toISOString();
      this.log.later(d.key, delay * 1000, () => void this.attempt(d, request, n + 1));
    }
    // Listeners see the delivery as it stands after the attempt (its status, its next attempt).
    this.notify(d, result);
    if (copy) this.notify(d, copy);
  }

  private notify(d: WebhookDelivery, attempt: WebhookAttempt): void {
    try {
      this.options.onAttempt?.(d, attempt);
    } catch (err) {
      console.error('webhooks: attempt listener failed:', err);
    }
  }

  private async post(d: WebhookDelivery, request: SendRequest, n: number, how: { badSignature: boolean; faults: string[]; copy?: boolean }): Promise<PostOutcome> {
    const outcome = await this.poster.post(
      {
        url: d.url,
        body: JSON.stringify(d.payload),
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent ?? `video-api-sandbox-webhooks/${this.options.api}`,
          ...request.headers,
        },
        secret: request.secret === undefined ? undefined : how.badSignature ? `${request.secret}-not-the-secret` : request.secret,
        spoiled: how.badSignature,
        timeoutMs: this.options.timeoutMs ?? this.options.policy.timeoutSeconds * 1000,
      },
      { attempt: n, at: this.isoNow(), ...(how.faults.length ? { faults: how.faults } : {}), ...(how.copy ? { copy: true } : {}) },
    );
    if (this.alive(d)) d.attempts.push(outcome.record);
    return outcome;
  }
}
