// The one counting semaphore of the sandbox: at most `capacity` holders at once. Waiters are
// grouped by tenant and served round-robin across tenants (first come, first served within one),
// so a tenant that queues a hundred jobs cannot make another tenant's single job wait behind
// them all. A waiter withdraws by aborting its signal; a release hands the slot straight on.

export interface SemaphoreStats {
  /** slots held now */
  active: number;
  /** waiters not yet granted */
  queued: number;
  /** the most slots ever held at once */
  peakActive: number;
}

interface Waiter {
  tenant: string;
  grant: () => void;
}

export class Semaphore {
  private running = 0;
  private peak = 0;
  private waiting = 0;
  // Insertion order of the map is the round-robin order; a tenant leaves it when its queue empties.
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
  }

  /** Wait for a slot; resolves to an idempotent release function, rejects if `signal` aborts first. */
  acquire(options: { tenant?: string; signal?: AbortSignal } = {}): Promise<() => void> {
    const { tenant = '', signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    if (this.running < this.capacity && this.waiting === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.remove(waiter)) reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = {
        tenant,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let queue = this.queues.get(tenant);
      if (!queue) this.queues.set(tenant, (queue = []));
      queue.push(waiter);
      this.waiting++;
    });
  }

  stats(): SemaphoreStats {
    return { active: this.running, queued: this.waiting, peakActive: this.peak };
  }

  /** Waiters of one tenant (for a bounded queue per tenant). */
  queuedFor(tenant: string): number {
    return this.queues.get(tenant)?.length ?? 0;
  }

  private releaser(): () => void {
    this.peak = Math.max(this.peak, this.running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.next();
      // Hand the slot straight to the next waiter, so `running` never dips and overshoots.
      if (next) {
        this.peak = Math.max(this.peak, this.running);
        next.grant();
      } else this.running--;
    };
  }

  /** The head of the first tenant's queue; that tenant moves to the back of the rotation. */
  private next(): Waiter | undefined {
    for (const [tenant, queue] of this.queues) {
      const waiter = queue.shift();
      this.queues.delete(tenant);
      if (queue.length) this.queues.set(tenant, queue);
      if (waiter) {
        this.waiting--;
        return waiter;
      }
    }
    return undefined;
  }

  private remove(waiter: Waiter): boolean {
    const queue = this.queues.get(waiter.tenant);
    const at = queue?.indexOf(waiter) ?? -1;
    if (!queue || at === -1) return false;
    queue.splice(at, 1);
    if (!queue.length) this.queues.delete(waiter.tenant);
    this.waiting--;
    return true;
  }
}
