// The composition root: load the specs, build one runtime per API, and serve them all through one
// pipeline on one express app. Everything API-specific arrives through the spec and apis/<name>.
import express from 'express';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiModules } from './apis/index.ts';
import type { ApiInstance, ApiModule, JobSettings } from './apis/module.ts';
import { SandboxClock, type ClockMode } from './clock/clock.ts';
import { SpecMocker } from './http/mock.ts';
import { createFilesHandler, type FileRoot } from './http/files.ts';
import { createPipeline, type ApiRuntime } from './http/pipeline.ts';
import { Router } from './http/router.ts';
import { Validators } from './http/validate.ts';
import { AccountStore, type AccountFixture } from './policy/accounts.ts';
import { CreditLedger } from './policy/credits.ts';
import { FixedWindowLimiter } from './policy/rate-limit.ts';
import { noFaults, type FaultHooks } from './faults/hooks.ts';
import { loadSpec, type ApiSpec } from './spec/load.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_DIR = join(ROOT, 'openapi');

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
  /** job lifecycle and webhook tuning passed to every API module */
  jobs?: JobSettings;
  /** check handler responses against the spec (on in the test suite; SANDBOX_VALIDATE_RESPONSES=1) */
  validateResponses?: boolean;
  /** API modules by spec id, over the built-in ones (embedding, tests) */
  modules?: Record<string, ApiModule>;
}

export interface Sandbox {
  app: express.Express;
  apis: ApiRuntime[];
  clock: SandboxClock;
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
  const path = file ?? join(ROOT, 'fixtures', 'accounts.json');
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = new SandboxClock(options.clock);
  const fixtures = loadFixtures(options.accountsFile);
  const faults: FaultHooks = noFaults;
  const dataDir = options.dataDir ?? join(tmpdir(), `video-api-sandbox-${process.pid}`);
  let specs: ApiSpec[] = (options.specs ?? defaultSpecFiles()).map(loadSpec);
  if (options.only?.length) {
    const unknown = options.only.filter((id) => !specs.some((s) => s.policy.id === id));
    if (unknown.length) throw new Error(`unknown API ${unknown.join(', ')}; available: ${specs.map((s) => s.policy.id).join(', ')}`);
    specs = specs.filter((s) => options.only!.includes(s.policy.id));
  }
  if (!specs.length) throw new Error('no API to serve');

  const instances: ApiInstance[] = [];
  const fileRoots = new Map<string, FileRoot>();
  const apis: ApiRuntime[] = specs.map((spec) => {
    const { policy } = spec;
    const accounts = new AccountStore(policy, fixtures[policy.id] ?? [], () => clock.now());
    const apiDataDir = join(dataDir, policy.id);
    mkdirSync(apiDataDir, { recursive: true });
    fileRoots.set(policy.id, { policy, dir: apiDataDir });
    const ledger = new CreditLedger(() => clock.now());
    const modules = { ...apiModules, ...options.modules };
    const instance =
      modules[policy.id]?.create({ spec, accounts, clock, ledger, faults, dataDir: apiDataDir, settings: options.jobs }) ?? { handlers: {} };
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
      validators: new Validators(spec),
      handlers: instance.handlers,
      mocker: new SpecMocker(spec),
      exposedHeaders: [rl.limit, rl.remaining, rl.reset, rl.retryAfter, policy.errors.requestId.header, 'Allow'],
    };
  });

  const router = new Router(apis.map((api) => ({ api, operations: api.spec.operations })));
  const handle = createPipeline({
    router,
    maxBodyBytes: options.maxBodyBytes,
    validateResponses: options.validateResponses ?? process.env.SANDBOX_VALIDATE_RESPONSES === '1',
  });
  // Produced files (renders) are served beside the APIs, outside the spec-driven pipeline.
  const handleFiles = createFilesHandler(fileRoots);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res) => {
    if (handleFiles(req, res)) return;
    void handle(req, res);
  });

  let server: Server | undefined;
  return {
    app,
    apis,
    clock,
    listen(port, host) {
      return new Promise((resolvePromise, reject) => {
        const s = app.listen(port, host);
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
      clock.close();
      await Promise.all(instances.map((i) => i.close?.()));
      if (server) await new Promise<void>((r) => server!.close(() => r()));
    },
  };
}
