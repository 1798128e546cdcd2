// The control API (/__sandbox) as typed methods: each is one request, answered with the shape the
// spec documents (shapes.ts) or a SandboxControlError. Used by startSandbox() for a sandbox in this
// process and by connectSandbox() for one started elsewhere (a globalSetup, another process).
import { SandboxControlError } from './control-error.ts';
import { openEventStream, type EventStream, type EventStreamOptions } from './event-stream.ts';
import type {
  Account, AccountList, AccountListQuery, AccountPatch, AccountQuery, ClockAdvanced, ClockSet, ClockState, Deleted, FaultQuery,
  FaultRule, FaultRuleInput, FaultRuleList, Health, JobList, JobQuery, Ledger, RequestDetail, RequestList, RequestQuery,
  ResetRequest, ResetResult, SessionToken, SessionTokenRequest, SpecDocument, SpecList, WebhookDeliveryList, WebhookQuery,
} from './shapes.ts';

export interface ControlMethods {
  /** GET /__sandbox/health: the served APIs (with their base URLs), the clock, the seed */
  health(): Promise<Health>;
  faults: {
    /** POST /__sandbox/faults: add a rule (it applies at once) */
    use(rule: FaultRuleInput): Promise<FaultRule>;
    /** GET /__sandbox/faults: every rule with its counters */
    list(query?: FaultQuery): Promise<FaultRuleList>;
    /** GET /__sandbox/faults/{id} */
    get(id: string): Promise<FaultRule>;
    /** DELETE /__sandbox/faults/{id} */
    remove(id: string): Promise<void>;
    /** DELETE /__sandbox/faults: every rule */
    reset(): Promise<Deleted>;
  };
  clock: {
    /** GET /__sandbox/clock */
    get(): Promise<ClockState>;
    /** POST /__sandbox/clock: `set('manual')`, `set('scaled', 10)`, `set({ mode, scale })` */
    set(mode: ClockSet | ClockSet['mode'], scale?: number): Promise<ClockState>;
    /** POST /__sandbox/clock {"mode": "manual"}: time stands still until advanced */
    freeze(): Promise<ClockState>;
    /** POST /__sandbox/clock/advance: due timers (job stages, webhook retries) run in order */
    advance(seconds: number): Promise<ClockAdvanced>;
  };
  accounts: {
    /** GET /__sandbox/accounts: every served API's accounts, newest first */
    list(query?: AccountListQuery): Promise<AccountList>;
    /** GET /__sandbox/accounts/{key} */
    get(key: string, query?: AccountQuery): Promise<Account>;
    /** PATCH /__sandbox/accounts/{key} (provisions a well-formed new test key) */
    update(key: string, patch: AccountPatch, query?: AccountQuery): Promise<Account>;
    /** GET /__sandbox/accounts/{key}/ledger */
    ledger(key: string, query?: AccountQuery): Promise<Ledger>;
    /**
     * POST /__sandbox/accounts/{key}/tokens: a session token the API takes as `Authorization:
     * Bearer <token>` (APIs that declare session tokens, e.g. Sketchpen), expiring on the sandbox clock
     */
    sessionToken(key: string, request?: SessionTokenRequest, query?: AccountQuery): Promise<SessionToken>;
  };
  requests: {
    /** GET /__sandbox/requests: the request log, newest first */
    list(query?: RequestQuery): Promise<RequestList>;
    /** GET /__sandbox/requests/{seq}: one logged request with its headers and bodies */
    get(seq: number): Promise<RequestDetail>;
  };
  jobs: {
    /** GET /__sandbox/jobs: every API's jobs, newest first */
    list(query?: JobQuery): Promise<JobList>;
  };
  webhooks: {
    /** GET /__sandbox/webhooks: deliveries with every attempt, newest first */
    list(query?: WebhookQuery): Promise<WebhookDeliveryList>;
  };
  events: {
    /**
     * GET /__sandbox/events: follow the sandbox live (finished requests, job transitions, webhook
     * attempts, control changes). Resolves once connected, so an action after it is not missed.
     */
    stream(options?: EventStreamOptions): Promise<EventStream>;
  };
  specs: {
    /** GET /__sandbox/specs: the served APIs' OpenAPI documents */
    list(): Promise<SpecList>;
    /** GET /__sandbox/specs/{api}: one API's document, its servers pointing at this sandbox */
    get(api: string): Promise<SpecDocument>;
  };
}

export interface ControlClient extends ControlMethods {
  /** POST /__sandbox/reset */
  reset(scope?: ResetRequest): Promise<ResetResult>;
}

type Query = Record<string, string | number | boolean | undefined>;

export function createControlClient(baseUrl: string, adminToken?: string): ControlClient {
  const root = baseUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {};
  const call = async <T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) search.set(k, String(v));
    const target = `/__sandbox${path}${search.size ? `?${search}` : ''}`;
    const endpoint = `${method} /__sandbox${path}`;
    const headers: Record<string, string> = { ...auth };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(root + target, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (err) {
      throw new Error(`video-api-sandbox: ${endpoint} got no answer from ${root} (is the sandbox closed?): ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw SandboxControlError.from(res.status, body, endpoint);
    return body as T;
  };
  const key = (k: string) => encodeURIComponent(k);
  return {
    health: () => call('GET', '/health'),
    faults: {
      use: (rule) => call('POST', '/faults', { body: rule }),
      list: (query) => call('GET', '/faults', { query }),
      get: (id) => call('GET', `/faults/${encodeURIComponent(id)}`),
      remove: async (id) => {
        await call('DELETE', `/faults/${encodeURIComponent(id)}`);
      },
      reset: () => call('DELETE', '/faults'),
    },
    clock: {
      get: () => call('GET', '/clock'),
      set: (mode, scale) => call('POST', '/clock', { body: typeof mode === 'string' ? { mode, ...(scale === undefined ? {} : { scale }) } : mode }),
      freeze: () => call('POST', '/clock', { body: { mode: 'manual' } }),
      advance: (seconds) => call('POST', '/clock/advance', { body: { seconds } }),
    },
    accounts: {
      list: (query) => call('GET', '/accounts', { query }),
      get: (k, query) => call('GET', `/accounts/${key(k)}`, { query }),
      update: (k, patch, query) => call('PATCH', `/accounts/${key(k)}`, { body: patch, query }),
      ledger: (k, query) => call('GET', `/accounts/${key(k)}/ledger`, { query }),
      sessionToken: (k, request, query) => call('POST', `/accounts/${key(k)}/tokens`, { body: request ?? {}, query }),
    },
    requests: {
      list: (query) => call('GET', '/requests', { query }),
      get: (seq) => call('GET', `/requests/${encodeURIComponent(String(seq))}`),
    },
    jobs: { list: (query) => call('GET', '/jobs', { query }) },
    webhooks: { list: (query) => call('GET', '/webhooks', { query }) },
    events: { stream: (options) => openEventStream(root, auth, options) },
    specs: {
      list: () => call('GET', '/specs'),
      get: (api) => call('GET', `/specs/${encodeURIComponent(api)}`),
    },
    reset: (scope) => call('POST', '/reset', { body: scope ?? {} }),
  };
}
