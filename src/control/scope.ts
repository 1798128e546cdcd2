// What every control handler works with: the sandbox context, the control API's own spec, and the
// lookups they share (an API by id or by key, an existing account, an account's view, views across
// APIs), with the control API's errors.
import { ApiError } from '../core/errors.ts';
import type { ViewFilter, ViewRecord } from '../engine/module.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Account } from '../tenancy/accounts.ts';
import type { ControlledApi, SandboxContext } from './context.ts';

export const notFound = (message: string) => new ApiError('NOT_FOUND', message);
export const invalid = (message: string, path: string) => new ApiError('VALIDATION_ERROR', message, { extra: { path } });

export type ControlScope = ReturnType<typeof controlScope>;

export function controlScope(spec: ApiSpec, sandbox: SandboxContext) {
  const runtimeOf = (id: string): ControlledApi => {
    const rt = sandbox.apis().find((a) => a.spec.policy.id === id);
    if (!rt) throw notFound(`No API "${id}" is served; served: ${sandbox.apis().map((a) => a.spec.policy.id).join(', ')}.`);
    return rt;
  };
  const runtimeOfKey = (key: string, api?: string): ControlledApi => {
    if (api !== undefined) return runtimeOf(api);
    const rt = sandbox.apiOfKey(key);
    if (!rt) {
      const shapes = sandbox.apis().map((a) => `${a.spec.policy.id}: ${a.spec.policy.auth.testKeyPattern.source}`).join('; ');
      throw notFound(`The key matches no served API's test keys (${shapes}); name the API with ?api=.`);
    }
    return rt;
  };
  const accountView = (rt: ControlledApi, a: Account) => {
    const entries = rt.ledger.entries(a);
    const sum = rt.ledger.sum(a);
    return {
      api: rt.spec.policy.id,
      key: a.key,
      plan: a.plan,
      balance: a.balance,
      revoked: a.revoked,
      disabled: a.disabled,
      scopes: a.scopes,
      limits: rt.accounts.limitsOf(a),
      overrides: a.limits,
      fixture: a.fixture,
      createdAt: new Date(a.createdAt).toISOString(),
      ledger: { entries: entries.length, sum, balanced: sum === a.balance, folded: rt.ledger.folded(a) },
    };
  };
  const existing = (key: string, api: string | undefined): { rt: ControlledApi; account: Account } => {
    const rt = runtimeOfKey(key, api);
    const account = rt.accounts.get(key);
    if (!account) throw notFound(`No ${rt.spec.policy.id} account for this key yet: accounts are provisioned on first use, or by PATCH.`);
    return { rt, account };
  };
  // Jobs or deliveries across APIs (or one), newest first by creation time.
  const viewsOf = (which: 'jobs' | 'webhooks', q: Record<string, unknown>): Record<string, unknown>[] => {
    const targets = typeof q.api === 'string' ? [runtimeOf(q.api)] : sandbox.apis();
    const limit = typeof q.limit === 'number' ? q.limit : 100;
    const filter: ViewFilter = {
      ...(typeof q.key === 'string' ? { key: q.key } : {}),
      ...(typeof q.status === 'string' ? { status: q.status } : {}),
      limit,
    };
    const records = targets.flatMap((rt) => (rt.views[which]?.(filter) ?? []).map((r: ViewRecord) => ({ api: rt.spec.policy.id, r })));
    return records
      .sort((a, b) => b.r.createdAt - a.r.createdAt)
      .slice(0, limit)
      .map(({ api, r }) => ({ api, key: r.key, ...r.body }));
  };

  return { spec, sandbox, clock: sandbox.clock, runtimeOf, runtimeOfKey, accountView, existing, viewsOf };
}
