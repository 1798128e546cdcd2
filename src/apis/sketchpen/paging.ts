// Sketchpen's list pages (sketchpen-api.md, inferred): `{data, total, limit, offset}`, newest first.
export interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Defaults as the spec's Limit/Offset parameters declare them (20, 0). */
export function pageOf<T, V>(items: T[], query: Record<string, unknown>, view: (item: T) => V): Page<V> {
  const limit = typeof query.limit === 'number' ? query.limit : 20;
  const offset = typeof query.offset === 'number' ? query.offset : 0;
  return { data: items.slice(offset, offset + limit).map(view), total: items.length, limit, offset };
}

export const iso = (ms: number) => new Date(ms).toISOString();
