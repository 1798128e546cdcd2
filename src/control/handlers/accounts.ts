// Accounts of the served APIs: read, change (plan, balance through the ledger, revocation,
// scopes, limit overrides), and the ledger that proves the balance.
import type { Handler } from '../../engine/handler.ts';
import type { Account } from '../../tenancy/accounts.ts';
import { invalid, notFound, type ControlScope } from '../scope.ts';

export function accountsHandlers(c: ControlScope): Record<string, Handler> {
  const { existing, accountView, runtimeOf, runtimeOfKey, sandbox } = c;
  return {
    listAccounts: ({ query }) => {
      const targets = typeof query.api === 'string' ? [runtimeOf(query.api)] : sandbox.apis();
      const limit = typeof query.limit === 'number' ? query.limit : 100;
      const all = targets.flatMap((rt) => rt.accounts.list().map((a) => ({ rt, a })));
      // Newest first; fixtures (created together) by key.
      all.sort((x, y) => y.a.createdAt - x.a.createdAt || x.a.key.localeCompare(y.a.key));
      return { status: 200, body: { total: all.length, data: all.slice(0, limit).map(({ rt, a }) => accountView(rt, a)) } };
    },
    getAccount: ({ params, query }) => {
      const { rt, account } = existing(params.key!, query.api as string | undefined);
      return { status: 200, body: accountView(rt, account) };
    },
    updateAccount: ({ params, query, body }) => {
      const key = params.key!;
      const rt = runtimeOfKey(key, query.api as string | undefined);
      const policy = rt.spec.policy;
      const patch = body as {
        plan?: string;
        balance?: number;
        revoked?: boolean;
        disabled?: boolean;
        scopes?: string[];
        limits?: { requestsPerMinute?: number | null | 'plan'; concurrentJobs?: number | null | 'plan' };
      };
      if (patch.plan !== undefined && !policy.plans.catalogue[patch.plan]) {
        throw invalid(`plan: ${policy.id} has no plan "${patch.plan}"; plans: ${Object.keys(policy.plans.catalogue).join(', ')}`, 'plan');
      }
      let account = rt.accounts.get(key);
      if (!account) {
        if (!policy.auth.testKeyPattern.test(key)) throw notFound(`No ${policy.id} account for this key, and it is not a well-formed ${policy.id} test key (${policy.auth.testKeyPattern.source}).`);
        account = rt.accounts.getOrProvision(key);
      }
      if (patch.plan !== undefined) account.plan = patch.plan;
      if (patch.balance !== undefined && patch.balance !== account.balance) rt.ledger.setBalance(account, patch.balance);
      if (patch.revoked !== undefined) account.revoked = patch.revoked;
      if (patch.disabled !== undefined) account.disabled = patch.disabled;
      if (patch.scopes !== undefined) account.scopes = [...patch.scopes];
      for (const [name, value] of Object.entries(patch.limits ?? {}) as [keyof Account['limits'], number | null | 'plan'][]) {
        if (value === 'plan') delete account.limits[name];
        else account.limits[name] = value;
      }
      const view = accountView(rt, account);
      sandbox.events.publish('account', { change: 'updated', account: view });
      return { status: 200, body: view };
    },
    getAccountLedger: ({ params, query }) => {
      const { rt, account } = existing(params.key!, query.api as string | undefined);
      const sum = rt.ledger.sum(account);
      return {
        status: 200,
        body: { api: rt.spec.policy.id, key: account.key, balance: account.balance, sum, balanced: sum === account.balance, entries: rt.ledger.entries(account) },
      };
    },
  };
}
