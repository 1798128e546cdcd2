// Lists (x-sandbox-pagination): a page of one, then the next page by cursor or offset, on every
// paginated list in scope that holds at least two items by now (the earlier phases made some);
// then each documented filter, with a value taken from an item the unfiltered list holds.
import type { Operation } from '../../openapi/operations.ts';
import { at, type Pagination } from '../profile.ts';
import type { Session } from '../session.ts';
import { defaultParameters } from './common.ts';

export async function paginationPhase(s: Session, op: Operation): Promise<void> {
  const p = op.raw['x-sandbox-pagination'] as Pagination | undefined;
  if (!p) return;
  const query = defaultParameters(s, op, s.random.fork(`page:${op.operationId}`)).query;
  const facts = { items: p.items, limitParam: p.limit };
  const first = await s.exchange(op, { method: op.method, path: op.path, query: { ...query, [p.limit]: '1' } }, { kind: 'page', step: 'first', limit: 1, label: `${p.limit}=1` }, { facts });
  const page1 = at(first.json, p.items);
  if (first.status !== 200 || !Array.isArray(page1)) return;
  if (p.filters) {
    const all = at((await s.exchange(op, { method: op.method, path: op.path, query }, { kind: 'plain', label: 'the whole first page' })).json, p.items);
    for (const [param, field] of Object.entries(p.filters)) {
      const value = Array.isArray(all) ? all.map((item) => at(item, field)).find((v) => typeof v === 'string') : undefined;
      if (typeof value !== 'string') continue;
      await s.exchange(op, { method: op.method, path: op.path, query: { ...query, [param]: value } }, { kind: 'filter', param, value, label: `${param}=${value}` }, { facts: { items: p.items, field } });
    }
  }
  let next: Record<string, string> | undefined;
  if (p.cursor) {
    const cursor = at(first.json, p.cursor.next);
    if (typeof cursor === 'string' && cursor) next = { [p.cursor.param]: cursor };
  } else if (p.offset) {
    const total = p.offset.total ? at(first.json, p.offset.total) : undefined;
    if (typeof total !== 'number' || total > 1) next = { [p.offset.param]: '1' };
  }
  if (!next || page1.length === 0) return;
  await s.exchange(op, { method: op.method, path: op.path, query: { ...query, [p.limit]: '1', ...next } }, { kind: 'page', step: 'next', limit: 1, label: `${p.limit}=1 ${Object.entries(next).map(([k, v]) => `${k}=${v}`).join(' ')}` }, { facts: { ...facts, previous: page1 } });
}
