// The record of webhook deliveries, per account (tenant): every delivery with its attempts, the
// sandbox timers of its pending retries (stopped when the account is forgotten), and a bounded
// history — at most `historyLimit` finished deliveries per account, the oldest dropped first.
import type { SandboxClock } from '../core/clock.ts';
import { TenantStore, type Resettable } from '../core/tenant-store.ts';

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

/** cancelled: the subscription went away before the delivery got through (no further attempts) */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped' | 'cancelled';

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

interface Book {
  deliveries: WebhookDelivery[];
  timers: Set<number>;
}

export class DeliveryLog implements Resettable {
  private readonly books: TenantStore<Book>;
  private seq = 0;
  private readonly order = new WeakMap<WebhookDelivery, number>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly historyLimit: number,
  ) {
    this.books = new TenantStore((book) => {
      for (const id of book.timers) clock.clearTimeout(id);
    });
  }

  add(d: WebhookDelivery): void {
    this.order.set(d, ++this.seq);
    this.books.upsert(d.key, () => ({ deliveries: [], timers: new Set() })).deliveries.push(d);
  }

  /** Still recorded (not forgotten by a reset). */
  holds(d: WebhookDelivery): boolean {
    return this.books.get(d.key)?.deliveries.includes(d) ?? false;
  }

  /** Run `fn` after `ms` of sandbox time, unless the account is forgotten first. */
  later(key: string, ms: number, fn: () => void): void {
    const book = this.books.get(key);
    if (!book) return;
    const id: number = this.clock.setTimeout(() => {
      book.timers.delete(id);
      fn();
    }, ms);
    book.timers.add(id);
  }

  /** Mark a delivery finished and trim the account's history. */
  finish(d: WebhookDelivery, status: Exclude<DeliveryStatus, 'pending'>): void {
    d.status = status;
    d.nextAttemptAt = null;
    const list = this.books.get(d.key)?.deliveries;
    if (!list) return;
    let finished = list.filter((x) => x.status !== 'pending').length;
    for (let i = 0; finished > this.historyLimit && i < list.length; ) {
      if (list[i]!.status !== 'pending') {
        list.splice(i, 1);
        finished -= 1;
      } else i += 1;
    }
  }

  /** Deliveries of one account (or all), newest first. */
  list(filter: { key?: string; subject?: string; limit?: number } = {}): WebhookDelivery[] {
    const books = filter.key === undefined ? [...this.books.values()] : [this.books.get(filter.key)].filter((b): b is Book => !!b);
    const out = books
      .flatMap((b) => b.deliveries)
      .filter((d) => filter.subject === undefined || d.subject === filter.subject)
      .sort((a, b) => this.order.get(b)! - this.order.get(a)!);
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  reset(key?: string): void {
    this.books.reset(key);
  }
}
