// The contract between the engine and an API module: given the engine's services for one API, a
// module returns handlers keyed by operationId and registers its stores for reset. Operations
// without a handler are answered from the spec (examples/schemas) by the engine.
import type { SandboxClock } from '../core/clock.ts';
import type { EventPublisher } from '../core/events.ts';
import type { OutboundOptions } from '../core/outbound.ts';
import type { Semaphore } from '../core/semaphore.ts';
import type { Resettable } from '../core/tenant-store.ts';
import type { FaultHooks } from '../faults/hooks.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { AccountStore } from '../tenancy/accounts.ts';
import type { CreditLedger } from '../tenancy/credits.ts';
import type { Handler } from './handler.ts';
import type { Validators } from './validate/validators.ts';

export interface ModuleEnv {
  spec: ApiSpec;
  accounts: AccountStore;
  clock: SandboxClock;
  ledger: CreditLedger;
  /** the spec's compiled validators, for values a module builds itself (a filled-in template) */
  validators: Validators;
  /** where lifecycles and webhook delivery ask for injected faults */
  faults: FaultHooks;
  /** the sandbox's one limit on heavy work (renders): shared by every API, fair across keys */
  work: Semaphore;
  /**
   * where this API's files go, the URL path they are served under (/files/<api id>), and the link
   * (path and query) a client fetches one at: pre-signed with an expiry when the spec asks for it
   */
  files: { dir: string; urlPath: string; link(name: string): string };
  /** the sandbox seed (SandboxOptions.seed): deterministic made-up content derives from it */
  seed: number | string;
  /** the sandbox's event stream: job transitions, webhook attempts (the control API streams them) */
  events: EventPublisher;
  /** register per-account state, so that a sandbox reset (one key or all) reaches it */
  register(store: Resettable): void;
  /** tuning of job lifecycles and webhook delivery (SandboxOptions.jobs) */
  settings: JobSettings;
  /** how produced media is made (SandboxOptions.media) */
  media: MediaSettings;
  /** the outbound policy every URL the module fetches or posts to passes (sources, webhooks) */
  outbound: OutboundOptions;
}

/** Knobs for stateful modules; everything optional, defaults chosen by each module. */
export interface JobSettings {
  /** finished jobs kept per account; default 100 */
  historyLimit?: number;
  /** sandbox ms a job waits in its first state before work may start; default 1000 */
  queueDelayMs?: number;
  /** wall-clock ms one stage's work may take before the job fails; default 120 000 */
  workTimeoutMs?: number;
  /** wall-clock ms a webhook receiver may take to answer; default x-sandbox.webhooks.timeoutSeconds */
  webhookTimeoutMs?: number;
  /** webhook deliveries kept per account; default 200 */
  webhookHistoryLimit?: number;
  /** the timing profile (x-sandbox.timing.profiles) of lifecycles that declare them; default the spec's */
  timing?: string;
}

export interface MediaSettings {
  /** 'light' (long side ≤ 640 px, fast preset; default) or 'full' (the requested size) */
  fidelity?: 'light' | 'full';
  /** @deprecated use SandboxOptions.outbound.allowHosts (read when that is not given) */
  allowHosts?: string[];
  /** threads one FFmpeg process may use for its graph and encoder; default 2 */
  ffmpegThreads?: number;
  /** address-space cap of one FFmpeg process in bytes (Linux, via prlimit); default 2 GiB light, 4 GiB full */
  ffmpegMemoryBytes?: number;
}

/** One job or delivery as the control API lists it across APIs. */
export interface ViewRecord {
  /** the owning account's key */
  key: string;
  /** sandbox ms of creation: the control API sorts by it */
  createdAt: number;
  /** the object as the API (or the delivery log) shows it */
  body: Record<string, unknown>;
}

export interface ViewFilter {
  key?: string;
  status?: string;
  limit?: number;
}

export interface ApiInstance {
  handlers: Record<string, Handler>;
  /** stop timers and workers */
  close?(): Promise<void> | void;
  /** read-only views for the control API (/__sandbox), newest first */
  views?: {
    jobs?(filter: ViewFilter): ViewRecord[];
    webhooks?(filter: ViewFilter): ViewRecord[];
  };
}

export interface ApiModule {
  /** matches the spec's x-sandbox.id */
  id: string;
  create(env: ModuleEnv): ApiInstance;
}

/** The catalogue codes a module raises itself: a spec that lacks one fails at start-up, naming it. */
export function requireCatalogueCodes(moduleId: string, spec: ApiSpec, codes: readonly string[]): void {
  const missing = codes.filter((c) => !spec.policy.errors.catalogue[c]);
  if (missing.length) throw new Error(`${moduleId}: the spec's catalogue lacks ${missing.join(', ')}`);
}
