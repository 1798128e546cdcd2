// The control API (/__sandbox): handlers bound to openapi/sandbox-admin.yaml by operationId, served
// through the same request path as the APIs (validation, envelopes) but not an API module: it
// acts on the whole sandbox through the narrow SandboxContext, and guards itself with a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClockMode } from '../core/clock.ts';
import { ApiError } from '../core/errors.ts';
import type { Handler } from '../engine/handler.ts';
import type { ViewFilter, ViewRecord } from '../engine/module.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Account } from '../tenancy/accounts.ts';
import { DirectiveError } from '../faults/directives.ts';
import { ruleView, type FaultRuleInput } from '../faults/rules.ts';
import type { ControlledApi, SandboxContext } from './context.ts';

const notFound = (message: string) => new ApiError('NOT_FOUND', message);
const invalid = (message: string, path: string) => new ApiError('VALIDATION_ERROR', message, { extra: { path } });

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function tokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const own = headers['x-sandbox-admin-token'];
  if (typeof own === 'string' && own.trim()) return own.trim();
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return m?.[1];
}

export interface ControlApi {
  handlers: Record<string, Handler>;
  /** the access check of every control request (run at the auth stage) */
  guard(request: { headers: Record<string, string | string[] | undefined> }): ApiError | undefined;
}

export function createControlApi(spec: ApiSpec, sandbox: SandboxContext): ControlApi {
  const { clock } = sandbox;
  const messages = spec.policy.auth.messages;

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
      ledger: { entries: entries.length, sum, balanced: sum === a.balance },
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

  const handlers: Record<string, Handler> = {
    getHealth: () => ({
      status: 200,
      body: {
        status: 'ok',
        apis: sandbox.apis().map((a) => ({
          id: a.spec.policy.id,
          title: String(a.spec.doc.info?.title ?? ''),
          version: String(a.spec.doc.info?.version ?? ''),
          routePrefix: a.spec.policy.routePrefix,
          operations: a.spec.operations.length,
        })),
        clock: clock.state(),
        seed: sandbox.seed,
        faultRules: sandbox.faults.rules.list().length,
        requestsLogged: sandbox.requests.total,
        uptimeSeconds: Math.floor((Date.now() - sandbox.startedAt) / 1000),
      },
    }),

    listSpecs: ({ baseUrl }) => ({
      status: 200,
      body: {
        data: [...sandbox.apis().map((a) => a.spec), spec].map((sp) => ({
          id: sp.policy.id,
          title: String(sp.doc.info?.title ?? ''),
          version: String(sp.doc.info?.version ?? ''),
          url: `${baseUrl}/__sandbox/specs/${sp.policy.id}`,
        })),
      },
    }),

    // The document as served here: `servers` point at this sandbox (its mount included).
    getSpec: ({ params, baseUrl }) => {
      const served = params.api === spec.policy.id ? spec : runtimeOf(params.api!).spec;
      return { status: 200, body: { ...served.doc, servers: [{ url: `${baseUrl}${served.mount}`, description: 'this sandbox' }] } };
    },

    resetSandbox: ({ body }) => {
      const scope = (body ?? {}) as { api?: string; key?: string };
      if (scope.api !== undefined) runtimeOf(scope.api);
      if (scope.key !== undefined) runtimeOfKey(scope.key, scope.api);
      return { status: 200, body: sandbox.reset(scope) };
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
      return { status: 200, body: accountView(rt, account) };
    },

    getAccountLedger: ({ params, query }) => {
      const { rt, account } = existing(params.key!, query.api as string | undefined);
      const sum = rt.ledger.sum(account);
      return {
        status: 200,
        body: { api: rt.spec.policy.id, key: account.key, balance: account.balance, sum, balanced: sum === account.balance, entries: rt.ledger.entries(account) },
      };
    },

    createFault: ({ body }) => {
      try {
        const rule = sandbox.faults.addRule(body as FaultRuleInput, sandbox.apis().map((a) => a.spec.policy));
        return { status: 201, body: ruleView(rule) };
      } catch (err) {
        if (err instanceof DirectiveError) throw invalid(err.message, err.path);
        throw err;
      }
    },

    listFaults: ({ query }) => ({
      status: 200,
      body: { data: sandbox.faults.rules.list().filter((r) => query.kind === undefined || r.kind === query.kind).map(ruleView) },
    }),

    getFault: ({ params }) => {
      const rule = sandbox.faults.rules.get(params.id!);
      if (!rule) throw notFound(`No fault rule ${params.id}.`);
      return { status: 200, body: ruleView(rule) };
    },

    deleteFault: ({ params }) => {
      if (!sandbox.faults.rules.remove(params.id!)) throw notFound(`No fault rule ${params.id}.`);
      return { status: 204 };
    },

    deleteFaults: () => ({ status: 200, body: { deleted: sandbox.faults.rules.clear((_r) => true) } }),

    getClock: () => ({ status: 200, body: clock.state() }),

    setClock: ({ body }) => {
      const { mode, scale } = body as { mode: ClockMode; scale?: number };
      if (mode === 'scaled' && scale === undefined) throw invalid('scale: scaled mode needs a scale (e.g. 10 for ten times faster)', 'scale');
      clock.set(mode, scale);
      return { status: 200, body: clock.state() };
    },

    advanceClock: ({ body }) => {
      const { seconds, ms } = body as { seconds?: number; ms?: number };
      const advancedMs = (seconds ?? 0) * 1000 + (ms ?? 0);
      if (!Number.isFinite(advancedMs) || advancedMs > 315_360_000_000) throw invalid('seconds: at most ten years at a time', 'seconds');
      clock.advance(advancedMs);
      return { status: 200, body: { ...clock.state(), advancedMs } };
    },

    listRequests: ({ query }) => {
      const data = sandbox.requests.list({
        ...(typeof query.api === 'string' ? { api: query.api } : {}),
        ...(typeof query.key === 'string' ? { key: query.key } : {}),
        ...(typeof query.operationId === 'string' ? { operationId: query.operationId } : {}),
        ...(typeof query.status === 'string' ? { status: query.status } : {}),
        ...(query.faulted === true ? { faulted: true } : {}),
        limit: typeof query.limit === 'number' ? query.limit : 100,
      });
      return { status: 200, body: { capacity: sandbox.requests.capacity, total: sandbox.requests.total, data } };
    },

    listJobs: ({ query }) => ({ status: 200, body: { data: viewsOf('jobs', query) } }),
    listWebhooks: ({ query }) => ({ status: 200, body: { data: viewsOf('webhooks', query) } }),
  };

  return {
    handlers,
    // No token configured: open (the sandbox then only listens on loopback). A token configured:
    // required on every request, compared in constant time (decision 020).
    guard({ headers }) {
      const { exposed, token } = sandbox.access();
      if (!exposed && !token) return undefined;
      const given = tokenOf(headers);
      if (!given) return new ApiError('UNAUTHORIZED', messages.missing);
      if (!token || !sameSecret(given, token)) return new ApiError('UNAUTHORIZED', messages.invalid);
      return undefined;
    },
  };
}
