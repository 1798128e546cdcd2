// Opaque cursors for newest-first pagination: a cursor names the sequence number of the last item
// returned; the next page holds the items older than it. Unreadable cursors are the caller's 400.

export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

/** The sequence number in a cursor, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const s = (parsed as { s?: unknown })?.s;
    return typeof s === 'number' && Number.isInteger(s) && s > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** One page of `items` (sorted newest first by `seq`) after `cursor`. */
export function pageOf<T extends { seq: number }>(items: T[], limit: number, after?: number): { page: T[]; hasMore: boolean; nextCursor: string | null } {
  const rest = after === undefined ? items : items.filter((i) => i.seq < after);
  const page = rest.slice(0, limit);
  const hasMore = rest.length > limit;
  return { page, hasMore, nextCursor: hasMore && page.length ? encodeCursor(page[page.length - 1]!.seq) : null };
}
