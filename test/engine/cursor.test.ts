// Opaque cursors and newest-first pages, as pure functions.
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf } from '../../src/engine/cursor.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** Items with seq 10 … 1, newest first, as the stores keep them. */
const items = Array.from({ length: 10 }, (_, i) => ({ seq: 10 - i, name: `item-${10 - i}` }));
const seqs = (page: { seq: number }[]) => page.map((i) => i.seq);

describe('cursors', () => {
  it('round-trip every positive sequence number, as URL-safe text', () => {
    for (const seq of [1, 2, 9, 10, 255, 65_536, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const c = encodeCursor(seq);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(c)).toBe(seq);
    }
    expect(encodeCursor(1)).not.toBe(encodeCursor(2));
  });

  it('anything that is not one of ours decodes to undefined', () => {
    const garbage = [
      '',
      'abc',
      'not a cursor at all',
      '%%%',
      b64('hello'),
      b64('null'),
      b64('[1]'),
      b64('{}'),
      b64('{"s":"5"}'),
      b64('{"s":1.5}'),
      b64('{"s":0}'),
      b64('{"s":-3}'),
      b64('{"s":1e400}'),
      b64('{"s":null}'),
      b64('{"seq":5}'),
      encodeCursor(5).slice(0, -3),
    ];
    for (const g of garbage) expect(decodeCursor(g), JSON.stringify(g)).toBeUndefined();
  });
});

describe('pageOf', () => {
  it('the first page is the newest `limit` items', () => {
    const p = pageOf(items, 3);
    expect(seqs(p.page)).toEqual([10, 9, 8]);
    expect(p.hasMore).toBe(true);
    expect(decodeCursor(p.nextCursor!)).toBe(8);
  });

  it('after: only items older than the cursor’s item, even when that item is gone', () => {
    expect(seqs(pageOf(items, 3, 8).page)).toEqual([7, 6, 5]);
    const withoutSeven = items.filter((i) => i.seq !== 7);
    expect(seqs(pageOf(withoutSeven, 2, 7).page)).toEqual([6, 5]);
  });

  it('the last page: hasMore false and no next cursor, also when it is exactly full', () => {
    const exactly = pageOf(items, 3, 4);
    expect(seqs(exactly.page)).toEqual([3, 2, 1]);
    expect(exactly).toMatchObject({ hasMore: false, nextCursor: null });
    const short = pageOf(items, 3, 2);
    expect(seqs(short.page)).toEqual([1]);
    expect(short).toMatchObject({ hasMore: false, nextCursor: null });
    // One more than the limit left: there is a next page, holding exactly that one.
    const oneOver = pageOf(items, 3, 5);
    expect(oneOver.hasMore).toBe(true);
    expect(seqs(pageOf(items, 3, decodeCursor(oneOver.nextCursor!)).page)).toEqual([1]);
  });

  it('past the oldest item, and an empty list: an empty page without a cursor', () => {
    expect(pageOf(items, 3, 1)).toEqual({ page: [], hasMore: false, nextCursor: null });
    expect(pageOf([], 5)).toEqual({ page: [], hasMore: false, nextCursor: null });
    // A cursor newer than everything (from before a reset) starts from the top.
    expect(seqs(pageOf(items, 2, 1000).page)).toEqual([10, 9]);
  });

  it('a limit at least the list’s length returns everything in one page', () => {
    expect(pageOf(items, 10)).toMatchObject({ hasMore: false, nextCursor: null });
    expect(pageOf(items, 10).page).toHaveLength(10);
    expect(pageOf(items, 50).page).toHaveLength(10);
  });

  it('following nextCursor visits every item once, newest first', () => {
    for (const limit of [1, 3, 4, 10]) {
      const seen: number[] = [];
      let after: number | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const p = pageOf(items, limit, after);
        seen.push(...seqs(p.page));
        if (!p.nextCursor) break;
        after = decodeCursor(p.nextCursor);
      }
      expect(seen, `limit ${limit}`).toEqual(seqs(items));
    }
  });

  it('does not change the list it pages', () => {
    const copy = structuredClone(items);
    pageOf(items, 3, 8);
    expect(items).toEqual(copy);
  });
});
