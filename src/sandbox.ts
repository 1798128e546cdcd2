// The composition root: load the specs, build one runtime per API, and serve them all through one
// pipeline on one express app. Everything API-specific arrives through the spec and apis/<name>.
import type { Express } from 'express';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURES_DIR, ROOT, SPEC_DIR } from './paths.ts';
import { apiModules } from './apis/index.ts';
import type { ApiInstance, ApiModule, JobSettings } from './apis/module.ts';
import { SandboxClock, type ClockMode } from './clock/clock.ts';
import { SpecMocker } from './http/mock.ts';
import { createFilesHandler, type FileRoot } from './http/files.ts';
import { corsHeaders } from './http/respond.ts';
import { createPipeline, type ApiRuntime } from './http/pipeline.ts';
import { Router } from './http/router.ts';
import { Validators } from './http/validate.ts';
import { AccountStore, type AccountFixture } from './policy/accounts.ts';
import { CreditLedger } from './policy/credits.ts';
import { FixedWindowLimiter } from './policy/rate-limit.ts';
import { FaultEngine } from './faults/engine.ts';
import { DEFAULT_SEED } from './faults/random.ts';
import { DEFAULT_LOG_SIZE, maskUnlessTest, RequestLog } from './admin/request-log.ts';
import { captureExchange, CapturingRequest, CapturingResponse, DEFAULT_BODY_CAP } from './control/capture.ts';
import { EventBus, type EventBusOptions } from './control/events.ts';
import { createUiHandler } from './control/ui.ts';
import type { ResponseRecord } from './http/pipeline.ts';
import { isLoopbackHost, type ResetResult, type ResetScope, type SandboxContext } from './sandbox-context.ts';
import { loadSpec, type ApiSpec } from './spec/load.ts';

/** The control API's own spec (/__sandbox), served whatever else is. */
export const ADMIN_SPEC = join(SPEC_DIR, 'sandbox-admin.yaml');

export interface SandboxOptions {
  /** spec files to serve; default: every openapi/*.yaml with an x-sandbox block */
  specs?: string[];
  /** serve only these API ids */
  only?: string[];
  /** accounts fixture file ({"<api id>": [AccountFixture…]}); default fixtures/accounts.json */
  accountsFile?: string;
  clock?: { mode?: ClockMode; scale?: number };
  maxBodyBytes?: number;
  /** where APIs write their files (renders); default a directory under the OS temp dir */
  dataDir?: string;
  /** seed of the sandbox's randomness (probabilistic faults, latency distributions); default 42 */
  seed?: number | string;
  /** token the control API requires when the server listens on a non-loopback address */
  adminToken?: string;
  /** serve the control API (/__sandbox); default true */
  controlApi?: boolean;
  /** capacity of the request log (ring buffer); default 1000 */
  requestLogSize?: number;
  /** bytes the request log keeps of each request and response body; default 16 KiB; 0 records no headers or bodies */
  requestLogBodyBytes?: number;
  /** the control API's event stream (GET /__sandbox/events): queue, replay and heartbeat bounds */
  events?: Omit<EventBusOptions, 'now'>;
  /** job lifecycle and webhook tuning passed to every API module */
  jobs?: JobSettings;
  /** check handler responses against the spec (on in the test suite; SANDBOX_VALIDATE_RESPONSES=1) */
  validateResponses?: boolean;
  /** API modules by spec id, over the built-in ones (embedding, tests) */
  modules?: Record<string, ApiModule>;
}

export interface Sandbox {
  /** the sandbox as an express app, to mount inside another express server (loaded on first use) */
  readonly app: Express;
  /** every served runtime, the control API's included */
  apis: ApiRuntime[];
  clock: SandboxClock;
  faults: FaultEngine;
  requests: RequestLog;
  /** the control API's event stream (the inspector's live updates) */
  events: EventBus;
  /** subscribe to finished requests (the request log is one consumer); returns an unsubscribe function */
  onResponse(listener: (record: ResponseRecord) => void): () => void;
  /** the control API's reset, for programs that embed the sandbox */
  reset(scope?: ResetScope): ResetResult;
  listen(port: number, host: string): Promise<{ server: Server; url: string }>;
  close(): Promise<void>;
}

export function defaultSpecFiles(dir = SPEC_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => /^x-sandbox:/m.test(readFileSync(f, 'utf8')));
}

function loadFixtures(file: string | undefined): Record<string, AccountFixture[]> {
  const path = file ?? join(FIXTURES_DIR, 'accounts.json');
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = new SandboxClock(options.clock);
  const fixtures = loadFixtures(options.accountsFile);
  const seed = options.seed ?? DEFAULT_SEED;
  const faults = new FaultEngine({ seed, now: () => clock.now() });
  // Renders go to a fresh temporary directory unless told otherwise; it is removed on close().
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'video-api-sandbox-'));
  const files = [...(options.specs ?? defaultSpecFiles())];
  const withControl = options.controlApi !== false;
  if (withControl && !files.some((f) => resolve(f) === ADMIN_SPEC)) files.push(ADMIN_SPEC);
  let specs: ApiSpec[] = files.map(loadSpec);
  if (!withControl) specs = specs.filter((s) => !s.policy.control);
  if (options.only?.length) {
    const unknown = options.only.filter((id) => !specs.some((s) => s.policy.id === id));
    if (unknown.length) throw new Error(`unknown API ${unknown.join(', ')}; available: ${specs.map((s) => s.policy.id).join(', ')}`);
    // Control APIs are always served: --api narrows the vendor APIs only.
    specs = specs.filter((s) => s.policy.control || options.only!.includes(s.policy.id));
  }
  if (!specs.some((s) => !s.policy.control)) throw new Error('no API to serve');

  let apis: ApiRuntime[] = [];
  const served = () => apis.filter((a) => !a.spec.policy.control);
  const requests = new RequestLog(
    options.requestLogSize ?? DEFAULT_LOG_SIZE,
    maskUnlessTest((id, key) => served().find((a) => a.spec.policy.id === id)?.spec.policy.auth.testKeyPattern.test(key) ?? false),
  );
  const events = new EventBus({ ...options.events, now: () => new Date(clock.now()).toISOString() });
  const listeners = new Set<(record: ResponseRecord) => void>();
  // The control API's own traffic stays out of the log: reading the log must not fill it.
  listeners.add((r) => {
    if (r.control) return;
    requests.record(r);
    if (events.active) events.publish('request', requests.latest());
  });
  let boundHost: string | undefined;
  const bodyCap = Math.max(0, options.requestLogBodyBytes ?? DEFAULT_BODY_CAP);
  const initialClock = { mode: options.clock?.mode ?? 'real', scale: options.clock?.scale };

  const apiOfKey = (key: string, id?: string): ApiRuntime | undefined => {
    if (id !== undefined) return served().find((a) => a.spec.policy.id === id);
    return served().find((a) => a.spec.policy.auth.testKeyPattern.test(key)) ?? served().find((a) => a.accounts.get(key));
  };

  const reset = (scope: ResetScope = {}): ResetResult => {
    if (scope.key !== undefined) {
      const runtime = apiOfKey(scope.key, scope.api);
      const targets = runtime ? [runtime] : [];
      for (const a of targets) {
        a.instance.reset?.(scope.key);
        a.accounts.reset(scope.key);
        a.ledger.reset(scope.key);
        a.limiter.reset(`key:${scope.key}`);
      }
      const key = scope.key;
      const faultsRemoved = faults.rules.clear((r) => r.match.key === key);
      requests.clear((e) => e.key === key);
      return { scope: 'account', apis: targets.map((a) => a.spec.policy.id), key, faultsRemoved };
    }
    const targets = scope.api !== undefined ? served().filter((a) => a.spec.policy.id === scope.api) : served();
    for (const a of targets) {
      a.instance.reset?.();
      a.accounts.reset();
      a.ledger.reset();
      a.limiter.reset();
    }
    if (scope.api !== undefined) {
      const id = scope.api;
      const faultsRemoved = faults.rules.clear((r) => r.match.api === id);
      requests.clear((e) => e.api === id);
      return { scope: 'api', apis: targets.map((a) => a.spec.policy.id), faultsRemoved };
    }
    const faultsRemoved = faults.rules.list().length;
    faults.reset();
    requests.clear();
    clock.restart(initialClock.mode, initialClock.scale);
    return { scope: 'all', apis: targets.map((a) => a.spec.policy.id), faultsRemoved };
  };

  const context: SandboxContext = {
    apis: served,
    apiOfKey,
    clock,
    faults,
    requests,
    events,
    seed,
    reset,
    access: () => ({ exposed: boundHost !== undefined && !isLoopbackHost(boundHost), token: options.adminToken, host: boundHost }),
    startedAt: Date.now(),
  };

  const instances: ApiInstance[] = [];
  const fileRoots = new Map<string, FileRoot>();
  apis = specs.map((spec) => {
    const { policy } = spec;
    const accounts = new AccountStore(policy, fixtures[policy.id] ?? [], () => clock.now());
    const apiDataDir = join(dataDir, policy.id);
    if (!policy.control) {
      mkdirSync(apiDataDir, { recursive: true });
      fileRoots.set(policy.id, { policy, dir: apiDataDir });
    }
    const ledger = new CreditLedger(() => clock.now());
    const validators = new Validators(spec);
    const modules = { ...apiModules, ...options.modules };
    const instance =
      modules[policy.id]?.create({ spec, accounts, clock, ledger, validators, faults, dataDir: apiDataDir, settings: options.jobs, sandbox: context }) ?? { handlers: {} };
    instances.push(instance);
    const unknownHandlers = Object.keys(instance.handlers).filter((id) => !spec.operations.some((o) => o.operationId === id));
    if (unknownHandlers.length) throw new Error(`${policy.id}: handlers for operations the spec lacks: ${unknownHandlers.join(', ')}`);
    const rl = policy.rateLimit.headers;
    return {
      prefix: policy.routePrefix,
      spec,
      accounts,
      ledger,
      instance,
      limiter: new FixedWindowLimiter(policy.rateLimit.windowSeconds, () => clock.now()),
      validators,
      handlers: instance.handlers,
      mocker: new SpecMocker(spec),
      // Vendor APIs are open to browser clients; the control API stays same-origin (decision 022).
      cors: policy.control ? {} : corsHeaders([rl.limit, rl.remaining, rl.reset, rl.retryAfter, policy.errors.requestId.header, 'Allow']),
    };
  });

  const router = new Router(apis.map((api) => ({ api, operations: api.spec.operations })));
  const handle = createPipeline({
    router,
    maxBodyBytes: options.maxBodyBytes,
    faults,
    now: () => clock.now(),
    validateResponses: options.validateResponses ?? process.env.SANDBOX_VALIDATE_RESPONSES === '1',
    capture: bodyCap > 0 ? (req, res) => captureExchange(req, res, bodyCap) : undefined,
    onResponse: (record) => {
      for (const listener of listeners) {
        try {
          listener(record);
        } catch (err) {
          console.error('response listener failed:', err);
        }
      }
    },
  });
  // Produced files (renders) are served beside the APIs, outside the spec-driven pipeline.
  const handleFiles = createFilesHandler(fileRoots);
  // The inspector's page beside the control API (its data comes from the control API).
  const control = apis.find((a) => a.spec.policy.control);
  const handleUi = control ? createUiHandler(control.prefix) : undefined;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (handleUi?.(req, res)) return;
    if (!handleFiles(req, res)) void handle(req, res);
  };
  // The same handler as an express app, to mount the sandbox inside another express server. The
  // standalone server does not go through express (decision 005), so express is only loaded here,
  // on first use: importing it costs a fifth of the start-up time.
  let app: Express | undefined;
  const expressApp = (): Express => {
    if (!app) {
      const express = createRequire(import.meta.url)('express') as typeof import('express');
      app = express();
      app.disable('x-powered-by');
      app.disable('etag');
      app.use(serve);
    }
    return app;
  };

  let server: Server | undefined;
  return {
    get app() {
      return expressApp();
    },
    apis,
    clock,
    faults,
    requests,
    events,
    onResponse(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset,
    listen(port, host) {
      if (withControl && !isLoopbackHost(host) && !options.adminToken) {
        return Promise.reject(new Error(`refusing to serve the control API (/__sandbox) on ${host} without an admin token (--admin-token or SANDBOX_ADMIN_TOKEN); bind to 127.0.0.1 or set one`));
      }
      boundHost = host;
      return new Promise((resolvePromise, reject) => {
        // Its own request/response classes let the request log see bodies at no per-request cost.
        const s = createServer({ IncomingMessage: CapturingRequest, ServerResponse: CapturingResponse }, serve);
        s.listen(port, host);
        s.once('error', reject);
        s.once('listening', () => {
          server = s;
          const addr = s.address();
          const actualPort = typeof addr === 'object' && addr ? addr.port : port;
          const shownHost = host.includes(':') ? `[${host}]` : host;
          // Compile the remaining validators off the first request's path.
          setTimeout(() => apis.forEach((a) => void a.validators.warm()), 20).unref();
          resolvePromise({ server: s, url: `http://${shownHost}:${actualPort}` });
        });
      });
    },
    async close() {
      // Event streams never end by themselves: end them, or server.close() would wait forever.
      events.close();
      clock.close();
      await Promise.all(instances.map((i) => i.close?.()));
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
