// The contract between the engine and an API module: given the engine's services for one API,
// a module returns handlers keyed by operationId. Operations without a handler are answered from
// the spec (examples/schemas) by the engine.
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxClock } from '../clock/clock.ts';
import type { ApiError } from '../http/errors.ts';
import type { Handler } from '../http/handler.ts';
import type { SandboxContext } from '../sandbox-context.ts';
import type { FaultHooks } from '../faults/hooks.ts';
import type { AccountStore } from '../policy/accounts.ts';
import type { CreditLedger } from '../policy/credits.ts';
import type { ApiSpec } from '../spec/load.ts';

export interface ModuleEnv {
  spec: ApiSpec;
  accounts: AccountStore;
  clock: SandboxClock;
  ledger: CreditLedger;
  /** where lifecycles and webhook delivery ask for injected faults */
  faults: FaultHooks;
  /** directory for files this API produces (renders, thumbnails) */
  dataDir: string;
  /** the sandbox around the API (other APIs' runtimes, fault rules, request log, reset); the control API uses it */
  sandbox?: SandboxContext;
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
