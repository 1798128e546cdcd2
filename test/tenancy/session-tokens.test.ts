// Session tokens: minted per account with an expiry on the given clock and optional scopes;
// unknown, expired and reset tokens are told apart; the store is bounded per account.
import { describe, expect, it } from 'vitest';
import { bearerToken, SessionTokens } from '../../src/tenancy/session-tokens.ts';

describe('SessionTokens', () => {
  it('resolves a token to its account until it expires; a made-up one is unknown', () => {
    let now = 1000;
    const tokens = new SessionTokens(() => now);
    const t = tokens.mint('key_a', { ttlSeconds: 10, scopes: ['videos:read'] });
    expect(t.token).toMatch(/^sbt_[A-Za-z0-9_-]{32}$/);
    expect(tokens.lookup(t.token)).toEqual({ ok: true, token: { token: t.token, key: 'key_a', expiresAt: 11_000, scopes: ['videos:read'] } });
    now = 10_999;
    expect(tokens.lookup(t.token).ok).toBe(true);
    now = 11_000;
    expect(tokens.lookup(t.token)).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.lookup('sbt_forged')).toEqual({ ok: false, reason: 'unknown' });
    expect(tokens.mint('key_a', { ttlSeconds: 1 }).token).not.toBe(t.token);
  });

  it('reset forgets one account’s tokens (or all); at most 100 kept per account', () => {
    const tokens = new SessionTokens(() => 0);
    const a = tokens.mint('a', { ttlSeconds: 60 });
    const b = tokens.mint('b', { ttlSeconds: 60 });
    tokens.reset('a');
    expect(tokens.lookup(a.token)).toEqual({ ok: false, reason: 'unknown' });
    expect(tokens.lookup(b.token).ok).toBe(true);
    tokens.reset();
    expect(tokens.lookup(b.token).ok).toBe(false);
    const many = Array.from({ length: 101 }, () => tokens.mint('c', { ttlSeconds: 60 }).token);
    expect(tokens.lookup(many[0]!)).toEqual({ ok: false, reason: 'unknown' });
    expect(tokens.lookup(many[100]!).ok).toBe(true);
  });

  it('bearerToken reads the scheme case-insensitively and nothing else', () => {
    expect(bearerToken('Bearer abc', 'Bearer')).toBe('abc');
    expect(bearerToken('bearer   abc ', 'Bearer')).toBe('abc');
    expect(bearerToken('Basic abc', 'Bearer')).toBeUndefined();
    expect(bearerToken('Bearer', 'Bearer')).toBeUndefined();
    expect(bearerToken('Bearer ', 'Bearer')).toBeUndefined();
    expect(bearerToken(undefined, 'Bearer')).toBeUndefined();
    expect(bearerToken(['Bearer x', 'Bearer y'], 'Bearer')).toBe('x');
  });
});
