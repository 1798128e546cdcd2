// GET /api/account: the caller's plan, balance, limits and jobs in progress, from live state.
import type { Handler } from '../../engine/handler.ts';
import type { AccountStore } from '../../tenancy/accounts.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';

/** The start of a key that is safe to log: its plan marker when it has one, else 12 characters (never more than half). */
export function keyPrefix(policy: ApiPolicy, key: string): string {
  const marker = policy.auth.planMarker?.exec(key)?.[0];
  const prefix = marker ?? key.slice(0, 12);
  return prefix.length > key.length / 2 ? key.slice(0, Math.floor(key.length / 2)) : prefix;
}

export function accountHandlers(policy: ApiPolicy, accounts: AccountStore, activeJobs: (key: string) => number): Record<string, Handler> {
  return {
    getAccount: ({ account }) => {
      const limits = accounts.limitsOf(account);
      return {
        status: 200,
        body: {
          plan: account.plan,
          credits_balance: account.balance,
          limits: { requests_per_minute: limits.requestsPerMinute, concurrent_jobs: limits.concurrentJobs },
          active_jobs: activeJobs(account.key),
          mode: 'test',
          key_prefix: keyPrefix(policy, account.key),
        },
      };
    },
  };
}
