// Building the runtimes the request path serves: per API its tenancy (accounts, ledger, limiter),
// validators, mocker and the API module's handlers; and the control API's runtime, which has no
// keys, no faults and no log of its own.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxClock } from '../core/clock.ts';
import type { EventPublisher } from '../core/events.ts';
import type { OutboundOptions } from '../core/outbound.ts';
import type { Semaphore } from '../core/semaphore.ts';
import type { Resettable } from '../core/tenant-store.ts';
import type { ApiModule, JobSettings, MediaSettings } from '../engine/module.ts';
import { SpecMocker } from '../engine/mock.ts';
import { SPEC_CACHE } from './spec-cache.ts';
import type { PrismWorker } from '../engine/prism-worker.ts';
import type { ApiRuntime } from '../engine/runtime.ts';
import { createUrlSigner, FILES_PREFIX } from '../engine/transport/files.ts';
import { corsHeaders } from '../engine/transport/respond.ts';
import { Validators } from '../engine/validate/validators.ts';
import type { FaultHooks } from '../faults/hooks.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { ApiPolicy } from '../openapi/policy.ts';
import { AccountStore, type AccountFixture } from '../tenancy/accounts.ts';
import { CreditLedger } from '../tenancy/credits.ts';
import { FixedWindowLimiter } from '../tenancy/rate-limit.ts';
import { SessionTokens } from '../tenancy/session-tokens.ts';
import type { ApiInstance } from '../engine/module.ts';

export interface RuntimeServices {
  clock: SandboxClock;
  /** the one Prism worker every runtime's mocker shares */
  prism: PrismWorker;
  faults: FaultHooks;
  work: Semaphore;
  events: EventPublisher;
  dataDir: string;
  /** key of the signed file links (x-sandbox.files.signedUrls), one per sandbox */
  fileSecret: Buffer;
  seed: number | string;
  settings: JobSettings;
  media: MediaSettings;
  /** credit-ledger entries kept per account (CreditLedger's default when unset) */
  ledgerEntries?: number;
  outbound: OutboundOptions;
}

function exposedHeaders(policy: ApiPolicy): Record<string, string> {
  if (!policy.browsers.cors) return {};
  const rl = policy.rateLimit.headers;
  return corsHeaders([rl.limit, rl.remaining, rl.reset, rl.retryAfter, policy.errors.requestId.header, 'Allow']);
}

/** The parts every runtime has: routing prefix, tenancy, validators, mocker. */
function base(spec: ApiSpec, clock: SandboxClock, prism: PrismWorker, fixtures: AccountFixture[], ledgerEntries?: number) {
  const stores: Resettable[] = [];
  // Beyond the spec's bound the least recently used account goes, and with it its state in every
  // store of this API (ledger, limiter, the module's jobs, templates, deliveries).
  const accounts = new AccountStore(spec.policy, fixtures, () => clock.now(), {
    max: spec.policy.bounds.accounts,
    onEvict: (key) => stores.forEach((s) => s !== accounts && s.reset(key)),
    busy: (key) => stores.some((s) => s.busy?.(key) ?? false),
  });
  const ledger = new CreditLedger(() => clock.now(), { maxEntries: ledgerEntries });
  const limiter = new FixedWindowLimiter(spec.policy.rateLimit.windowSeconds, () => clock.now());
  const tokens = new SessionTokens(() => clock.now());
  stores.push(accounts, ledger, limiter, tokens);
  return {
    prefix: spec.policy.routePrefix,
    spec,
    accounts,
    ledger,
    limiter,
    tokens,
    validators: new Validators(spec),
    mocker: new SpecMocker(spec, prism, SPEC_CACHE),
    cors: exposedHeaders(spec.policy),
    stores,
  };
}

/** One API's runtime, its module (if any) created with the engine's services. */
export function apiRuntime(spec: ApiSpec, module: ApiModule | undefined, fixtures: AccountFixture[], services: RuntimeServices): { runtime: ApiRuntime; instance: ApiInstance } {
  const parts = base(spec, services.clock, services.prism, fixtures, services.ledgerEntries);
  const dir = join(services.dataDir, spec.policy.id);
  mkdirSync(dir, { recursive: true });
  const urlPath = `${FILES_PREFIX}/${spec.policy.id}`;
  const signed = spec.policy.files?.signedUrls;
  const fileSigner = signed ? createUrlSigner(services.fileSecret, signed.ttlSeconds, () => services.clock.now()) : undefined;
  const link = (name: string) => {
    const path = `${urlPath}/${encodeURIComponent(name)}`;
    return fileSigner ? fileSigner.sign(path) : path;
  };
  const instance: ApiInstance =
    module?.create({
      spec,
      accounts: parts.accounts,
      ledger: parts.ledger,
      validators: parts.validators,
      clock: services.clock,
      faults: services.faults,
      work: services.work,
      events: services.events,
      files: { dir, urlPath, link },
      register: (store) => parts.stores.push(store),
      seed: services.seed,
      settings: services.settings,
      media: services.media,
      outbound: services.outbound,
    }) ?? { handlers: {} };
  const unknownHandlers = Object.keys(instance.handlers).filter((id) => !spec.operations.some((o) => o.operationId === id));
  if (unknownHandlers.length) throw new Error(`${spec.policy.id}: handlers for operations the spec lacks: ${unknownHandlers.join(', ')}`);
  return {
    runtime: { ...parts, fileSigner, handlers: instance.handlers, views: instance.views ?? {}, keyed: true, faultable: true, logged: true },
    instance,
  };
}

/**
 * The control API's runtime: its own handlers and guard; never keyed, faulted or logged. Its spec
 * grants no CORS (x-sandbox.browsers.cors: false) — it stays same-origin (the inspector page is
 * served beside it).
 */
export function controlRuntime(spec: ApiSpec, clock: SandboxClock, prism: PrismWorker, control: Pick<ApiRuntime, 'handlers' | 'guard'>): ApiRuntime {
  return { ...base(spec, clock, prism, []), handlers: control.handlers, guard: control.guard, views: {}, keyed: false, faultable: false, logged: false };
}
