// The fault engine: the rule store, the sandbox's seeded randomness and the per-request header,
// behind two faces — planRequest() for the HTTP pipeline, and FaultHooks (pipeline stages,
// webhook deliveries) for the stateful API modules.
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiPolicy } from '../openapi/policy.ts';
import {
  describeAction,
  DirectiveError,
  FAULT_HEADER,
  parseFaultHeader,
  parsePrefer,
  type PreferDirectives,
  type RequestFaultAction,
} from './directives.ts';
import { documentedCodes, faultRequestError, injectedError, injectedStatus, planFrom, type InjectionContext, type RequestFaultPlan } from './apply.ts';
import type { FaultHooks, PipelineFault, PipelineFaultQuery, WebhookFault, WebhookFaultQuery } from './hooks.ts';
import { DEFAULT_SEED, SeededRandom } from '../core/random.ts';
import { FaultRuleStore, type FaultRule, type FaultRuleInput } from './rules.ts';

export interface RequestFaultQuery extends InjectionContext {
  method: string;
  path: string;
  key?: string;
  headers: IncomingHttpHeaders;
}

export class FaultEngine implements FaultHooks {
  readonly random: SeededRandom;
  readonly rules: FaultRuleStore;

  constructor(options: { seed?: number | string; now?: () => number } = {}) {
    this.random = new SeededRandom(options.seed ?? DEFAULT_SEED);
    this.rules = new FaultRuleStore(this.random, options.now);
  }

  /**
   * Add a rule after checking its codes against the APIs it can reach: the matched API's
   * catalogue, or at least one served API's when it matches any.
   */
  addRule(input: FaultRuleInput, policies: ApiPolicy[]): FaultRule {
    const rule = this.rules.add(input);
    try {
      const reach = rule.match.api ? policies.filter((p) => p.id === rule.match.api) : policies;
      if (rule.match.api && !reach.length) {
        throw new DirectiveError(`match.api: no API "${rule.match.api}" is served; served: ${policies.map((p) => p.id).join(', ')}`, 'match.api');
      }
      const code = rule.action.kind === 'request' ? rule.action.error : rule.action.kind === 'pipeline' ? rule.action.fail?.code : undefined;
      const where = rule.action.kind === 'request' ? 'action.error' : 'action.fail';
      if (code && !reach.some((p) => p.errors.catalogue[code])) {
        throw new DirectiveError(`${where}: ${code} is not in the error catalogue of ${reach.map((p) => p.id).join(' or ')}`, where);
      }
      return rule;
    } catch (err) {
      this.rules.remove(rule.id);
      throw err;
    }
  }

  /** Forget every rule and restart the seeded stream (full sandbox reset). */
  reset(): void {
    this.rules.clear();
    this.random.reseed();
  }

  /**
   * The faults for one request: the X-Sandbox-Fault header, Prism's Prefer header and the firing
   * rules, merged (header first). Throws the API's 400 when a header cannot be understood.
   */
  planRequest(q: RequestFaultQuery): RequestFaultPlan | undefined {
    const { policy } = q;
    const sources: { label: string; action: RequestFaultAction }[] = [];
    let prefer: PreferDirectives | undefined;
    try {
      const header = q.headers[FAULT_HEADER];
      const text = Array.isArray(header) ? header.join(',') : header;
      if (text?.trim()) sources.push({ label: 'header', action: parseFaultHeader(text) });
      prefer = q.op ? parsePrefer(q.headers.prefer) : undefined;
    } catch (err) {
      if (err instanceof DirectiveError) throw faultRequestError(policy, `${err.message}.`);
      throw err;
    }
    for (const { rule, action } of this.rules.evaluate('request', {
      api: policy.id,
      key: q.key,
      operationId: q.op?.operationId,
      method: q.method,
      path: q.path,
      template: q.op?.servedPath,
    })) {
      sources.push({ label: rule.id, action });
    }
    const plan = planFrom(sources, this.random) ?? (prefer ? { applied: [] } : undefined);
    if (!plan) return undefined;
    plan.applied = sources.map((s) => `${s.label}: ${describeAction(s.action)}`);
    const outcome = sources.find((s) => s.action.connection || s.action.error || s.action.status)?.action;
    if (outcome && !outcome.connection) {
      if (outcome.error) plan.error = injectedError(outcome.error, q, { status: outcome.status, message: outcome.message });
      else if (outcome.status! >= 400) plan.error = injectedStatus(outcome.status!, q, outcome.message);
      else this.preferred({ code: outcome.status }, q, plan);
    } else if (!outcome && prefer) {
      plan.applied.push(`prefer: ${Object.entries(prefer).map(([k, v]) => `${k}=${v}`).join(',')}`);
      this.preferred(prefer, q, plan);
    }
    return plan;
  }

  /** Prism's Prefer: an error status as the documented error; another status or an example from the spec. */
  private preferred(prefer: PreferDirectives, q: RequestFaultQuery, plan: RequestFaultPlan): void {
    const code = prefer.code;
    if (code !== undefined && code >= 400) {
      const documented = documentedCodes(q.doc, q.op, code);
      plan.error = documented[0] ? injectedError(documented[0], q) : injectedStatus(code, q);
      return;
    }
    if (code !== undefined && !q.op?.responses[String(code)]) {
      const listed = Object.keys(q.op?.responses ?? {}).join(', ');
      plan.error = faultRequestError(q.policy, `${q.op?.operationId ?? 'This operation'} documents no ${code} response (documented: ${listed}).`);
      return;
    }
    plan.mock = prefer;
  }

  pipeline(query: PipelineFaultQuery): PipelineFault | undefined {
    const fired = this.rules.evaluate('pipeline', { api: query.api, key: query.key }, (a) => a.stage === '*' || a.stage === query.stage);
    if (!fired.length) return undefined;
    const out: PipelineFault = {};
    for (const { action } of fired) {
      if (action.fail && !out.fail) out.fail = { ...action.fail };
      if (action.delayMs !== undefined && out.delayMs === undefined) out.delayMs = action.delayMs;
    }
    return out;
  }

  webhook(query: WebhookFaultQuery): WebhookFault | undefined {
    const fired = this.rules.evaluate('webhook', { api: query.api, key: query.key, event: query.event });
    if (!fired.length) return undefined;
    const out: WebhookFault = {};
    for (const { action } of fired) {
      if (action.webhook.includes('drop')) out.drop = true;
      if (action.webhook.includes('duplicate')) out.duplicate = true;
      if (action.webhook.includes('reorder')) out.reorder = true;
      if (action.webhook.includes('bad_signature')) out.badSignature = true;
      if (action.delayMs !== undefined && out.delayMs === undefined) out.delayMs = action.delayMs;
    }
    return out;
  }
}
