// The composition root: load the specs, build one runtime per API (and the control API's), and
// serve them through one request path. Everything API-specific arrives through the spec and
// src/apis/<name>; the pieces of the wiring live in src/compose/.
import type { Express } from 'express';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { apiModules } from './apis/index.ts';
import { createDataDir, removeStaleDataDirs } from './compose/data-dir.ts';
import { createReset } from './compose/reset.ts';
import { apiRuntime, controlRuntime } from './compose/runtimes.ts';
import { CONTROL_SPEC, defaultSpecFiles, loadApiSpecs, loadFixtures } from './compose/specs.ts';
import { sharedSpec } from './compose/spec-cache.ts';
import { captureExchange, CapturingRequest, CapturingResponse, DEFAULT_BODY_CAP } from './control/capture.ts';
import { EventBus, type EventBusOptions } from './control/events.ts';
import { createControlApi } from './control/index.ts';
import { createUiHandler } from './control/ui.ts';
import type { ResetResult, ResetScope, SandboxContext } from './control/context.ts';
import { DEFAULT_LOG_SIZE, maskUnlessTest, RequestLog } from './control/request-log.ts';
import { SandboxClock, type ClockMode } from './core/clock.ts';
import { isLoopbackHost } from './core/net.ts';
import { DEFAULT_SEED } from './core/random.ts';
import { Semaphore } from './core/semaphore.ts';
import type { ApiInstance, ApiModule, JobSettings, MediaSettings } from './engine/module.ts';
import { createRequestPath } from './engine/request-path.ts';
import { createRequestIds } from './engine/request-id.ts';
import { answerClientErrors } from './engine/transport/client-errors.ts';
import { Router } from './engine/router.ts';
import type { ApiRuntime, ResponseRecord } from './engine/runtime.ts';
import { PrismWorker } from './engine/prism-worker.ts';
import { createFilesHandler, type FileRoot } from './engine/transport/files.ts';
import { FaultEngine } from './faults/engine.ts';

export { defaultSpecFiles, CONTROL_SPEC };

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
  /** credit-ledger entries kept per account before the oldest are folded into one; default 1000 */
  ledgerEntries?: number;
  /** bytes the request log keeps of each request and response body; default 16 KiB; 0 records no headers or bodies */
  requestLogBodyBytes?: number;
  /** the control API's event stream (GET /__sandbox/events): queue, replay and heartbeat bounds */
  events?: Omit<EventBusOptions, 'now'>;
  /** heavy work (renders) running at once across every API; default one per CPU core, plus one */
  workConcurrency?: number;
  /**
   * slots one key may hold at once; default all but one (with the default slots: one per core),
   * so a lone key uses every core and another key's job still starts at once however many one key
   * has queued (decision 016)
   */
  workPerKey?: number;
  /** job lifecycle and webhook tuning passed to every API module */
  jobs?: JobSettings;
  /** the timing profile of lifecycles that declare them (x-sandbox.timing, e.g. fast or realistic); overrides jobs.timing */
  timing?: string;
  /** how produced media is made (fidelity) */
  media?: MediaSettings;
  /**
   * once listening, load Prism (in a worker thread) and answer every operation's documented
   * successes once, so that their first `Prefer`/mocked requests are served from the cache; default true
   */
  warmMocks?: boolean;
  /**
   * once listening and idle, compile the request validators not compiled yet (between requests,
   * one operation at a time), so that no first request pays for it; default true. Each step
   * holds the event loop (up to a few hundred ms on a busy machine), which a scaled clock
   * multiplies: a ×600 clock's timers run late by minutes of sandbox time just after start.
   * startSandbox() turns it off (each validator compiles on first use).
   */
  warmValidators?: boolean;
  /**
   * hosts besides loopback the sandbox may fetch media from and post webhooks to: names, IP
   * literals, `*.example.com`, `*` (any public host); link-local and metadata never (decision 008)
   */
  outbound?: { allowHosts?: string[] };
  /** check every response against the spec (on in the test suite; SANDBOX_VALIDATE_RESPONSES=1) */
  validateResponses?: boolean;
  /** API modules by spec id, over the built-in ones (embedding, tests) */
  modules?: Record<string, ApiModule>;
}

export interface Sandbox {
  /**
   * the sandbox as an express app, to mount inside another express server (`outer.use(sandbox.app)`;
   * loaded on first use). Declared as a plain request listener so the package's types need no @types/express.
   */
  readonly app: RequestListener;
  /** the served APIs' runtimes (the control API's is `control`) */
  apis: ApiRuntime[];
  control?: ApiRuntime;
  clock: SandboxClock;
  faults: FaultEngine;
  requests: RequestLog;
  /** where the APIs write their files (a fresh temporary directory unless options.dataDir; removed on close) */
  readonly dataDir: string;
  /** the control API's event stream (the inspector's live updates) */
  events: EventBus;
  /** subscribe to finished requests (the request log is one consumer); returns an unsubscribe function */
  onResponse(listener: (record: ResponseRecord) => void): () => void;
  /** the control API's reset, for programs that embed the sandbox */
  reset(scope?: ResetScope): ResetResult;
  /** compile every validator and answer every mocked operation once now (listen() does it in the background) */
  warm(): Promise<void>;
  listen(port: number, host: string): Promise<{ server: Server; url: string }>;
  close(): Promise<void>;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = new SandboxClock(options.clock);
  const fixtures = loadFixtures(options.accountsFile);
  const seed = options.seed ?? DEFAULT_SEED;
  const faults = new FaultEngine({ seed, now: () => clock.now() });
  // Renders go to a fresh temporary directory unless told otherwise; it is removed on close(),
  // and the ones of sandboxes that were killed are removed when the next one starts.
  removeStaleDataDirs();
  const dataDir = options.dataDir ?? createDataDir();
  const specs = loadApiSpecs(options.specs, options.only);
  // One slot more than cores: a lone key renders on every core, and the spare one is there the
  // moment another key's job arrives (renders cannot be preempted).
  const slots = Math.max(1, options.workConcurrency ?? availableParallelism() + 1);
  const work = new Semaphore(slots, { maxPerTenant: options.workPerKey ?? Math.max(1, slots - 1) });
  const prism = new PrismWorker();
  const events = new EventBus({ ...options.events, now: () => new Date(clock.now()).toISOString() });
  const modules = { ...apiModules, ...options.modules };
  // One key per sandbox for its signed file links: they stop working when it stops, like its files.
  const fileSecret = randomBytes(32);
  const settings: JobSettings = { ...options.jobs, ...(options.timing !== undefined ? { timing: options.timing } : {}) };

  const instances: ApiInstance[] = [];
  const apis = specs.map((spec) => {
    const built = apiRuntime(spec, modules[spec.policy.id], fixtures[spec.policy.id] ?? [], {
      clock,
      prism,
      faults,
      work,
      events,
      dataDir,
      fileSecret,
      seed,
      settings,
      media: options.media ?? {},
      ledgerEntries: options.ledgerEntries,
      outbound: { allowHosts: options.outbound?.allowHosts ?? options.media?.allowHosts },
    });
    instances.push(built.instance);
    return built.runtime;
  });

  const requests = new RequestLog(
    options.requestLogSize ?? DEFAULT_LOG_SIZE,
    maskUnlessTest((id, key) => apis.find((a) => a.spec.policy.id === id)?.spec.policy.auth.testKeyPattern.test(key) ?? false),
  );
  const listeners = new Set<(record: ResponseRecord) => void>([
    (r) => {
      requests.record(r);
      if (events.active) events.publish('request', requests.latest());
    },
  ]);
  const bodyCap = Math.max(0, options.requestLogBodyBytes ?? DEFAULT_BODY_CAP);
  const apiOfKey = (key: string, id?: string): ApiRuntime | undefined => {
    if (id !== undefined) return apis.find((a) => a.spec.policy.id === id);
    return apis.find((a) => a.spec.policy.auth.testKeyPattern.test(key)) ?? apis.find((a) => a.accounts.get(key));
  };
  const reset = createReset({ apis: () => apis, apiOfKey, faults, requests, clock, initialClock: { mode: options.clock?.mode ?? 'real', scale: options.clock?.scale } });

  let boundHost: string | undefined;
  const context: SandboxContext = {
    apis: () => apis,
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
  const withControl = options.controlApi !== false;
  const controlSpec = withControl ? sharedSpec(CONTROL_SPEC) : undefined;
  const control = controlSpec ? controlRuntime(controlSpec, clock, prism, createControlApi(controlSpec, context)) : undefined;

  const served = control ? [...apis, control] : apis;
  const router = new Router(served.map((api) => ({ api, operations: api.spec.operations })));
  const requestIds = createRequestIds();
  const handle = createRequestPath({
    requestIds,
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
  // Produced files (renders) are served beside the APIs, outside the spec-driven request path.
  const fileRoots = new Map<string, FileRoot>(apis.map((a) => [a.spec.policy.id, { policy: a.spec.policy, dir: join(dataDir, a.spec.policy.id), signer: a.fileSigner }]));
  const handleFiles = createFilesHandler(fileRoots, requestIds);
  // The inspector's page beside the control API (its data comes from the control API).
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

  // Load Prism and answer every operation once (plainly where there is no handler, and with each
  // documented success code); the answers are kept for the next start too (engine/mock.ts).
  const warmMocks = () => Promise.all(apis.map((a) => a.mocker.warm(a.spec.operations.filter((o) => !a.handlers[o.operationId]).map((o) => o.operationId)))).then(() => undefined);

  let server: Server | undefined;
  let warmTimer: NodeJS.Timeout | undefined;
  const warming = new AbortController();
  let closing: Promise<void> | undefined;
  return {
    get app() {
      return expressApp();
    },
    apis,
    control,
    clock,
    faults,
    requests,
    dataDir,
    events,
    onResponse(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset,
    async warm() {
      await Promise.all([...served.map((a) => a.validators.warm()), warmMocks()]);
    },
    listen(port, host) {
      if (withControl && !isLoopbackHost(host) && !options.adminToken) {
        return Promise.reject(new Error(`refusing to serve the control API (/__sandbox) on ${host} without an admin token (--admin-token or SANDBOX_ADMIN_TOKEN); bind to 127.0.0.1 or set one`));
      }
      boundHost = host;
      return new Promise((resolvePromise, reject) => {
        // Its own request/response classes let the request log see bodies at no per-request cost.
        const s = createServer({ IncomingMessage: CapturingRequest, ServerResponse: CapturingResponse }, serve);
        answerClientErrors(s, { router, requestId: requestIds });
        s.listen(port, host);
        s.once('error', reject);
        s.once('listening', () => {
          server = s;
          const addr = s.address();
          const actualPort = typeof addr === 'object' && addr ? addr.port : port;
          const shownHost = host.includes(':') ? `[${host}]` : host;
          // Off the requests' path: once the server has been idle for 100 ms (250 ms after
          // listen at the latest, unless requests keep coming), compile the remaining
          // validators, and load Prism (a worker thread) and answer every mocked operation once.
          let inFlight = 0;
          let quiet: NodeJS.Timeout | undefined;
          let warmed = false;
          const warm = () => {
            if (warmed || warming.signal.aborted) return;
            warmed = true;
            s.off('request', track);
            if (options.warmValidators !== false) served.forEach((a) => void a.validators.warm(warming.signal));
            if (options.warmMocks !== false) void warmMocks();
          };
          const arm = (ms: number) => {
            clearTimeout(quiet);
            quiet = warmTimer = setTimeout(warm, ms).unref();
          };
          const track = (_req: IncomingMessage, res: ServerResponse) => {
            inFlight++;
            clearTimeout(quiet);
            res.once('close', () => {
              if (--inFlight === 0) arm(100);
            });
          };
          s.on('request', track);
          arm(250);
          resolvePromise({ server: s, url: `http://${shownHost}:${actualPort}` });
        });
      });
    },
    // Frees the port, ends the event streams, stops every timer, aborts in-flight jobs and waits for
    // their FFmpeg and speech children to exit, then removes the temporary data directory. Open
    // connections are cut, not waited for.
    close() {
      closing ??= (async () => {
        clearTimeout(warmTimer);
        warming.abort();
        // Event streams never end by themselves: end them, or server.close() would wait forever.
        events.close();
        const stopped = server ? new Promise<void>((r) => server!.close(() => r())) : Promise.resolve();
        server?.closeAllConnections();
        clock.close();
        await Promise.all(instances.map((i) => i.close?.()));
        await prism.close();
        await stopped;
        if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
