// The fault stage: after the rate limit (so injected answers carry its headers and count in the
// window), before anything else can answer. The fault engine plans (header + rules, as data);
// this stage carries the plan out once: wait, break the connection, or answer with the injected
// error or documented response. Body damage is left on the exchange for the transport.
import type { ServerResponse } from 'node:http';
import { DirectiveError } from '../../faults/directives.ts';
import { FAULT_HEADER, type RequestFaultPlan, type RequestFaultQuery } from '../../faults/engine.ts';
import type { Exchange } from '../exchange.ts';
import { resolvePreference } from '../prefer.ts';
import { faultRequestError, injectedError, injectedStatus, type SynthesisContext } from '../synthesize.ts';
import { limitExceeded } from './rate-limit.ts';

/** Decides the faults of one request (src/faults/engine.ts). */
export interface RequestFaultPlanner {
  planRequest(query: RequestFaultQuery): RequestFaultPlan | undefined;
  /** false when no rule could apply to any request (then only the header can fault one) */
  hasRequestRules(): boolean;
}

/** What a made-up error of this request needs to know. */
export function synthesisContext(ex: Exchange): SynthesisContext {
  const { policy } = ex;
  const rate = ex.rate ?? { limit: 0, retryAfter: 1 };
  return {
    policy,
    doc: ex.api.spec.doc,
    op: ex.op,
    account: ex.account,
    retryAfter: rate.retryAfter,
    rateLimited: () => limitExceeded(policy, rate, policy.rateLimit.windowSeconds),
  };
}

/** Wait out an injected latency, or less when the response is gone (the client left, or the sandbox closed). */
function pause(ms: number, res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

export function faults(planner: RequestFaultPlanner) {
  // Synchronous unless the plan asks for latency: most requests have no plan at all.
  return (ex: Exchange): void | Promise<void> => {
    if (!ex.api.faultable) return;
    const raw = ex.req.headers[FAULT_HEADER];
    // The common case costs one header lookup: no header and no rule, nothing to plan.
    if (raw === undefined && !planner.hasRequestRules()) return;
    let plan: RequestFaultPlan | undefined;
    try {
      plan = planner.planRequest({
        api: ex.policy.id,
        key: ex.key,
        operationId: ex.op?.operationId,
        method: ex.method,
        path: ex.path,
        template: ex.op?.servedPath,
        header: Array.isArray(raw) ? raw.join(',') : raw,
      });
    } catch (err) {
      if (err instanceof DirectiveError) throw faultRequestError(ex.policy, `${err.message}.`);
      throw err;
    }
    if (!plan) return;
    ex.fault = plan;
    ex.applied.push(...plan.applied);
    if (plan.latencyMs) return pause(plan.latencyMs, ex.res).then(() => carryOut(ex, plan));
    carryOut(ex, plan);
  };
}

/** After the planned wait: break the connection, or answer with the injected error or documented response. */
function carryOut(ex: Exchange, plan: RequestFaultPlan): void {
  if (plan.connection) {
    ex.breakConnection = plan.connection;
    return;
  }
  const answer = plan.answer;
  if (!answer) return;
  const ctx = synthesisContext(ex);
  if (answer.error) throw injectedError(answer.error, ctx, { status: answer.status, message: answer.message });
  if (answer.status! >= 400) throw injectedStatus(answer.status!, ctx, answer.message);
  // A 2xx/3xx status is the operation's documented response for it.
  const preferred = resolvePreference({ code: answer.status }, ctx);
  if ('error' in preferred) throw preferred.error;
  ex.mock = preferred.mock;
}
