// The sandbox clock: every window, lifecycle timer and webhook retry reads time and schedules work
// here, never on Date.now()/setTimeout directly, so tests can scale or freeze time.
//  - real:   sandbox time = wall time
//  - scaled: sandbox time runs `scale` times faster than wall time (from the moment of switching)
//  - manual: sandbox time stands still until advance() moves it; due timers fire during advance()

import { TimerHeap, type HeapTimer } from './timer-heap.ts';

export type ClockMode = 'real' | 'scaled' | 'manual';

export interface ClockState {
  mode: ClockMode;
  scale: number;
  now: string;
  nowMs: number;
  pendingTimers: number;
}

export class SandboxClock {
  // Manual until the constructor's set(): the start time is then taken exactly, not start plus
  // the wall time that passed while the fields were initialised (a tick under load).
  private mode: ClockMode = 'manual';
  private scale = 1;
  // sandbox time = base + (wall - wallBase) * scale (real/scaled); = base (manual)
  private base = Date.now();
  private wallBase = Date.now();
  private readonly timers = new TimerHeap();
  private nextId = 1;
  private wake: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: { mode?: ClockMode; scale?: number; start?: number } = {}) {
    if (options.start !== undefined) this.base = options.start;
    this.set(options.mode ?? 'real', options.scale);
  }

  now(): number {
    if (this.mode === 'manual') return this.base;
    return this.base + (Date.now() - this.wallBase) * this.scale;
  }

  state(): ClockState {
    const now = this.now();
    return { mode: this.mode, scale: this.scale, now: new Date(now).toISOString(), nowMs: now, pendingTimers: this.timers.size };
  }

  /** Switch mode; sandbox time is continuous across switches. */
  set(mode: ClockMode, scale?: number): void {
    if (mode === 'scaled' && (scale === undefined || !(scale > 0))) throw new RangeError('scaled mode needs a scale > 0');
    this.base = this.now();
    this.wallBase = Date.now();
    this.mode = mode;
    this.scale = mode === 'scaled' ? scale! : 1;
    this.reschedule();
  }

  /**
   * A fresh start (full sandbox reset): the given mode, sandbox time back in step with wall time.
   * Pending timers keep their remaining delays.
   */
  restart(mode: ClockMode = 'real', scale?: number): void {
    this.timers.shift(Date.now() - this.now());
    this.base = Date.now();
    this.wallBase = this.base;
    this.mode = 'real';
    this.set(mode, scale);
  }

  /** Move sandbox time forward, firing due timers in order (each sees now() = its due time). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('advance needs a non-negative duration');
    const target = this.now() + ms;
    for (;;) {
      const next = this.timers.peek();
      if (!next || next.due > target) break;
      this.timers.pop();
      this.jumpTo(Math.max(next.due, this.now()));
      this.run(next);
    }
    this.jumpTo(target);
    this.reschedule();
  }

  setTimeout(fn: () => void, ms: number): number {
    const timer: HeapTimer = { id: this.nextId++, due: this.now() + Math.max(0, ms), fn };
    const first = this.timers.peek();
    this.timers.push(timer);
    // Only a new earliest timer moves the wall-clock wake-up.
    if (!first || timer.due < first.due) this.reschedule();
    return timer.id;
  }

  clearTimeout(id: number): void {
    this.timers.remove(id);
  }

  /** Stop the wall-clock wake-up for good (sandbox close): timers set afterwards never arm one. */
  close(): void {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
  }

  private jumpTo(t: number): void {
    this.base = t;
    this.wallBase = Date.now();
  }

  private run(timer: HeapTimer): void {
    try {
      timer.fn();
    } catch (err) {
      // A timer callback must not take the clock down; callers handle their own errors.
      console.error('sandbox clock: timer callback failed:', err);
    }
  }

  private fireDue(): void {
    const now = this.now();
    for (let next = this.timers.peek(); next && next.due <= now; next = this.timers.peek()) this.run(this.timers.pop()!);
    this.reschedule();
  }

  private reschedule(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    const next = this.timers.peek();
    if (!next || this.mode === 'manual' || this.closed) return;
    const wallDelay = Math.max(0, (next.due - this.now()) / this.scale);
    this.wake = setTimeout(() => this.fireDue(), Math.min(wallDelay, 2 ** 31 - 1));
    this.wake.unref();
  }
}
