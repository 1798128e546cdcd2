// Accounts of one API, keyed by API key. Fixture keys are pre-defined; any other well-formed test
// key is provisioned on first use, its plan read from the key's plan marker when it has one.
import { TenantStore, type Resettable } from '../core/tenant-store.ts';
import type { ApiPolicy } from '../openapi/policy.ts';

export interface Account {
  key: string;
  plan: string;
  balance: number;
  revoked: boolean;
  disabled: boolean;
  /** granted scopes; '*' grants all, 'videos:*' all of one family */
  scopes: string[];
  /** per-account limit overrides (enterprise "configurable"); undefined = the plan's */
  limits: { requestsPerMinute?: number | null; concurrentJobs?: number | null };
  createdAt: number;
  fixture: boolean;
}

export interface AccountFixture {
  key: string;
  plan?: string;
  balance?: number;
  revoked?: boolean;
  disabled?: boolean;
  scopes?: string[];
  limits?: Account['limits'];
}

export class AccountStore implements Resettable {
  private accounts = new TenantStore<Account>();

  constructor(
    private readonly policy: ApiPolicy,
    private readonly fixtures: AccountFixture[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.loadFixtures();
  }

  get(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  /** The account of a well-formed test key, provisioned if new. */
  getOrProvision(key: string): Account {
    return this.accounts.upsert(key, () => this.create({ key, plan: this.planFromKey(key) }, false));
  }

  /** Every account (fixtures and those provisioned so far). */
  list(): Account[] {
    return [...this.accounts.values()];
  }

  /** Forget every account (or one) and restore fixtures. */
  reset(key?: string): void {
    this.accounts.reset(key);
    if (key === undefined) {
      this.loadFixtures();
      return;
    }
    const fixture = this.fixtures.find((f) => f.key === key);
    if (fixture) this.accounts.set(key, this.create(fixture, true));
  }

  limitsOf(account: Account): { requestsPerMinute: number | null; concurrentJobs: number | null } {
    const plan = this.policy.plans.catalogue[account.plan] ?? this.policy.plans.catalogue[this.policy.plans.default]!;
    return {
      requestsPerMinute: account.limits.requestsPerMinute !== undefined ? account.limits.requestsPerMinute : plan.requestsPerMinute,
      concurrentJobs: account.limits.concurrentJobs !== undefined ? account.limits.concurrentJobs : plan.concurrentJobs,
    };
  }

  planFromKey(key: string): string {
    const marked = this.policy.auth.planMarker?.exec(key)?.[1];
    return marked && this.policy.plans.catalogue[marked] ? marked : this.policy.plans.default;
  }

  private loadFixtures(): void {
    for (const f of this.fixtures) this.accounts.set(f.key, this.create(f, true));
  }

  private create(f: AccountFixture, fixture: boolean): Account {
    const plan = f.plan && this.policy.plans.catalogue[f.plan] ? f.plan : this.planFromKey(f.key);
    return {
      key: f.key,
      plan,
      balance: f.balance ?? this.policy.plans.catalogue[plan]!.credits,
      revoked: f.revoked ?? false,
      disabled: f.disabled ?? false,
      scopes: f.scopes ?? ['*'],
      limits: { ...f.limits },
      createdAt: this.now(),
      fixture,
    };
  }
}

/** Does a grant list cover a needed scope? ('*' covers all; 'videos:*' covers 'videos:read'.) */
export function hasScope(granted: string[], needed: string): boolean {
  if (granted.includes('*') || granted.includes(needed)) return true;
  const family = needed.split(':')[0];
  return granted.includes(`${family}:*`);
}
