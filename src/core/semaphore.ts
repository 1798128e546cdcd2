/**
 * Counting semaphore: caps how many renders one renderer runs at once (its `maxConcurrent`).
 * Waiters are served first come, first served; the peak is kept so tests can see the cap hold.
 */
export class Semaphore {
  private running = 0;
  private peak = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
  }

  /** Wait for a slot; resolves to a release function (idempotent). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running >= this.capacity) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiters.indexOf(grant);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal?.reason ?? new Error('aborted'));
        };
        const grant = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(grant);
      });
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Hand the slot straight to the next waiter so `running` never dips and overshoots.
      if (next) next();
      else this.running--;
    };
  }

  get active(): number { return this.running; }
  get queued(): number { return this.waiters.length; }
  get peakActive(): number { return this.peak; }
}
