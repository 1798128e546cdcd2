// GET /account: the calling account as the sandbox sees it (plan, credits, videos in progress).
import type { Handler } from '../../engine/handler.ts';
import type { AccountStore } from '../../tenancy/accounts.ts';

export function accountHandlers(accounts: AccountStore, activeCount: (key: string) => number): Record<string, Handler> {
  return {
    getAccount: ({ account }) => {
      const limits = accounts.limitsOf(account);
      return {
        status: 200,
        body: {
          plan: account.plan,
          credits: account.balance,
          active_videos: activeCount(account.key),
          max_concurrent_videos: limits.concurrentJobs,
          requests_per_minute: limits.requestsPerMinute,
          scopes: [...account.scopes],
          mode: 'test',
        },
      };
    },
  };
}
