// The event stream of a run: the runner emits, reporters listen. Nothing else connects them, so a
// reporter sees exactly what a saved NDJSON stream holds.
import type { CostClass } from './types.ts';

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'unconfirmed';

export interface CheckEvent {
  type: 'check';
  check: string;
  family: string;
  cost?: CostClass;
  phase: string;
  /** '(api)' for checks about the API as a whole (limits, auth on no operation) */
  operationId: string;
  exchangeId?: number;
  status: CheckStatus;
  expected?: string;
  got?: string;
  reason?: string;
  provenance?: string;
  case?: string;
  curl?: string;
}

export interface Coverage {
  operations: { covered: number; total: number; missing: string[] };
  statuses: { covered: number; total: number; missing: string[] };
  codes: { covered: number; total: number; missing: string[] };
  /** mean of the three percentages */
  percent: number;
}

export interface Summary {
  checks: { run: number; passed: number; failed: number; skipped: number; unconfirmed: number };
  exchanges: number;
  requests: number;
  durationMs: number;
  skippedWhy: Record<string, number>;
  sandboxUse: string[];
  coverage: Coverage;
  minCoverage?: number;
  exitCode: 0 | 1;
}

export type ContractEvent =
  | {
      type: 'run-started';
      at: string;
      api: string;
      title: string;
      baseUrl: string;
      spec: string;
      seed: number;
      sandbox: boolean;
      control: boolean;
      include: CostClass[];
      checks: string[];
      operations: string[];
    }
  | { type: 'notice'; level: 'info' | 'warn'; message: string }
  | { type: 'phase-started'; phase: string; cost: CostClass }
  | { type: 'phase-skipped'; phase: string; reason: string }
  | { type: 'phase-finished'; phase: string }
  | { type: 'operation-started'; phase: string; operationId: string }
  | { type: 'operation-finished'; phase: string; operationId: string; passed: number; failed: number }
  | { type: 'exchange'; id: number; phase: string; operationId?: string; case: string; method: string; url: string; status: number; elapsedMs: number }
  | CheckEvent
  | { type: 'run-finished'; summary: Summary };

export type Listener = (event: ContractEvent) => void;

export class EventStream {
  private readonly listeners: Listener[] = [];
  on(listener: Listener): void {
    this.listeners.push(listener);
  }
  emit(event: ContractEvent): void {
    for (const l of this.listeners) l(event);
  }
}

export interface CaseResult {
  check: string;
  operationId: string;
  events: CheckEvent[];
  status: CheckStatus;
}

/** check × operation, the unit of JUnit testcases and of the failure list. */
export function groupResults(events: Iterable<ContractEvent>): CaseResult[] {
  const groups = new Map<string, CheckEvent[]>();
  for (const e of events) {
    if (e.type !== 'check') continue;
    const k = `${e.check}\u0000${e.operationId}`;
    const list = groups.get(k) ?? [];
    list.push(e);
    groups.set(k, list);
  }
  return [...groups.values()].map((list) => {
    const statuses = new Set(list.map((e) => e.status));
    const status: CheckStatus = statuses.has('failed') ? 'failed' : statuses.has('passed') ? 'passed' : statuses.has('unconfirmed') ? 'unconfirmed' : 'skipped';
    return { check: list[0]!.check, operationId: list[0]!.operationId, events: list, status };
  });
}
