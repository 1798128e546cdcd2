// The `reorder` webhook fault: an attempt is held back until the next delivery to the same URL
// has gone out, or — if none comes — until a fallback delay of sandbox time has passed.
import type { SandboxClock } from '../core/clock.ts';

interface Held {
  url: string;
  release: () => void;
  timer: number;
}

export class ReorderHold {
  private held: Held[] = [];

  constructor(private readonly clock: SandboxClock) {}

  /** Resolves once another delivery to `url` went out, or after `fallbackMs`. */
  wait(url: string, fallbackMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const held: Held = {
        url,
        release: () => {
          this.clock.clearTimeout(held.timer);
          this.held = this.held.filter((h) => h !== held);
          resolve();
        },
        timer: this.clock.setTimeout(() => held.release(), fallbackMs),
      };
      this.held.push(held);
    });
  }

  /** A delivery to `url` went out: let the held ones go. */
  sent(url: string): void {
    for (const h of this.held.filter((x) => x.url === url)) h.release();
  }

  clear(): void {
    for (const h of this.held) this.clock.clearTimeout(h.timer);
    this.held = [];
  }
}
