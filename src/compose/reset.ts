// The sandbox reset: a loop over every API's registered stores (accounts, ledger, limiter and the
// module's own), one account's state or all of it, plus the fault rules and log entries that
// belong to the same scope; a full reset also restarts the clock and the seeded randomness.
import type { SandboxClock, ClockMode } from '../core/clock.ts';
import type { ApiRuntime } from '../engine/runtime.ts';
import type { FaultEngine } from '../faults/engine.ts';
import type { RequestLog } from '../control/request-log.ts';
import type { ResetResult, ResetScope } from '../control/context.ts';

export interface ResetTargets {
  apis: () => readonly ApiRuntime[];
  apiOfKey: (key: string, api?: string) => ApiRuntime | undefined;
  faults: FaultEngine;
  requests: RequestLog;
  clock: SandboxClock;
  initialClock: { mode: ClockMode; scale?: number };
}

export function createReset(t: ResetTargets) {
  return (scope: ResetScope = {}): ResetResult => {
    if (scope.key !== undefined) {
      const key = scope.key;
      const runtime = t.apiOfKey(key, scope.api);
      const targets = runtime ? [runtime] : [];
      for (const a of targets) for (const store of a.stores) store.reset(key);
      const faultsRemoved = t.faults.rules.clear((r) => r.match.key === key);
      t.requests.clear((e) => e.key === key);
      return { scope: 'account', apis: targets.map((a) => a.spec.policy.id), key, faultsRemoved };
    }
    const targets = scope.api !== undefined ? t.apis().filter((a) => a.spec.policy.id === scope.api) : t.apis();
    for (const a of targets) for (const store of a.stores) store.reset();
    if (scope.api !== undefined) {
      const id = scope.api;
      const faultsRemoved = t.faults.rules.clear((r) => r.match.api === id);
      t.requests.clear((e) => e.api === id);
      return { scope: 'api', apis: targets.map((a) => a.spec.policy.id), faultsRemoved };
    }
    const faultsRemoved = t.faults.rules.list().length;
    t.faults.reset();
    t.requests.clear();
    t.clock.restart(t.initialClock.mode, t.initialClock.scale);
    return { scope: 'all', apis: targets.map((a) => a.spec.policy.id), faultsRemoved };
  };
}
