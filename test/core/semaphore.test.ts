// The one semaphore: the cap holds, waiters withdraw by abort, and tenants are served round-robin
// so that one tenant's queue cannot hold up another's single waiter.
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/core/semaphore.ts';

describe('Semaphore', () => {
  it('never grants more than its capacity; a release hands the slot on', async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    const releases = await Promise.all([s.acquire(), s.acquire()]);
    const third = s.acquire().then((r) => (order.push('third'), r));
    await Promise.resolve();
    expect(s.stats()).toEqual({ active: 2, queued: 1, peakActive: 2 });
    releases[0]!();
    releases[0]!(); // idempotent
    const r3 = await third;
    expect(order).toEqual(['third']);
    expect(s.stats()).toEqual({ active: 2, queued: 0, peakActive: 2 });
    releases[1]!();
    r3();
    expect(s.stats().active).toBe(0);
  });

  it('a waiter that aborts is withdrawn and never granted', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const ac = new AbortController();
    const waiting = s.acquire({ signal: ac.signal });
    ac.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(s.stats().queued).toBe(0);
    held();
    expect(s.stats().active).toBe(0);
    await expect(s.acquire({ signal: AbortSignal.abort() })).rejects.toBeTruthy();
  });

  it('serves tenants round-robin: a flood from one does not starve another', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire({ tenant: 'flood' });
    const granted: string[] = [];
    // Each waiter notes its turn and gives the slot back on the next tick.
    const take = (tenant: string, name: string) =>
      s.acquire({ tenant }).then((release) => {
        granted.push(name);
        setImmediate(release);
      });
    const waits = [...Array.from({ length: 5 }, (_, i) => take('flood', `flood${i}`)), take('small', 'small')];
    expect(s.queuedFor('flood')).toBe(5);
    held();
    await Promise.all(waits);
    // The small tenant's one job comes right after the flood's first, not after all five.
    expect(granted).toEqual(['flood0', 'small', 'flood1', 'flood2', 'flood3', 'flood4']);
  });
});
