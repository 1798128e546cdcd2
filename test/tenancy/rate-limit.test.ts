// The fixed-window limiter on a hand-moved clock: window alignment, reset times, unlimited callers,
// tenant and bucket isolation, exact resets, peeks that do not count.
import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter, UNLIMITED, type RateTenant } from '../../src/tenancy/rate-limit.ts';

function limiter(startMs: number, windowSeconds = 60) {
  const clock = { ms: startMs };
  return { clock, limiter: new FixedWindowLimiter(windowSeconds, () => clock.ms) };
}

const alice: RateTenant = { key: 've_test_alice_aaaaaaaa' };
const bob: RateTenant = { key: 've_test_bob_bbbbbbbb' };

describe('FixedWindowLimiter', () => {
  it('allows exactly `limit` requests per window, then refuses with remaining 0', () => {
    const { limiter: l } = limiter(1_700_000_000_000);
    const decisions = Array.from({ length: 5 }, () => l.consume(alice, 3));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(decisions.every((d) => d.limit === 3)).toBe(true);
  });

  it('windows are aligned to multiples of their length, not to the first request', () => {
    // 1_700_000_000 s is 20 s into a minute (1_700_000_000 % 60 = 20).
    const { clock, limiter: l } = limiter(1_700_000_000_000 + 10_500);
    const first = l.consume(alice, 2);
    const windowEnd = Math.ceil((1_700_000_000_000 + 10_500) / 60_000) * 60_000;
    expect(first.reset).toBe(windowEnd / 1000);
    expect(first.reset % 60).toBe(0);
    expect(first.retryAfter).toBe(Math.ceil((windowEnd - clock.ms) / 1000));
    l.consume(alice, 2);
    expect(l.consume(alice, 2).allowed).toBe(false);
    // One millisecond before the boundary: still the same window.
    clock.ms = windowEnd - 1;
    const last = l.consume(alice, 2);
    expect(last).toMatchObject({ allowed: false, reset: windowEnd / 1000, retryAfter: 1 });
    // At the boundary: a fresh window, the next reset a whole window later.
    clock.ms = windowEnd;
    const fresh = l.consume(alice, 2);
    expect(fresh).toMatchObject({ allowed: true, remaining: 1, reset: windowEnd / 1000 + 60, retryAfter: 60 });
  });

  it('retryAfter counts down with the clock and is never below 1', () => {
    const { clock, limiter: l } = limiter(0);
    expect(l.consume(alice, 10).retryAfter).toBe(60);
    clock.ms = 59_000;
    expect(l.consume(alice, 10).retryAfter).toBe(1);
    clock.ms = 59_999;
    expect(l.consume(alice, 10).retryAfter).toBe(1);
    clock.ms = 30_001;
    expect(l.consume(alice, 10).retryAfter).toBe(30);
  });

  it('a window length other than the API’s (a route’s "10 per 1 day") has its own alignment and count', () => {
    const day = 86_400;
    const { clock, limiter: l } = limiter(day * 1000 * 19_000 + 3_600_000); // 01:00 on some day
    const d = l.consume(alice, 10, { bucket: 'route', windowSeconds: day });
    expect(d).toMatchObject({ allowed: true, remaining: 9, reset: day * 19_001, retryAfter: 23 * 3600 });
    // The per-minute count is separate.
    expect(l.consume(alice, 60)).toMatchObject({ remaining: 59, reset: day * 19_000 + 3600 + 60 });
    // A new minute does not clear the day's count.
    clock.ms += 120_000;
    expect(l.consume(alice, 10, { bucket: 'route', windowSeconds: day }).remaining).toBe(8);
    expect(l.consume(alice, 60).remaining).toBe(59);
  });

  it('count: several units at once', () => {
    const { limiter: l } = limiter(0);
    expect(l.consume(alice, 5, { count: 4 })).toMatchObject({ allowed: true, remaining: 1 });
    expect(l.consume(alice, 5, { count: 2 })).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('null is unlimited: always allowed, integer headers, nothing counted', () => {
    const { limiter: l } = limiter(5_000);
    for (let i = 0; i < 1000; i++) expect(l.consume(alice, null).allowed).toBe(true);
    const d = l.consume(alice, null);
    expect(d).toEqual({ allowed: true, limit: UNLIMITED, remaining: UNLIMITED, reset: 60, retryAfter: 55 });
    expect(Number.isInteger(d.limit)).toBe(true);
    // The unlimited calls left no count behind: a limit applied later starts from zero.
    expect(l.consume(alice, 2).remaining).toBe(1);
  });

  it('tenants are isolated: keys from each other, keys from addresses, buckets within a tenant', () => {
    const { limiter: l } = limiter(0);
    l.consume(alice, 2);
    l.consume(alice, 2);
    expect(l.consume(alice, 2).allowed).toBe(false);
    expect(l.consume(bob, 2).remaining).toBe(1);
    // An address that spells the same string as a key is another tenant.
    expect(l.consume({ address: alice.key }, 2).remaining).toBe(1);
    expect(l.consume({ address: '127.0.0.1' }, 2).remaining).toBe(1);
    // A named bucket of alice's is counted apart from her main one.
    expect(l.consume(alice, 2, { bucket: 'route' }).remaining).toBe(1);
    expect(l.consume(alice, 2).allowed).toBe(false);
  });

  it('reset(key) forgets exactly that key: not a key it is a prefix of, not an address', () => {
    const { limiter: l } = limiter(0);
    const shortKey = { key: 've_test_demo_aaaaaaaa' };
    const longKey = { key: 've_test_demo_aaaaaaaa_2' };
    const address = { address: 've_test_demo_aaaaaaaa' };
    for (const t of [shortKey, longKey, address]) {
      l.consume(t, 5, { count: 3 });
      l.consume(t, 5, { bucket: 'route', count: 2 });
    }
    l.reset(shortKey.key);
    expect(l.consume(shortKey, 5).remaining).toBe(4);
    expect(l.consume(shortKey, 5, { bucket: 'route' }).remaining).toBe(4);
    expect(l.consume(longKey, 5).remaining).toBe(1);
    expect(l.consume(longKey, 5, { bucket: 'route' }).remaining).toBe(2);
    expect(l.consume(address, 5).remaining).toBe(1);
    // And the reverse: resetting the longer key leaves the shorter one.
    l.reset(longKey.key);
    expect(l.consume(longKey, 5).remaining).toBe(4);
    expect(l.consume(shortKey, 5).remaining).toBe(3);
  });

  it('reset() forgets every tenant in every window', () => {
    const { limiter: l } = limiter(0);
    l.consume(alice, 1);
    l.consume({ address: '10.0.0.1' }, 1);
    l.consume(bob, 1, { bucket: 'route', windowSeconds: 86_400 });
    l.reset();
    expect(l.consume(alice, 1).allowed).toBe(true);
    expect(l.consume({ address: '10.0.0.1' }, 1).allowed).toBe(true);
    expect(l.consume(bob, 1, { bucket: 'route', windowSeconds: 86_400 }).allowed).toBe(true);
  });

  it('peek shows the state without counting', () => {
    const { limiter: l } = limiter(0);
    for (let i = 0; i < 10; i++) expect(l.peek(alice, 2)).toMatchObject({ allowed: true, remaining: 2, limit: 2 });
    l.consume(alice, 2);
    expect(l.peek(alice, 2)).toMatchObject({ allowed: true, remaining: 1 });
    l.consume(alice, 2);
    // Exhausted: the peek says so (a preflight would be refused) but still counts nothing.
    expect(l.peek(alice, 2)).toMatchObject({ allowed: false, remaining: 0, reset: 60 });
    expect(l.peek(alice, null)).toMatchObject({ allowed: true, remaining: UNLIMITED });
    // Peeking a tenant never seen adds nothing for it.
    l.peek(bob, 2);
    l.peek(bob, 2);
    expect(l.consume(bob, 2).remaining).toBe(1);
  });
});
