// The one counting semaphore of the sandbox: at most `capacity` holders at once. Waiters are
// grouped by tenant and served round-robin across tenants (first come, first served within one),
// so a tenant that queues a hundred jobs cannot make another tenant's single job wait behind
// them all. A waiter withdraws by aborting its signal; a release hands the slot straight on.
// With `maxPerTenant`, one tenant holds at most that many slots at once even when the others are
// idle, so a slot is free the moment another tenant's job arrives (renders cannot be preempted:
// without it, a flood fills every slot and a newcomer waits for a whole render).

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

export interface SemaphoreOptions {
  /** slots one tenant may hold at once; default: all of them */
  maxPerTenant?: number;
}

export class Semaphore {
  private running = 0;
  private peak = 0;
  private waiting = 0;
  // Insertion order of the map is the round-robin order; a tenant leaves it when its queue empties.
  private readonly queues = new Map<string, Waiter[]>();
  private readonly held = new Map<string, number>();
  readonly maxPerTenant: number;

  constructor(
    readonly capacity: number,
    options: SemaphoreOptions = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
    this.maxPerTenant = Math.min(capacity, options.maxPerTenant ?? capacity);
    if (!Number.isInteger(this.maxPerTenant) || this.maxPerTenant < 1) throw new RangeError('maxPerTenant must be an integer ≥ 1');
  }

  /** Wait for a slot; resolves to an idempotent release function, rejects if `signal` aborts first. */
  acquire(options: { tenant?: string; signal?: AbortSignal } = {}): Promise<() => void> {
    const { tenant = '', signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.remove(waiter)) reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter: Waiter = {
        tenant,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser(tenant));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let queue = this.queues.get(tenant);
      if (!queue) this.queues.set(tenant, (queue = []));
      queue.push(waiter);
      this.waiting++;
      this.dispatch();
    });
  }

  stats(): SemaphoreStats {
    return { active: this.running, queued: this.waiting, peakActive: this.peak };
  }

  /** Waiters of one tenant (for a bounded queue per tenant). */
  queuedFor(tenant: string): number {
    return this.queues.get(tenant)?.length ?? 0;
  }

  private heldBy(tenant: string): number {
    return this.held.get(tenant) ?? 0;
  }

  private releaser(tenant: string): () => void {
    this.held.set(tenant, this.heldBy(tenant) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.heldBy(tenant) - 1;
      if (left > 0) this.held.set(tenant, left);
      else this.held.delete(tenant);
      this.running--;
      this.dispatch();
    };
  }

  /** Grant free slots to eligible waiters, round-robin (synchronously: nothing can overshoot). */
  private dispatch(): void {
    while (this.running < this.capacity) {
      const next = this.next();
      if (!next) return;
      this.running++;
      this.peak = Math.max(this.peak, this.running);
      next.grant();
    }
  }

  /**
   * The head of the first tenant's queue that may take a slot (below its per-tenant share); that
   * tenant moves to the back of the rotation.
   */
  private next(): Waiter | undefined {
    for (const [tenant, queue] of this.queues) {
      if (this.heldBy(tenant) >= this.maxPerTenant) continue;
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
