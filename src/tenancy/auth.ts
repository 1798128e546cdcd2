// Authentication: from the request's key header to an account, or to the API's auth error.
// It never throws: the request path decides when an auth failure is reported (after routing and
// rate limiting, so that even a 401 carries rate-limit headers).
import type { ApiPolicy, AuthFailure } from '../openapi/policy.ts';
import { ApiError } from '../core/errors.ts';
import { hasScope, type Account, type AccountStore } from './accounts.ts';

/** account: who is calling (also set when only a scope is lacking, so limits count against it). */
export interface AuthResult {
  account?: Account;
  error?: ApiError;
}

const defaultMessages: Record<AuthFailure, (header: string) => string> = {
  missing: (h) => `Missing API key: send your key in the ${h} header.`,
  invalid: () => 'Invalid API key.',
  live: () => 'Live keys are not accepted by the sandbox; use a test key.',
  unknown: () => 'Unknown API key.',
  revoked: () => 'This API key has been revoked.',
  disabled: () => 'This account is disabled.',
  scope: () => 'This API key lacks the scope this operation needs.',
  token: () => 'Invalid or expired session token.',
};

export function authFailure(policy: ApiPolicy, failure: AuthFailure, detail?: string): ApiError {
  const message = policy.auth.messages[failure] ?? defaultMessages[failure](policy.auth.header);
  return new ApiError(policy.auth.errors[failure], detail ? `${message} ${detail}` : message);
}

export function authenticate(
  policy: ApiPolicy,
  accounts: AccountStore,
  /** the key as sent, trimmed (undefined when the header is absent or empty) */
  key: string | undefined,
  neededScopes: string[],
  /** a session token's own scopes, when it grants fewer than the account has */
  tokenScopes?: string[],
): AuthResult {
  if (key === undefined) return { error: authFailure(policy, 'missing') };
  if (policy.auth.liveKeyPattern?.test(key)) return { error: authFailure(policy, 'live') };
  const account = policy.auth.testKeyPattern.test(key) ? accounts.getOrProvision(key) : accounts.get(key);
  if (!account) return { error: authFailure(policy, 'invalid') };
  if (account.revoked) return { error: authFailure(policy, 'revoked') };
  if (account.disabled) return { error: authFailure(policy, 'disabled') };
  const lacking = neededScopes.filter((s) => !hasScope(account.scopes, s) || (tokenScopes !== undefined && !hasScope(tokenScopes, s)));
  if (lacking.length) {
    return { account, error: authFailure(policy, 'scope', `Needed: ${lacking.join(', ')}.`) };
  }
  return { account };
}
