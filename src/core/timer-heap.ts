// A binary min-heap of timers ordered by due time, then by id (so timers due at the same moment
// fire in the order they were set). Insert, cancel and pop are O(log n): a sandbox with 100k
// queued jobs holds 100k timers, and setting one more must not cost a scan of them all.

export interface HeapTimer {
  id: number;
  /** sandbox ms */
  due: number;
  fn: () => void;
}

interface Slot extends HeapTimer {
  at: number;
}

export class TimerHeap {
  private readonly heap: Slot[] = [];
  private readonly byId = new Map<number, Slot>();

  get size(): number {
    return this.heap.length;
  }

  peek(): HeapTimer | undefined {
    return this.heap[0];
  }

  push(timer: HeapTimer): void {
    const slot: Slot = { ...timer, at: this.heap.length };
    this.heap.push(slot);
    this.byId.set(slot.id, slot);
    this.up(slot.at);
  }

  pop(): HeapTimer | undefined {
    const top = this.heap[0];
    if (top) this.removeAt(0);
    return top;
  }

  /** Cancel by id; false when no such timer is pending. */
  remove(id: number): boolean {
    const slot = this.byId.get(id);
    if (!slot) return false;
    this.removeAt(slot.at);
    return true;
  }

  /** Move every timer by the same amount (the order cannot change). */
  shift(ms: number): void {
    for (const t of this.heap) t.due += ms;
  }

  private removeAt(i: number): void {
    const slot = this.heap[i]!;
    this.byId.delete(slot.id);
    const last = this.heap.pop()!;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    last.at = i;
    this.up(i);
    this.down(last.at);
  }

  private before(a: Slot, b: Slot): boolean {
    return a.due < b.due || (a.due === b.due && a.id < b.id);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.at = j;
    b.at = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(this.heap[l]!, this.heap[best]!)) best = l;
      if (r < this.heap.length && this.before(this.heap[r]!, this.heap[best]!)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
