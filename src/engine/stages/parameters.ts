// Parameters, validated (and coerced) per location — path, query, header — against the spec.
import type { Exchange } from '../exchange.ts';

export function parameters(ex: Exchange): void {
  if (ex.route.kind !== 'match') return;
  ex.api.validators.get(ex.route.op.operationId).parameters({ path: ex.route.params, query: ex.query, header: ex.req.headers });
}
