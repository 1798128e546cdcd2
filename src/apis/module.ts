// The contract between the engine and an API module: given the engine's services for one API,
// a module returns handlers keyed by operationId. Operations without a handler are answered from
// the spec (examples/schemas) by the engine.
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxClock } from '../core/clock.ts';
import type { ApiError } from '../core/errors.ts';
import type { Handler } from '../engine/handler.ts';
import type { SandboxContext } from '../control/context.ts';
import type { FaultHooks } from '../faults/hooks.ts';
import type { AccountStore } from '../tenancy/accounts.ts';
import type { CreditLedger } from '../tenancy/credits.ts';
import type { Validators } from '../engine/validate.ts';
import type { ApiSpec } from '../openapi/load.ts';

export interface ModuleEnv {
  spec: ApiSpec;
  accounts: AccountStore;
  clock: SandboxClock;
  ledger: CreditLedger;
  /** the spec's compiled validators, for values a module builds itself (a filled-in template) */
  validators: Validators;
  /** where lifecycles and webhook delivery ask for injected faults */
  faults: FaultHooks;
  /** directory for files this API produces (renders, thumbnails); served at /files/<api id>/ */
  dataDir: string;
  /** the sandbox around the API (other APIs' runtimes, fault rules, request log, reset); the control API uses it */
  sandbox?: SandboxContext;
  /** tuning of job lifecycles and webhook delivery (SandboxOptions.jobs) */
  settings?: JobSettings;
}

/** Knobs for stateful modules; everything optional, defaults chosen by each module. */
export interface JobSettings {
  /** heavy work (renders) running at once per API; default 2 */
  workConcurrency?: number;
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
  /** render size: 'light' (long side ≤ 640 px, fast preset; default) or 'full' (the requested size) */
  renderFidelity?: 'light' | 'full';
  /** when set, remote media sources must be on these hosts (loopback is always allowed) */
  sourceHosts?: string[];
}

export interface ApiInstance {
  handlers: Record<string, Handler>;
  /** forget state (all, or one account's) — the sandbox reset */
  reset?(key?: string): void;
  /** stop timers and workers */
  close?(): Promise<void> | void;
  /** an access check run at the auth stage, for APIs whose access is not key-based (the control API's token) */
  guard?(request: { headers: IncomingHttpHeaders; remoteAddress?: string }): ApiError | undefined;
  /** read-only views for the control API (/__sandbox) */
  views?: {
    /** jobs/videos across accounts (or one), newest first */
    jobs?(filter: { key?: string; status?: string; limit?: number }): unknown[];
    /** webhook deliveries with every attempt, newest first */
    webhooks?(filter: { key?: string; limit?: number }): unknown[];
  };
}

export interface ApiModule {
  /** matches the spec's x-sandbox.id */
  id: string;
  create(env: ModuleEnv): ApiInstance;
}
