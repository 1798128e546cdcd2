// Who is calling: the key header to an account (or to the API's auth error, kept for later so
// that even a 401 is counted and carries rate-limit headers). Without a key, an API that declares
// `x-sandbox.auth.bearer` also takes a session token (`Authorization: Bearer …`) minted by the
// control API; an unknown or expired one is the API's token error. Runtimes without keys skip it.
import { authenticate, authFailure } from '../../tenancy/auth.ts';
import { bearerToken } from '../../tenancy/session-tokens.ts';
import type { Exchange } from '../exchange.ts';

export function identify(ex: Exchange): void {
  if (!ex.api.keyed || ex.op?.scopes === null) return;
  const bearer = ex.policy.auth.bearer;
  const token = ex.key === undefined && bearer ? bearerToken(ex.req.headers.authorization, bearer.scheme) : undefined;
  if (token !== undefined) {
    const found = ex.api.tokens.lookup(token);
    if (!found.ok) {
      ex.auth = { error: authFailure(ex.policy, 'token') };
      return;
    }
    // From here on the request is the account's, as if its key had been sent (limits, faults, log).
    ex.key = found.token.key;
    ex.auth = authenticate(ex.policy, ex.api.accounts, ex.key, ex.op?.scopes ?? [], found.token.scopes);
  } else {
    ex.auth = authenticate(ex.policy, ex.api.accounts, ex.key, ex.op?.scopes ?? []);
  }
  ex.account = ex.auth.account;
}
