// Undocumented methods: on every documented path, each of GET, POST, PUT, PATCH, DELETE that the
// path does not document must be 405 with an Allow header listing the documented ones.
import type { Operation } from '../../openapi/operations.ts';
import type { Session } from '../session.ts';
import { defaultParameters, fillPath } from './common.ts';

export async function methodsPhase(s: Session, ops: Operation[]): Promise<void> {
  s.startOperation('(unknown route)');
  await s.exchange(undefined, { method: 'GET', path: '/contract-no-such-route' }, { kind: 'unknown-route', label: 'GET /contract-no-such-route' });
  s.finishOperation('(unknown route)');
  const byPath = new Map<string, Operation[]>();
  for (const op of s.profile.operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  for (const [path, pathOps] of byPath) {
    if (!pathOps.some((o) => ops.includes(o))) continue;
    const documented = pathOps.map((o) => o.method.toUpperCase());
    const params = defaultParameters(s, pathOps[0]!, s.random.fork(`methods:${path}`));
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !documented.includes(m))) {
      s.startOperation(`${method} ${path}`);
      await s.exchange(undefined, { method, path: fillPath(path, params.path), json: method === 'GET' || method === 'DELETE' ? undefined : {} }, { kind: 'method', allow: documented, label: `${method} ${path} (documented: ${documented.join(', ')})` });
      s.finishOperation(`${method} ${path}`);
    }
  }
}
