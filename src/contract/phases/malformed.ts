// Malformed JSON: a body that does not parse, on every operation that takes a JSON body.
import type { Operation } from '../../spec/operations.ts';
import type { Session } from '../session.ts';
import { defaultParameters, fillPath, jsonBody } from './common.ts';

export async function malformedPhase(s: Session, op: Operation): Promise<void> {
  if (!jsonBody(op)) return;
  const params = defaultParameters(s, op, s.random.fork(`malformed:${op.operationId}`));
  for (const raw of ['{"unterminated": ', '{not json}']) {
    await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query: params.query, raw }, { kind: 'malformed-json', label: `body ${JSON.stringify(raw)}` });
  }
}
