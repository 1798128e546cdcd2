// Fixed-window request counting on the sandbox clock. Windows are aligned to multiples of their
// length (so X-RateLimit-Reset is predictable), and a window's counters are dropped when it ends,
// which keeps memory bounded by the number of callers seen in one window.

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

interface Window {
  index: number;
  counts: Map<string, number>;
}

export class FixedWindowLimiter {
  // One counter set per window length (the per-minute limit, route limits of "10 per 1 day", …).
  private windows = new Map<number, Window>();

  constructor(
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  /**
   * Count one request for `bucket` against `limit` (null = unlimited, still reported), in windows
   * of `windowSeconds` (default: the API's window).
   */
  consume(bucket: string, limit: number | null, windowSeconds = this.windowSeconds, count = 1): RateDecision {
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
    const used = (w.counts.get(bucket) ?? 0) + count;
    if (count) w.counts.set(bucket, used);
    return { allowed: used <= limit, limit, remaining: Math.max(0, limit - used), reset, retryAfter };
  }

  /** The state of a bucket without counting a request (CORS preflights, which browsers send on their own). */
  peek(bucket: string, limit: number | null): RateDecision {
    const d = this.consume(bucket, limit, this.windowSeconds, 0);
    return { ...d, allowed: d.remaining > 0 || limit === null };
  }

  /** Forget counts (sandbox reset); with a key, only the buckets that name it. */
  reset(prefix?: string): void {
    for (const w of this.windows.values()) {
      if (prefix === undefined) w.counts.clear();
      else for (const k of w.counts.keys()) if (k.includes(prefix)) w.counts.delete(k);
    }
  }
}
