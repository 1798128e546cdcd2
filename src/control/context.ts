// What the control API sees of the sandbox: a narrow interface the composition root implements —
// the served APIs (their specs, accounts, ledgers and read-only views), the clock, the fault
// engine, the request log, reset, and the access rule. It never sees a request path internal.
import type { SandboxClock } from '../core/clock.ts';
import type { ApiInstance } from '../engine/module.ts';
import type { FaultEngine } from '../faults/engine.ts';
import type { EventBus } from './events.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { AccountStore } from '../tenancy/accounts.ts';
import type { CreditLedger } from '../tenancy/credits.ts';
import type { SessionTokens } from '../tenancy/session-tokens.ts';
import type { RequestLog } from './request-log.ts';

export interface ResetScope {
  /** one API's state */
  api?: string;
  /** one account's state (its API inferred from the key when `api` is not given) */
  key?: string;
}

export interface ResetResult {
  scope: 'all' | 'api' | 'account';
  apis: string[];
  key?: string;
  faultsRemoved: number;
}

/** One served API as the control API may act on it. */
export interface ControlledApi {
  spec: ApiSpec;
  accounts: AccountStore;
  ledger: CreditLedger;
  tokens: SessionTokens;
  views: NonNullable<ApiInstance['views']>;
}

export interface SandboxContext {
  /** the served APIs (complete once the sandbox is built) */
  apis(): readonly ControlledApi[];
  /** the API a key belongs to: `api` when given, else the one whose test-key pattern (or accounts) knows it */
  apiOfKey(key: string, api?: string): ControlledApi | undefined;
  clock: SandboxClock;
  faults: FaultEngine;
  requests: RequestLog;
  /** the event stream: handlers and modules publish, the control API streams it */
  events: EventBus;
  /** the sandbox seed (faults' randomness; re-seeded on a full reset) */
  seed: number | string;
  reset(scope?: ResetScope): ResetResult;
  /**
   * the control API's access rule: a token is required once the server listens on a non-loopback
   * address; `host` is the address the sandbox listens on (undefined when mounted in another server)
   */
  access(): { exposed: boolean; token?: string; host?: string };
  /** when the sandbox was created (ms, wall clock) */
  startedAt: number;
}
