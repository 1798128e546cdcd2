// Planning one request's faults: the header's action and the firing rules' actions merged in
// priority order (header first, then rules as added) into one plan — the first outcome wins,
// delays and body damage add up. A plan is data; the engine carries it out.
import type { SeededRandom } from '../core/random.ts';
import type { LatencySpec, RequestFaultAction } from './actions.ts';

export interface RequestFaultPlan {
  /** what was applied, for the request log: "header: error=INTERNAL_ERROR", "fault_2: status=503" */
  applied: string[];
  /** wall-clock ms to wait before answering */
  latencyMs?: number;
  /** close the connection instead of answering */
  connection?: 'reset' | 'empty';
  /** answer with an error code and/or a status instead of processing the request */
  answer?: { error?: string; status?: number; message?: string };
  /** damage the response body, whatever it is */
  body?: { malformed?: boolean; truncate?: boolean; slowMs?: number };
}

export function sampleLatency(spec: LatencySpec, random: SeededRandom): number {
  switch (spec.dist) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return Math.round(random.uniform(spec.min, spec.max));
    case 'lognormal':
      return Math.round(Math.min(spec.max ?? Infinity, random.lognormal(spec.median, spec.sigma)));
  }
}

export function planFrom(sources: { label: string; action: RequestFaultAction }[], random: SeededRandom): RequestFaultPlan | undefined {
  if (!sources.length) return undefined;
  const plan: RequestFaultPlan = { applied: [] };
  let outcome: RequestFaultAction | undefined;
  for (const { action } of sources) {
    if (action.latency && plan.latencyMs === undefined) plan.latencyMs = sampleLatency(action.latency, random);
    if (!outcome && (action.connection || action.error || action.status)) outcome = action;
    if (action.malformed || action.truncate || action.slowMs !== undefined) {
      plan.body ??= {};
      if (action.malformed) plan.body.malformed = true;
      if (action.truncate) plan.body.truncate = true;
      if (action.slowMs !== undefined) plan.body.slowMs ??= action.slowMs;
    }
  }
  if (outcome?.connection) {
    plan.connection = outcome.connection;
    delete plan.body;
  } else if (outcome) {
    plan.answer = { error: outcome.error, status: outcome.status, message: outcome.message };
  }
  return plan;
}
