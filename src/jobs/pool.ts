// A counting semaphore for heavy work (FFmpeg renders): at most `size` holders at once, the rest
// wait in FIFO order. A waiter can be withdrawn (job reset) without ever getting its slot.

export interface SlotRequest {
  /** resolves with the release function once a slot is granted */
  granted: Promise<() => void>;
  /** withdraw a request still waiting; a no-op once granted */
  cancel(): void;
}

export class WorkPool {
  private busy = 0;
  private waiting: { grant: (release: () => void) => void; cancelled: boolean }[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('a work pool needs at least one slot');
  }

  get inUse(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiting.filter((w) => !w.cancelled).length;
  }

  request(): SlotRequest {
    let entry!: { grant: (release: () => void) => void; cancelled: boolean };
    const granted = new Promise<() => void>((resolve) => {
      entry = { grant: resolve, cancelled: false };
    });
    this.waiting.push(entry);
    this.pump();
    return {
      granted,
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  private pump(): void {
    while (this.busy < this.size) {
      const next = this.waiting.shift();
      if (!next) return;
      if (next.cancelled) continue;
      this.busy += 1;
      let released = false;
      next.grant(() => {
        if (released) return;
        released = true;
        this.busy -= 1;
        this.pump();
      });
    }
  }
}
