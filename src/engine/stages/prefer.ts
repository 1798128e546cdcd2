// Prism's Prefer header (src/engine/prefer.ts) on an operation, unless a fault already decided the
// answer: an error status throws the documented error, anything else selects the mock response.
import { faultRequestError } from '../synthesize.ts';
import type { Exchange } from '../exchange.ts';
import { parsePrefer, PreferError, resolvePreference, type PreferDirectives } from '../prefer.ts';
import { synthesisContext } from './faults.ts';

export function prefer(ex: Exchange): void {
  if (!ex.api.faultable || !ex.op || ex.mock || ex.breakConnection) return;
  let wanted: PreferDirectives | undefined;
  try {
    wanted = parsePrefer(ex.req.headers.prefer);
  } catch (err) {
    if (err instanceof PreferError) throw faultRequestError(ex.policy, `${err.message}.`);
    throw err;
  }
  if (!wanted) return;
  ex.applied.push(`prefer: ${Object.entries(wanted).map(([k, v]) => `${k}=${v}`).join(',')}`);
  const resolved = resolvePreference(wanted, synthesisContext(ex));
  if ('error' in resolved) throw resolved.error;
  ex.mock = resolved.mock;
}
