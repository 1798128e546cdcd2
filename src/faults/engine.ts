// The fault engine: the rule store, the sandbox's seeded randomness and the per-request header,
// behind two faces — planRequest() for the request path (a plan as data, which the engine
// carries out), and FaultHooks (pipeline stages, webhook deliveries) for the stateful modules.
import type { ApiPolicy } from '../openapi/policy.ts';
import { DEFAULT_SEED, SeededRandom } from '../core/random.ts';
import { describeAction, DirectiveError, parseFaultHeader, type PipelineFaultAction, type RequestFaultAction } from './directives.ts';
import type { FaultHooks, PipelineFault, PipelineFaultQuery, WebhookFault, WebhookFaultQuery } from './hooks.ts';
import { planFrom, type RequestFaultPlan } from './plan.ts';
import { FaultRuleStore, type FaultRule, type FaultRuleInput } from './rules.ts';

export { FAULT_HEADER } from './directives.ts';
export type { RequestFaultPlan } from './plan.ts';

/** The facts of one request that fault rules match on, and its X-Sandbox-Fault header. */
export interface RequestFaultQuery {
  api: string;
  key?: string;
  operationId?: string;
  method: string;
  path: string;
  /** the operation's path template as served */
  template?: string;
  /** the X-Sandbox-Fault header, if sent */
  header?: string;
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
      if (rule.action.kind === 'pipeline') {
        checkStage(rule.action, reach);
        return rule;
      }
      const code = rule.action.kind === 'request' ? rule.action.error : undefined;
      if (code && !reach.some((p) => p.errors.catalogue[code])) {
        throw new DirectiveError(`action.error: ${code} is not in the error catalogue of ${reach.map((p) => p.id).join(' or ')}`, 'action.error');
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
   * The faults for one request: the header's directives and the firing rules, merged (header
   * first). Throws DirectiveError when the header cannot be understood.
   */
  planRequest(q: RequestFaultQuery): RequestFaultPlan | undefined {
    const sources: { label: string; action: RequestFaultAction }[] = [];
    if (q.header?.trim()) sources.push({ label: 'header', action: parseFaultHeader(q.header) });
    for (const { rule, action } of this.rules.evaluate('request', q)) sources.push({ label: rule.id, action });
    const plan = planFrom(sources, this.random);
    if (plan) plan.applied = sources.map((s) => `${s.label}: ${describeAction(s.action)}`);
    return plan;
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

/**
 * A pipeline rule must fit at least one API it can reach. An API that declares its stages
 * (x-sandbox.stages) takes only those stage names and each stage's own failure codes; one that
 * does not takes any stage and the codes of its error catalogue.
 */
function checkStage(action: PipelineFaultAction, reach: ApiPolicy[]): void {
  const code = action.fail?.code;
  const problems: { path: string; message: string }[] = [];
  for (const p of reach) {
    if (!p.stages) {
      if (!code || p.errors.catalogue[code]) return;
      problems.push({ path: 'action.fail', message: `${code} is not in the error catalogue of ${p.id}` });
      continue;
    }
    const stages = action.stage === '*' ? Object.values(p.stages) : [p.stages[action.stage]].filter((s) => s !== undefined);
    if (!stages.length) {
      problems.push({ path: 'action.stage', message: `${p.id} has no stage "${action.stage}"; its stages: ${Object.keys(p.stages).join(', ')} (or *)` });
      continue;
    }
    if (!code || stages.some((s) => s.errors.includes(code))) return;
    const codes = [...new Set(stages.flatMap((s) => s.errors))];
    problems.push({ path: 'action.fail', message: `${code} is not a failure code of ${p.id}'s ${action.stage === '*' ? '' : `${action.stage} `}stage (${codes.join(', ')})` });
  }
  const first = problems[0];
  if (first) throw new DirectiveError(`${first.path}: ${problems.map((x) => x.message).join('; ')}`, first.path);
}
