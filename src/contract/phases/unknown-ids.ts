// Unknown ids: path parameters of the documented shape that name nothing must be 404.
import type { Operation } from '../../openapi/operations.ts';
import { uuidOf } from '../generate/valid.ts';
import type { Random } from '../random.ts';
import type { Session } from '../session.ts';
import { schemaBookOf } from '../spec-schemas.ts';
import { aValidBody, defaultParameters, fillPath, rawParameters } from './common.ts';

/** A value shaped like the example (same character classes), so it passes validation but names nothing. */
export function lookalike(example: string, random: Random): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(example)) return uuidOf(random);
  return example.replace(/[0-9a-f]/g, (c) => (/[0-9]/.test(c) ? String(random.int(0, 9)) : 'abcdef'[random.int(0, 5)]!));
}

export async function unknownIdPhase(s: Session, op: Operation): Promise<void> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  if (!pathParams.length) return;
  const random = s.random.fork(`unknown:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const raw = rawParameters(s.profile, op);
  const book = schemaBookOf(s.profile);
  const ids: Record<string, string> = {};
  for (const p of pathParams) {
    const example = params.path[p.name] ?? raw.get(`path:${p.name}`)?.example ?? 'x';
    let v = lookalike(String(example), random);
    if (!book.valid(p.schema, v)) v = String(example);
    ids[p.name] = v;
  }
  await s.exchange(op, { method: op.method, path: fillPath(op.path, ids), query: params.query, json: aValidBody(s, op, random) }, { kind: 'unknown-id', label: `${Object.values(ids).join(', ')} (names nothing)` });
}
