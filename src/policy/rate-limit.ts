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

export class FixedWindowLimiter {
  private windowIndex = -1;
  private counts = new Map<string, number>();

  constructor(
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Count one request for `bucket` against `limit` (null = unlimited, still reported). */
  consume(bucket: string, limit: number | null): RateDecision {
    const nowMs = this.now();
    const windowMs = this.windowSeconds * 1000;
    const index = Math.floor(nowMs / windowMs);
    if (index !== this.windowIndex) {
      this.windowIndex = index;
      this.counts.clear();
    }
    const endMs = (index + 1) * windowMs;
    const reset = Math.ceil(endMs / 1000);
    const retryAfter = Math.max(1, Math.ceil((endMs - nowMs) / 1000));
    if (limit === null) return { allowed: true, limit: UNLIMITED, remaining: UNLIMITED, reset, retryAfter };
    const used = (this.counts.get(bucket) ?? 0) + 1;
    this.counts.set(bucket, used);
    return { allowed: used <= limit, limit, remaining: Math.max(0, limit - used), reset, retryAfter };
  }

  /** Forget counts (sandbox reset); with a prefix, only buckets starting with it. */
  reset(prefix?: string): void {
    if (prefix === undefined) this.counts.clear();
    else for (const k of this.counts.keys()) if (k.startsWith(prefix)) this.counts.delete(k);
  }
}
