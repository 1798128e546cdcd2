// The control API (/__sandbox): a module like any API's, bound to openapi/sandbox-admin.yaml by
// operationId, acting on the whole sandbox through the SandboxContext the composition root gives it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiModule } from '../apis/module.ts';
import type { ClockMode } from '../clock/clock.ts';
import { ApiError } from '../http/errors.ts';
import type { Handler } from '../http/handler.ts';
import type { ApiRuntime } from '../http/pipeline.ts';
import type { Account } from '../policy/accounts.ts';
import { DirectiveError } from '../faults/directives.ts';
import { ruleView, type FaultRuleInput } from '../faults/rules.ts';
import { EVENT_TYPES, type SandboxEventType } from '../control/events.ts';
import { isLoopbackHost } from '../sandbox-context.ts';

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

/** The Origin a browser sent names the host the request was addressed to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}

/** Newest first across APIs, by whichever creation time the views carry. */
function byNewest(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const t = (o: Record<string, unknown>) => {
    const v = o.created_at ?? o.createdAt ?? o.at ?? o.queued_at;
    const n = typeof v === 'number' ? (v < 1e12 ? v * 1000 : v) : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(n) ? n : 0;
  };
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => t(b.item) - t(a.item) || a.i - b.i)
    .map((x) => x.item);
}

export const sandboxAdmin: ApiModule = {
  id: 'sandbox-admin',
  create({ spec, clock, sandbox }) {
    if (!sandbox) throw new Error('the control API needs the sandbox context (ModuleEnv.sandbox)');
    const messages = spec.policy.auth.messages;

    const runtimeOf = (id: string): ApiRuntime => {
      const rt = sandbox.apis().find((a) => a.spec.policy.id === id);
      if (!rt) throw notFound(`No API "${id}" is served; served: ${sandbox.apis().map((a) => a.spec.policy.id).join(', ')}.`);
      return rt;
    };
    const runtimeOfKey = (key: string, api?: string): ApiRuntime => {
      if (api !== undefined) return runtimeOf(api);
      const rt = sandbox.apiOfKey(key);
      if (!rt) {
        const shapes = sandbox.apis().map((a) => `${a.spec.policy.id}: ${a.spec.policy.auth.testKeyPattern.source}`).join('; ');
        throw notFound(`The key matches no served API's test keys (${shapes}); name the API with ?api=.`);
      }
      return rt;
    };
    const accountView = (rt: ApiRuntime, a: Account) => {
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
    const existing = (key: string, api: string | undefined): { rt: ApiRuntime; account: Account } => {
      const rt = runtimeOfKey(key, api);
      const account = rt.accounts.get(key);
      if (!account) throw notFound(`No ${rt.spec.policy.id} account for this key yet: accounts are provisioned on first use, or by PATCH.`);
      return { rt, account };
    };
    const viewsOf = (
      which: 'jobs' | 'webhooks',
      q: Record<string, unknown>,
    ): Record<string, unknown>[] => {
      const targets = typeof q.api === 'string' ? [runtimeOf(q.api)] : sandbox.apis();
      const limit = typeof q.limit === 'number' ? q.limit : 100;
      const filter = {
        ...(typeof q.key === 'string' ? { key: q.key } : {}),
        ...(typeof q.status === 'string' ? { status: q.status } : {}),
        limit,
      };
      const items = targets.flatMap((rt) =>
        (rt.instance.views?.[which]?.(filter) ?? []).map((item) => ({
          api: rt.spec.policy.id,
          ...(item && typeof item === 'object' ? (item as Record<string, unknown>) : { value: item }),
        })),
      );
      return byNewest(items).slice(0, limit);
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
        const result = sandbox.reset(scope);
        sandbox.events.publish('reset', result);
        return { status: 200, body: result };
      },

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

      createFault: ({ body }) => {
        try {
          const rule = sandbox.faults.addRule(body as FaultRuleInput, sandbox.apis().map((a) => a.spec.policy));
          const view = ruleView(rule);
          sandbox.events.publish('fault', { change: 'added', id: rule.id, rule: view });
          return { status: 201, body: view };
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
        sandbox.events.publish('fault', { change: 'deleted', id: params.id });
        return { status: 204 };
      },

      deleteFaults: () => {
        const deleted = sandbox.faults.rules.clear((_r) => true);
        sandbox.events.publish('fault', { change: 'cleared', deleted });
        return { status: 200, body: { deleted } };
      },

      getClock: () => ({ status: 200, body: clock.state() }),

      setClock: ({ body }) => {
        const { mode, scale } = body as { mode: ClockMode; scale?: number };
        if (mode === 'scaled' && scale === undefined) throw invalid('scale: scaled mode needs a scale (e.g. 10 for ten times faster)', 'scale');
        clock.set(mode, scale);
        const state = clock.state();
        sandbox.events.publish('clock', state);
        return { status: 200, body: state };
      },

      advanceClock: ({ body }) => {
        const { seconds, ms } = body as { seconds?: number; ms?: number };
        const advancedMs = (seconds ?? 0) * 1000 + (ms ?? 0);
        if (!Number.isFinite(advancedMs) || advancedMs > 315_360_000_000) throw invalid('seconds: at most ten years at a time', 'seconds');
        clock.advance(advancedMs);
        const state = { ...clock.state(), advancedMs };
        sandbox.events.publish('clock', state);
        return { status: 200, body: state };
      },

      listRequests: ({ query }) => {
        const data = sandbox.requests.list({
          ...(typeof query.api === 'string' ? { api: query.api } : {}),
          ...(typeof query.key === 'string' ? { key: query.key } : {}),
          ...(typeof query.operationId === 'string' ? { operationId: query.operationId } : {}),
          ...(typeof query.status === 'string' ? { status: query.status } : {}),
          ...(query.faulted === true ? { faulted: true } : {}),
          ...(typeof query.path === 'string' ? { path: query.path } : {}),
          ...(typeof query.before === 'number' ? { before: query.before } : {}),
          limit: typeof query.limit === 'number' ? query.limit : 100,
        });
        return { status: 200, body: { capacity: sandbox.requests.capacity, total: sandbox.requests.total, data } };
      },

      getRequest: ({ params }) => {
        const seq = Number(params.seq);
        const detail = sandbox.requests.detail(seq);
        if (!detail) throw notFound(`No request ${params.seq} in the log: it keeps the last ${sandbox.requests.capacity} (${sandbox.requests.total} recorded since the last reset).`);
        return { status: 200, body: detail };
      },

      streamEvents: ({ query, headers }) => {
        if (sandbox.events.full) {
          throw new ApiError('TOO_MANY_STREAMS', `At most ${sandbox.events.maxSubscribers} event streams are served at once; close one (another inspector tab?) and retry.`, {
            headers: { 'Retry-After': '5' },
          });
        }
        const types = typeof query.types === 'string' ? query.types.split(',').filter(Boolean) : [];
        const unknown = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
        if (unknown) throw invalid(`types: no event type "${unknown}"; types: ${EVENT_TYPES.join(', ')}`, 'types');
        const lastHeader = headers['last-event-id'];
        const lastEventId = typeof lastHeader === 'string' && lastHeader !== '' ? Number(lastHeader) : typeof query.lastEventId === 'number' ? query.lastEventId : undefined;
        const heartbeatMs = typeof query.heartbeat === 'number' ? query.heartbeat * 1000 : undefined;
        return {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
          stream: (res) => sandbox.events.subscribe(res, { types: types as SandboxEventType[], lastEventId, heartbeatMs }),
        };
      },

      listJobs: ({ query }) => ({ status: 200, body: { data: viewsOf('jobs', query) } }),
      listWebhooks: ({ query }) => ({ status: 200, body: { data: viewsOf('webhooks', query) } }),
    };

    return {
      handlers,
      // No token configured: open (the sandbox then only listens on loopback). A token configured:
      // required on every request, compared in constant time (decision 020).
      guard({ headers }) {
        const { exposed, token, host } = sandbox.access();
        if (!exposed && !token) {
          // Open (loopback, no token): refuse what a web page elsewhere could make a browser send.
          // With a token there is nothing to forge: a page cannot add the header (no CORS here).
          const origin = headers.origin;
          if (typeof origin === 'string' && !sameOrigin(origin, headers.host)) {
            return new ApiError('FORBIDDEN', `Cross-origin requests to the control API are refused (Origin ${origin}): use it from the inspector (/__sandbox/ui/), curl or a test client.`);
          }
          if (host !== undefined && isLoopbackHost(host) && headers.host !== undefined && !isLoopbackHost(hostnameOf(headers.host))) {
            return new ApiError('FORBIDDEN', `Host ${headers.host} is not a loopback name: without an admin token the control API answers requests addressed to 127.0.0.1, ::1 or localhost only.`);
          }
          return undefined;
        }
        const given = tokenOf(headers);
        if (!given) return new ApiError('UNAUTHORIZED', messages.missing);
        if (!token || !sameSecret(given, token)) return new ApiError('UNAUTHORIZED', messages.invalid);
        return undefined;
      },
    };
  },
};
