// Who is calling: the key header to an account (or to the API's auth error, kept for later so
// that even a 401 is counted and carries rate-limit headers). Runtimes without keys skip it.
import { authenticate } from '../../tenancy/auth.ts';
import type { Exchange } from '../exchange.ts';

export function identify(ex: Exchange): void {
  if (!ex.api.keyed || ex.op?.scopes === null) return;
  ex.auth = authenticate(ex.policy, ex.api.accounts, ex.key, ex.op?.scopes ?? []);
  ex.account = ex.auth.account;
}
