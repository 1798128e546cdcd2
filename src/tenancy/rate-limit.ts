// Fixed-window request counting on the sandbox clock. Windows are aligned to multiples of their
// length (so X-RateLimit-Reset is predictable), and a window's counters are dropped when it ends,
// which keeps memory bounded by the number of callers seen in one window. Counters are kept per
// tenant (an account's key, or a client address) and, within it, per bucket (the per-minute limit,
// a route's "10 per 1 day"), so resetting one tenant touches no other.
import type { Resettable } from '../core/tenant-store.ts';

/** What an unlimited caller is told: headers stay integers on every response, never a reason to wait. */
export const UNLIMITED = 2147483647;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends */
  reset: number;
  /** seconds until the window ends, at least 1 */
  retryAfter: number;
}

/** Who is counted: an account by key, or an anonymous caller by address. */
export type RateTenant = { key: string } | { address: string };

const tenantId = (t: RateTenant) => ('key' in t ? `key ${t.key}` : `addr ${t.address}`);

interface Window {
  index: number;
  /** tenant → bucket → count */
  counts: Map<string, Map<string, number>>;
}

export class FixedWindowLimiter implements Resettable {
  // One counter set per window length (the per-minute limit, route limits of "10 per 1 day", …).
  private windows = new Map<number, Window>();

  constructor(
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  /**
   * Count one request of `tenant` in `bucket` against `limit` (null = unlimited, still reported),
   * in windows of `windowSeconds` (default: the API's window).
   */
  consume(tenant: RateTenant, limit: number | null, options: { bucket?: string; windowSeconds?: number; count?: number } = {}): RateDecision {
    const { bucket = '', windowSeconds = this.windowSeconds, count = 1 } = options;
    const nowMs = this.now();
    const windowMs = windowSeconds * 1000;
    const index = Math.floor(nowMs / windowMs);
    let w = this.windows.get(windowSeconds);
    if (!w) this.windows.set(windowSeconds, (w = { index, counts: new Map() }));
    if (index !== w.index) {
      w.index = index;
      w.counts.clear();
    }
    const endMs = (index + 1) * windowMs;
    const reset = Math.ceil(endMs / 1000);
    const retryAfter = Math.max(1, Math.ceil((endMs - nowMs) / 1000));
    if (limit === null) return { allowed: true, limit: UNLIMITED, remaining: UNLIMITED, reset, retryAfter };
    const id = tenantId(tenant);
    let buckets = w.counts.get(id);
    const used = (buckets?.get(bucket) ?? 0) + count;
    if (count) {
      if (!buckets) w.counts.set(id, (buckets = new Map()));
      buckets.set(bucket, used);
    }
    return { allowed: used <= limit, limit, remaining: Math.max(0, limit - used), reset, retryAfter };
  }

  /** The state of a tenant's main bucket without counting (CORS preflights, which browsers send on their own). */
  peek(tenant: RateTenant, limit: number | null): RateDecision {
    const d = this.consume(tenant, limit, { count: 0 });
    return { ...d, allowed: d.remaining > 0 || limit === null };
  }

  /** Forget counts: one account's (by key), or everyone's. */
  reset(key?: string): void {
    for (const w of this.windows.values()) {
      if (key === undefined) w.counts.clear();
      else w.counts.delete(tenantId({ key }));
    }
  }
}
