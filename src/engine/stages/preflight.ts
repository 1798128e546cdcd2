// CORS preflight and OPTIONS: answered before auth, like any browser-facing API, with the caller's
// real rate window shown but not counted (browsers send preflights on their own).
import type { Exchange } from '../exchange.ts';
import type { Router } from '../router.ts';
import type { ApiRuntime } from '../runtime.ts';
import { preflightHeaders } from '../transport/respond.ts';
import { limitOf, rateHeaders } from './rate-limit.ts';

export function preflight(router: Router<ApiRuntime>) {
  return (ex: Exchange): void => {
    if (ex.method !== 'options') return;
    const allow = router.methodsAt(ex.path);
    if (!allow.length) return;
    const { api, policy } = ex;
    const peek = api.limiter.peek({ address: ex.req.socket.remoteAddress ?? '' }, limitOf(policy, api.accounts, undefined));
    const requested = ex.req.headers['access-control-request-headers'] as string | undefined;
    // A runtime without a CORS grant answers OPTIONS with Allow alone: a browser's preflight fails.
    const cors = policy.browsers.cors ? preflightHeaders(allow, requested) : { Allow: allow.join(', ') };
    ex.answer = { status: 204, headers: { ...rateHeaders(policy, peek), ...cors } };
  };
}
