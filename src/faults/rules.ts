// Fault rules: what to do (a parsed action), to which traffic (match), and how often (times,
// after, probability). The store counts matches and firings per rule; probabilistic rules draw
// from the sandbox's seeded stream, so the same seed and the same traffic fire the same rules.
import { describeAction, DirectiveError, parseAction, type FaultAction } from './directives.ts';
import type { SeededRandom } from '../core/random.ts';

export interface FaultMatch {
  /** API id (x-sandbox.id) */
  api?: string;
  operationId?: string;
  /** HTTP method, any case */
  method?: string;
  /** request path: exact, a glob (`/api/jobs/*`, `**` crosses segments) or a spec template (`/api/jobs/{job_id}`) */
  path?: string;
  /** API key, exact or glob (`ve_test_enterprise_*`) */
  key?: string;
  /** webhook rules only: the event name (video.completed, …) */
  event?: string;
}

export interface FaultRuleInput {
  match?: FaultMatch;
  action: unknown;
  /** fire for this many matches (after `after`); omitted/null = every time */
  times?: number | null;
  /** let this many matches pass first */
  after?: number;
  /** each eligible match fires with this probability (seeded) */
  probability?: number;
  /** free text shown in listings */
  note?: string;
}

export type FaultKind = FaultAction['kind'];

export interface FaultRule {
  id: string;
  kind: FaultKind;
  match: FaultMatch;
  /** the action as given (echoed back unchanged) */
  actionInput: unknown;
  action: FaultAction;
  times: number | null;
  after: number;
  probability: number | null;
  note?: string;
  createdAt: string;
  /** matches seen so far (including those let through by `after` or probability) */
  matched: number;
  /** times the rule fired */
  fired: number;
}

/** The facts a rule is matched against. */
export interface MatchContext {
  api: string;
  key?: string;
  operationId?: string;
  method?: string;
  path?: string;
  /** the operation's path template as served (for template patterns) */
  template?: string;
  event?: string;
}

export interface Fired<A extends FaultAction = FaultAction> {
  rule: FaultRule;
  action: A;
}

const REQUEST_ONLY: (keyof FaultMatch)[] = ['operationId', 'method', 'path'];
const MATCH_KEYS: (keyof FaultMatch)[] = ['api', 'operationId', 'method', 'path', 'key', 'event'];

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function normalisePath(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Does a rule's match select this context? Omitted fields match anything. */
export function matches(match: FaultMatch, ctx: MatchContext): boolean {
  if (match.api !== undefined && match.api !== ctx.api) return false;
  if (match.operationId !== undefined && match.operationId !== ctx.operationId) return false;
  if (match.method !== undefined && match.method.toLowerCase() !== ctx.method?.toLowerCase()) return false;
  if (match.event !== undefined && match.event !== ctx.event) return false;
  if (match.key !== undefined && (ctx.key === undefined || !globToRegExp(match.key).test(ctx.key))) return false;
  if (match.path !== undefined) {
    if (ctx.path === undefined) return false;
    const pattern = normalisePath(match.path);
    if (pattern.includes('{')) {
      if (pattern !== ctx.template) return false;
    } else if (!globToRegExp(pattern).test(normalisePath(ctx.path))) return false;
  }
  return true;
}

/** Rules kept at once (used-up rules stay listed until deleted, so the bound is on all of them). */
export const MAX_RULES = 1000;

export class FaultRuleStore {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(
    private readonly random: SeededRandom,
    private readonly now: () => number = Date.now,
    private readonly maxRules = MAX_RULES,
  ) {}

  /** Check and add a rule; throws DirectiveError (with a path into the body) when it is not understood. */
  add(input: FaultRuleInput): FaultRule {
    if (this.rules.length >= this.maxRules) {
      throw new DirectiveError(`at most ${this.maxRules} fault rules are kept; delete some first (DELETE /__sandbox/faults/{id}, or DELETE /__sandbox/faults for all)`, '');
    }
    if (!input || typeof input !== 'object') throw new DirectiveError('expected a rule object {match, action, times, after, probability}', '');
    const action = parseAction(input.action, 'action');
    const match: FaultMatch = {};
    for (const [k, v] of Object.entries(input.match ?? {})) {
      if (!MATCH_KEYS.includes(k as keyof FaultMatch)) throw new DirectiveError(`match.${k}: unknown match field; use ${MATCH_KEYS.join(', ')}`, `match.${k}`);
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || v === '') throw new DirectiveError(`match.${k}: expected a non-empty string`, `match.${k}`);
      match[k as keyof FaultMatch] = v;
    }
    if (action.kind !== 'request') {
      const misplaced = REQUEST_ONLY.filter((k) => match[k] !== undefined);
      if (misplaced.length) throw new DirectiveError(`match.${misplaced[0]}: ${action.kind} faults are matched by api and key only`, `match.${misplaced[0]}`);
    }
    if (match.event !== undefined && action.kind !== 'webhook') throw new DirectiveError('match.event: only webhook faults are matched by event', 'match.event');
    const times = input.times ?? null;
    if (times !== null && (!Number.isInteger(times) || times < 1)) throw new DirectiveError('times: expected a positive integer (omit it for every match)', 'times');
    const after = input.after ?? 0;
    if (!Number.isInteger(after) || after < 0) throw new DirectiveError('after: expected a non-negative integer', 'after');
    const probability = input.probability ?? null;
    if (probability !== null && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
      throw new DirectiveError('probability: expected a number from 0 to 1', 'probability');
    }
    if (input.note !== undefined && typeof input.note !== 'string') throw new DirectiveError('note: expected a string', 'note');
    const rule: FaultRule = {
      id: `fault_${this.nextId++}`,
      kind: action.kind,
      match,
      actionInput: input.action,
      action,
      times,
      after,
      probability,
      ...(input.note !== undefined ? { note: input.note } : {}),
      createdAt: new Date(this.now()).toISOString(),
      matched: 0,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  /** Any rule of this kind (used up or not: evaluating it still counts its matches). */
  has(kind: FaultKind): boolean {
    return this.rules.some((r) => r.kind === kind);
  }

  get(id: string): FaultRule | undefined {
    return this.rules.find((r) => r.id === id);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** Remove every rule, or those a predicate selects; returns how many went. */
  clear(which?: (rule: FaultRule) => boolean): number {
    const before = this.rules.length;
    this.rules = which ? this.rules.filter((r) => !which(r)) : [];
    if (!which) this.nextId = 1;
    return before - this.rules.length;
  }

  /**
   * Count this event against every rule of its kind that matches it, and return the rules that
   * fire, in the order they were added. A rule fires once past `after` matches, while it has
   * `times` left, and (with a probability) when the seeded draw says so.
   */
  evaluate<K extends FaultKind>(
    kind: K,
    ctx: MatchContext,
    also: (action: Extract<FaultAction, { kind: K }>) => boolean = () => true,
  ): Fired<Extract<FaultAction, { kind: K }>>[] {
    const fired: Fired<Extract<FaultAction, { kind: K }>>[] = [];
    for (const rule of this.rules) {
      if (rule.kind !== kind || !matches(rule.match, ctx) || !also(rule.action as Extract<FaultAction, { kind: K }>)) continue;
      rule.matched++;
      if (rule.matched <= rule.after) continue;
      if (rule.times !== null && rule.fired >= rule.times) continue;
      if (rule.probability !== null && !this.random.chance(rule.probability)) continue;
      rule.fired++;
      fired.push({ rule, action: rule.action as Extract<FaultAction, { kind: K }> });
    }
    return fired;
  }
}

/** A rule as the control API shows it. Used-up rules stay listed with remaining 0 until deleted. */
export function ruleView(rule: FaultRule): Record<string, unknown> {
  const remaining = rule.times === null ? null : Math.max(0, rule.times - rule.fired);
  return {
    id: rule.id,
    kind: rule.kind,
    match: rule.match,
    action: rule.actionInput,
    directives: describeAction(rule.action),
    times: rule.times,
    after: rule.after,
    probability: rule.probability,
    ...(rule.note !== undefined ? { note: rule.note } : {}),
    matched: rule.matched,
    fired: rule.fired,
    remaining,
    exhausted: remaining === 0,
    createdAt: rule.createdAt,
  };
}
