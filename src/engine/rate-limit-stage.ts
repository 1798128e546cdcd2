// The rate-limit stage of the request path: count the request in its window (the account's, or the
// client address's when no key identifies one), plus the route's own limit, and answer in the
// API's words when a limit is passed. Its headers go on every response, whatever happens next.
import type { ApiPolicy } from '../openapi/policy.ts';
import type { Operation } from '../openapi/operations.ts';
import { describeWindow } from '../openapi/limit-wording.ts';
import type { Account, AccountStore } from '../tenancy/accounts.ts';
import type { FixedWindowLimiter, RateDecision } from '../tenancy/rate-limit.ts';
import { ApiError, PlainApiError } from '../core/errors.ts';

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

/**
 * Count one request. Adds the headers of the limit the caller sees to `headers` and returns the
 * per-minute decision (fault injection quotes it); throws the API's 429 when a limit is passed.
 */
export function countRequest(
  rt: { spec: { policy: ApiPolicy }; accounts: AccountStore; limiter: FixedWindowLimiter },
  op: Operation | undefined,
  account: Account | undefined,
  clientAddress: string | undefined,
  headers: Record<string, string>,
): RateDecision {
  const { policy } = rt.spec;
  const decision = rt.limiter.consume(account ? `key:${account.key}` : `addr:${clientAddress}`, limitOf(policy, rt.accounts, account));
  Object.assign(headers, rateHeaders(policy, decision));
  if (!decision.allowed) throw limitExceeded(policy, decision, policy.rateLimit.windowSeconds);
  // A route limit ("10 per 1 day") counts on top; its headers are the ones the caller sees.
  const routeLimit = op && account ? op.routeLimits[account.plan] : undefined;
  if (routeLimit) {
    const d = rt.limiter.consume(`route:${op!.operationId}:key:${account!.key}`, routeLimit.limit, routeLimit.windowSeconds);
    Object.assign(headers, rateHeaders(policy, d));
    if (!d.allowed) throw limitExceeded(policy, d, routeLimit.windowSeconds);
  }
  return decision;
}
