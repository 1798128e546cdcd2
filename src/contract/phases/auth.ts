// Auth cases: no key on every protected operation; a malformed key, a live key, another API's
// key and (on a sandbox) a revoked key on a few of them. All must be 401 with the auth code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Operation } from '../../openapi/operations.ts';
import { SPEC_DIR } from '../../paths.ts';
import { literalPrefix } from '../profile.ts';
import type { Session } from '../session.ts';
import { aValidBody, defaultParameters, fillPath } from './common.ts';

/** Test-key prefixes of the other APIs this toolkit ships specs for (ve_test_, sk_test_, …). */
function foreignKeyPrefixes(own: RegExp): string[] {
  const out: string[] = [];
  for (const f of readdirSync(SPEC_DIR).filter((n) => /\.ya?ml$/.test(n))) {
    const m = /testKeyPattern:\s*'([^']+)'/.exec(readFileSync(join(SPEC_DIR, f), 'utf8'));
    const prefix = m ? literalPrefix(m[1]!) : '';
    if (prefix.length >= 3 && !own.test(`${prefix}contract_foreign_key`)) out.push(prefix);
  }
  return out;
}

export async function authPhase(s: Session, ops: Operation[], revokedKey?: string): Promise<void> {
  const protectedOps = ops.filter((o) => o.scopes !== null);
  const random = s.random.fork('auth');
  const { auth } = s.profile.spec.policy;
  const variants: { variant: 'missing' | 'malformed' | 'live' | 'foreign' | 'revoked'; key: string | null; label: string; ops: Operation[] }[] = [];
  variants.push({ variant: 'missing', key: null, label: 'no key', ops: protectedOps });
  const sample = [protectedOps.find((o) => o.method === 'get'), protectedOps.find((o) => o.method !== 'get')].filter((o): o is Operation => Boolean(o));
  variants.push({ variant: 'malformed', key: 'not-a-valid-key', label: 'a malformed key', ops: sample });
  if (auth.liveKeyPattern) {
    const live = `${literalPrefix(auth.liveKeyPattern.source)}contract0000live`;
    if (auth.liveKeyPattern.test(live)) variants.push({ variant: 'live', key: live, label: 'a live key', ops: sample });
  }
  for (const prefix of foreignKeyPrefixes(auth.testKeyPattern)) variants.push({ variant: 'foreign', key: `${prefix}contract_foreign_key`, label: `another API's key (${prefix}…)`, ops: sample.slice(0, 1) });
  if (revokedKey) variants.push({ variant: 'revoked', key: revokedKey, label: 'a revoked key', ops: sample });
  for (const v of variants) {
    for (const op of v.ops) {
      const params = defaultParameters(s, op, random);
      await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query: params.query, json: aValidBody(s, op, random), key: v.key }, { kind: 'auth', variant: v.variant, label: v.label });
    }
  }
}
