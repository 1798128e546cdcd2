// Signed file links (createUrlSigner): a link is the path with its expiry and an HMAC over both;
// it verifies until it expires on the given clock, and any change to path, expiry or signature,
// or another key, makes it invalid.
import { describe, expect, it } from 'vitest';
import { createUrlSigner } from '../../src/engine/transport/files.ts';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

function parts(link: string) {
  const url = new URL(link, 'http://x.invalid');
  return { path: url.pathname, query: url.searchParams };
}

describe('createUrlSigner', () => {
  it('signs path + expiry; valid until the expiry, then expired (with when)', () => {
    let now = 1_700_000_000_000;
    const s = createUrlSigner(secret, 60, () => now);
    const link = s.sign('/files/api/video.mp4');
    expect(link).toMatch(/^\/files\/api\/video\.mp4\?expires=1700000060&signature=[0-9a-f]{32}$/);
    const { path, query } = parts(link);
    expect(s.check(path, query)).toEqual({ ok: true });
    now += 59_999;
    expect(s.check(path, query)).toEqual({ ok: true });
    now += 1;
    expect(s.check(path, query)).toEqual({ ok: false, reason: 'expired', expiredAt: 1_700_000_060_000 });
  });

  it('another path, expiry, signature or key → invalid; junk expiries never reach a number', () => {
    const s = createUrlSigner(secret, 60, () => 0);
    const { path, query } = parts(s.sign('/files/api/a.png'));
    expect(s.check('/files/api/b.png', query)).toEqual({ ok: false, reason: 'invalid' });
    const later = new URLSearchParams(query);
    later.set('expires', String(Number(query.get('expires')) + 1));
    expect(s.check(path, later)).toEqual({ ok: false, reason: 'invalid' });
    const flipped = new URLSearchParams(query);
    flipped.set('signature', query.get('signature')!.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    expect(s.check(path, flipped)).toEqual({ ok: false, reason: 'invalid' });
    const short = new URLSearchParams(query);
    short.set('signature', 'abc');
    expect(s.check(path, short)).toEqual({ ok: false, reason: 'invalid' });
    expect(createUrlSigner(Buffer.from('another key of 32 bytes.........'), 60, () => 0).check(path, query)).toEqual({ ok: false, reason: 'invalid' });
    for (const expires of ['', '-5', '1e9', '99999999999999999', 'NaN']) {
      const q = new URLSearchParams(query);
      q.set('expires', expires);
      expect(s.check(path, q).ok).toBe(false);
    }
    expect(s.check(path, new URLSearchParams())).toEqual({ ok: false, reason: 'invalid' });
  });
});
