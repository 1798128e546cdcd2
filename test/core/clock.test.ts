// The sandbox clock's timers: a heap, so order must be exactly "due time, then the order they
// were set", cancelling must remove exactly one, and a manual clock fires them in advance().
import { describe, expect, it } from 'vitest';
import { SandboxClock } from '../../src/core/clock.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { TimerHeap } from '../../src/core/timer-heap.ts';

describe('TimerHeap', () => {
  it('pops in (due, id) order through random pushes and removals, like a sorted list', () => {
    const random = new SeededRandom(7);
    const heap = new TimerHeap();
    let reference: { id: number; due: number }[] = [];
    let id = 0;
    for (let step = 0; step < 5000; step++) {
      const r = random.next();
      if (r < 0.55) {
        const t = { id: ++id, due: Math.floor(random.next() * 50), fn: () => undefined };
        heap.push(t);
        reference.push(t);
      } else if (r < 0.75 && reference.length) {
        const victim = reference[Math.floor(random.next() * reference.length)]!;
        expect(heap.remove(victim.id)).toBe(true);
        reference = reference.filter((t) => t !== victim);
      } else {
        reference.sort((a, b) => a.due - b.due || a.id - b.id);
        const want = reference.shift();
        expect(heap.pop()?.id).toBe(want?.id);
      }
      expect(heap.size).toBe(reference.length);
    }
    expect(heap.remove(-1)).toBe(false);
  });
});

describe('SandboxClock timers', () => {
  it('fires due timers in order during advance(), each seeing its own due time; a cleared one never fires', () => {
    const clock = new SandboxClock({ mode: 'manual', start: 1_000_000 });
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 15);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20);
    clock.clearTimeout(cancelled);
    expect(clock.state().pendingTimers).toBe(3);
    clock.advance(15);
    expect(fired).toEqual([['a', 1_000_010]]);
    clock.advance(100);
    expect(fired).toEqual([['a', 1_000_010], ['b', 1_000_020], ['c', 1_000_020]]);
    expect(clock.state().pendingTimers).toBe(0);
    clock.close();
  });

  it('a timer set from inside a firing timer, due within the same advance, fires in that advance', () => {
    const clock = new SandboxClock({ mode: 'manual', start: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
    clock.close();
  });

  it('real mode wakes for the earliest timer even when it is set after a later one', async () => {
    const clock = new SandboxClock({ mode: 'real' });
    const order: string[] = [];
    clock.setTimeout(() => order.push('late'), 400);
    await new Promise<void>((resolve) => clock.setTimeout(() => (order.push('early'), resolve()), 20));
    expect(order).toEqual(['early']);
    clock.close();
  });
});
