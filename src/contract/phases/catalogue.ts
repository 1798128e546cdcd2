// Catalogue cases (sandbox only): every error code each operation documents, asked for with the
// sandbox's X-Sandbox-Fault header, must come back with its catalogue status, the envelope and
// the headers of every response. Faults apply before the operation runs, so nothing changes.
import type { Operation } from '../../openapi/operations.ts';
import type { Session } from '../session.ts';
import { aValidBody, defaultParameters, fillPath } from './common.ts';

export const FAULT_HEADER = 'X-Sandbox-Fault';

export async function cataloguePhase(s: Session, op: Operation): Promise<void> {
  const random = s.random.fork(`catalogue:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const codes = new Set<string>();
  for (const status of Object.keys(op.responses)) {
    if (!/^\d+$/.test(status) || Number(status) < 400) continue;
    for (const c of s.profile.errorCodesFor(op, Number(status)) ?? []) codes.add(c);
  }
  for (const code of codes) {
    const status = s.profile.spec.policy.errors.catalogue[code]?.status ?? 0;
    await s.exchange(
      op,
      { method: op.method, path: fillPath(op.path, params.path), query: params.query, json: aValidBody(s, op, random), headers: { [FAULT_HEADER]: `error=${code}` } },
      { kind: 'catalogue', code, label: `${FAULT_HEADER}: error=${code}` },
      { expect429: status === 429 ? code : false, serverErrorExpected: status >= 500 },
    );
  }
}
