// The rate-limit stage: count the request in its window (the account's, or the client address's
// when no key identifies one), plus the route's own limit, and answer in the API's words when a
// limit is passed. Its headers go on every response, whatever happens next.
import { ApiError, PlainApiError } from '../../core/errors.ts';
import { describeWindow } from '../../openapi/limit-wording.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';
import type { Account, AccountStore } from '../../tenancy/accounts.ts';
import type { Exchange } from '../exchange.ts';

export function rateHeaders(policy: ApiPolicy, decision: { limit: number; remaining: number; reset: number }): Record<string, string> {
  const h = policy.rateLimit.headers;
  return { [h.limit]: String(decision.limit), [h.remaining]: String(decision.remaining), [h.reset]: String(decision.reset) };
}

/** The API's 429: its coded envelope, or the plain string form ("Rate limit exceeded: 10 per 1 day"). */
export function limitExceeded(policy: ApiPolicy, decision: { limit: number; retryAfter: number }, windowSeconds: number): Error {
  const { exceeded, headers } = policy.rateLimit;
  const retry = { [headers.retryAfter]: String(decision.retryAfter) };
  const wording = describeWindow(decision.limit, windowSeconds);
  if (exceeded.form === 'string' || !exceeded.code) {
    return new PlainApiError(429, (exceeded.template ?? 'Rate limit exceeded: {limit}').replace('{limit}', wording), retry);
  }
  return new ApiError(exceeded.code, `Rate limit exceeded: ${wording}. Retry after ${decision.retryAfter} s.`, { headers: retry });
}

/** The per-minute limit of a caller: its account's, or the default plan's for an unknown caller. */
export function limitOf(policy: ApiPolicy, accounts: AccountStore, account: Account | undefined): number | null {
  return account ? accounts.limitsOf(account).requestsPerMinute : policy.plans.catalogue[policy.plans.default]!.requestsPerMinute;
}

export function rateLimit(ex: Exchange): void {
  const { api, policy, account, op } = ex;
  const tenant = account ? { key: account.key } : { address: ex.req.socket.remoteAddress ?? '' };
  const decision = api.limiter.consume(tenant, limitOf(policy, api.accounts, account));
  ex.rate = decision;
  Object.assign(ex.headers, rateHeaders(policy, decision));
  if (!decision.allowed) throw limitExceeded(policy, decision, policy.rateLimit.windowSeconds);
  // A route limit ("10 per 1 day") counts on top; its headers are the ones the caller sees.
  const routeLimit = op && account ? op.routeLimits[account.plan] : undefined;
  if (routeLimit) {
    const d = api.limiter.consume(tenant, routeLimit.limit, { bucket: op!.operationId, windowSeconds: routeLimit.windowSeconds });
    Object.assign(ex.headers, rateHeaders(policy, d));
    if (!d.allowed) throw limitExceeded(policy, d, routeLimit.windowSeconds);
  }
}
