// What the composition root hands to modules that act on the sandbox as a whole (the control
// API): the other APIs' runtimes, the clock, the fault engine, the request log, reset, and the
// control API's access settings. API modules receive it too but normally need none of it.
import type { SandboxClock } from './clock/clock.ts';
import type { RequestLog } from './admin/request-log.ts';
import type { EventBus } from './control/events.ts';
import type { FaultEngine } from './faults/engine.ts';
import type { ApiRuntime } from './http/pipeline.ts';

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

export interface SandboxContext {
  /** the served APIs, control APIs excluded (complete once the sandbox is built) */
  apis(): readonly ApiRuntime[];
  /** the API a key belongs to: `api` when given, else the one whose test-key pattern (or accounts) knows it */
  apiOfKey(key: string, api?: string): ApiRuntime | undefined;
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

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}
