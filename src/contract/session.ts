// One run's working state, as phases see it: send a case (with the key, paced, 429s waited out),
// run the selected checks over the exchange, emit what happened, track coverage and the last
// rate-limit headers per key. Phases build cases; the session judges them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operation } from '../openapi/operations.ts';
import { curlOf } from './curl.ts';
import { CoverageTracker } from './coverage.ts';
import type { CheckEvent, EventStream } from './events.ts';
import { HttpClient } from './http.ts';
import type { ResolvedOptions } from './options.ts';
import { errorCode, type ApiProfile } from './profile.ts';
import type { Random } from './random.ts';
import type { SandboxControl } from './sandbox-control.ts';
import type { CaseMeta, Check, CheckContext, CostClass, Facts, RateSnapshot, ReceivedResponse, SentRequest } from './types.ts';

export interface RequestSpec {
  method: string;
  /** path relative to the base URL, parameters filled in */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** a JSON body */
  json?: unknown;
  /** a body sent as it is (malformed JSON) */
  raw?: string;
  /** whose key: the main one by default, null for none, or another key */
  key?: string | null;
  /** an absolute URL (files), sent without the key unless `key` says otherwise */
  url?: string;
}

export interface ExchangeOptions {
  facts?: Facts;
  serverErrorExpected?: boolean;
  /** a 429 is what the case is about: do not wait it out (a code: wait out 429s with another code) */
  expect429?: boolean | string;
  keepBytes?: boolean;
  /** only these checks (by family), e.g. files get the domain checks only */
  families?: string[];
}

/** Families that judge any API response, whatever the case. */
const GENERIC = new Set(['response', 'errors']);

export class Session {
  readonly client: HttpClient;
  readonly coverage: CoverageTracker;
  private exchanges = 0;
  private readonly rates = new Map<string, RateSnapshot>();
  phase = '';
  /** jobs this run started (accepted bodies by operation), so credit checks can wait for them to end */
  readonly startedJobs: { op: Operation; accepted: unknown }[] = [];
  private opCounts = { passed: 0, failed: 0 };

  constructor(
    readonly profile: ApiProfile,
    readonly options: ResolvedOptions,
    readonly random: Random,
    readonly events: EventStream,
    readonly checks: readonly Check[],
    readonly include: CostClass[],
    readonly sandbox: boolean,
    readonly control: SandboxControl | undefined,
    readonly scope: Operation[],
    readonly keys: { main: string; second?: string },
  ) {
    this.client = new HttpClient({ maxRps: options.maxRps ?? (sandbox ? 0 : 2), timeoutMs: options.timeoutMs, maxRequests: options.maxRequests });
    this.coverage = new CoverageTracker(profile, scope);
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  get origin(): string {
    return new URL(this.options.baseUrl).origin;
  }

  allows(cost: CostClass): boolean {
    return this.include.includes(cost);
  }

  inScope(op: Operation): boolean {
    return this.scope.includes(op);
  }

  notice(message: string, level: 'info' | 'warn' = 'info'): void {
    this.events.emit({ type: 'notice', level, message });
  }

  startOperation(operationId: string): void {
    this.opCounts = { passed: 0, failed: 0 };
    this.events.emit({ type: 'operation-started', phase: this.phase, operationId });
  }

  finishOperation(operationId: string): void {
    this.events.emit({ type: 'operation-finished', phase: this.phase, operationId, ...this.opCounts });
  }

  /** A check outcome reached without an exchange (a phase that could not run a step). */
  record(check: string, op: Operation | undefined, outcome: Omit<CheckEvent, 'type' | 'check' | 'family' | 'phase' | 'operationId'>): void {
    const c = this.checks.find((x) => x.name === check);
    if (!c) return;
    this.emitCheck({ type: 'check', check, family: c.family, phase: this.phase, operationId: op?.operationId ?? '(api)', ...outcome });
  }

  private emitCheck(e: CheckEvent): void {
    if (e.status === 'passed') this.opCounts.passed++;
    if (e.status === 'failed') this.opCounts.failed++;
    this.events.emit(e);
  }

  build(spec: RequestSpec): SentRequest {
    const headers: Record<string, string> = {};
    const key = spec.key === undefined ? (spec.url ? null : this.keys.main) : spec.key;
    if (key !== null) headers[this.profile.keyHeader] = key;
    let body: string | undefined;
    if (spec.raw !== undefined) body = spec.raw;
    else if (spec.json !== undefined) body = JSON.stringify(spec.json);
    if (body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, spec.headers);
    const query = spec.query && Object.keys(spec.query).length ? `?${new URLSearchParams(spec.query)}` : '';
    return { method: spec.method.toUpperCase(), url: spec.url ?? `${this.baseUrl}${spec.path}${query}`, headers, body };
  }

  /** Send a case, wait out 429s it did not ask for, judge the final answer, and return it. */
  async exchange(op: Operation | undefined, spec: RequestSpec, meta: CaseMeta, o: ExchangeOptions = {}): Promise<ReceivedResponse> {
    const req = this.build(spec);
    const api = !spec.url;
    let res = await this.client.send(req, o.keepBytes);
    const waitable = (r: ReceivedResponse) => r.status === 429 && (!o.expect429 || (typeof o.expect429 === 'string' && errorCode(this.profile, r.json) !== o.expect429));
    for (let attempt = 0; api && waitable(res) && attempt < 6; attempt++) {
      // The 429 itself is a real answer: judge it as any response, then wait as a client would.
      this.judge(op, req, res, { kind: 'plain', label: `429 while sending ${meta.label}` }, { families: [...GENERIC] });
      const waited = await this.waitOut(res);
      if (waited === undefined) break;
      res = await this.client.send(req, o.keepBytes);
    }
    const rateLimited = api && waitable(res);
    if (op && res.status >= 200 && res.status < 300 && this.profile.jobOf(op) && req.method !== 'GET') this.startedJobs.push({ op, accepted: res.json });
    this.judge(op, req, res, meta, o, rateLimited);
    return res;
  }

  /** Wait as Retry-After says (or move a sandbox clock on); undefined when it is too long to wait. */
  private async waitOut(res: ReceivedResponse): Promise<number | undefined> {
    const { policy } = this.profile.spec;
    const retryAfter = Number(res.headers[policy.rateLimit.headers.retryAfter.toLowerCase()] ?? 1) || 1;
    const concurrency = errorCode(this.profile, res.json) === policy.concurrency.code;
    if (this.control && !concurrency) {
      await this.control.advance(retryAfter);
      return retryAfter;
    }
    // Concurrency frees up as jobs finish (real work); a rate window passes with time.
    const wait = concurrency ? Math.min(retryAfter, 2) : retryAfter;
    if (wait > 65) return undefined;
    this.notice(`429 (${concurrency ? 'concurrency' : 'rate limit'}): waiting ${wait} s as Retry-After says`);
    if (this.control) await this.control.advance(wait);
    await sleep(wait * 1000);
    return wait;
  }

  judge(op: Operation | undefined, req: SentRequest, res: ReceivedResponse, meta: CaseMeta, o: ExchangeOptions, rateLimited = false): void {
    const id = ++this.exchanges;
    const api = !o.families || o.families.some((f) => GENERIC.has(f));
    this.events.emit({ type: 'exchange', id, phase: this.phase, operationId: op?.operationId, case: meta.label, method: req.method, url: req.url, status: res.status, elapsedMs: res.elapsedMs });
    if (api) this.coverage.record(op, res.status, res.status >= 400 ? errorCode(this.profile, res.json) : undefined);
    const keyUsed = req.headers[this.profile.keyHeader] ?? `addr`;
    const limitSeen = res.headers[this.profile.spec.policy.rateLimit.headers.limit.toLowerCase()];
    const ctx: CheckContext = {
      profile: this.profile,
      meta,
      sandbox: this.sandbox,
      previousRate: this.rates.get(`${keyUsed}|${limitSeen}`),
      serverErrorExpected: o.serverErrorExpected,
      baseUrl: this.baseUrl,
      facts: o.facts ?? {},
    };
    const curl = curlOf(req);
    for (const check of this.checks) {
      if (o.families && !o.families.includes(check.family)) continue;
      if (!o.families && check.family !== 'response' && check.family !== 'errors' && !caseSpecific(check, meta)) continue;
      let outcome;
      try {
        outcome = check.run(op, req, res, ctx);
      } catch (err) {
        outcome = { status: 'failed' as const, expected: 'the check to run', got: `the check threw: ${(err as Error).message}` };
      }
      if (!outcome) continue;
      const base = { type: 'check' as const, check: check.name, family: check.family, cost: check.cost, phase: this.phase, operationId: op?.operationId ?? (meta.kind === 'method' ? meta.label.split(' (')[0]! : '(api)'), exchangeId: id, case: meta.label };
      if (rateLimited && !GENERIC.has(check.family)) {
        this.emitCheck({ ...base, status: 'skipped', reason: 'rate limited: Retry-After too long to wait' });
        continue;
      }
      if (outcome.status === 'failed') {
        // Against a real service, what the spec marks as this project's inference is "not confirmed".
        const unconfirmed = !this.sandbox && outcome.provenance === 'inferred';
        this.emitCheck({ ...base, status: unconfirmed ? 'unconfirmed' : 'failed', expected: outcome.expected, got: outcome.got, provenance: outcome.provenance, curl });
      } else if (outcome.status === 'skipped') {
        this.emitCheck({ ...base, status: 'skipped', reason: outcome.reason });
      } else {
        this.emitCheck({ ...base, status: 'passed' });
      }
    }
    this.rememberRate(keyUsed, res);
  }

  private rememberRate(key: string, res: ReceivedResponse): void {
    const h = this.profile.spec.policy.rateLimit.headers;
    const limit = Number(res.headers[h.limit.toLowerCase()]);
    const remaining = Number(res.headers[h.remaining.toLowerCase()]);
    const reset = Number(res.headers[h.reset.toLowerCase()]);
    if ([limit, remaining, reset].every(Number.isFinite)) this.rates.set(`${key}|${limit}`, { limit, remaining, reset });
  }

  /** Judge facts that no request of ours produced (a webhook delivery the API sent us). */
  evaluate(op: Operation | undefined, meta: CaseMeta, facts: Facts, families: string[]): void {
    const req: SentRequest = { method: 'POST', url: '(delivery)', headers: {} };
    const res: ReceivedResponse = { status: 0, headers: {}, text: '', elapsedMs: 0 };
    this.judge(op, req, res, meta, { facts, families });
  }
}

/** Case-specific families apply to the cases built for them (their checks return undefined otherwise). */
function caseSpecific(check: Check, meta: CaseMeta): boolean {
  const byKind: Record<string, string[]> = {
    positive: ['input'],
    negative: ['input'],
    auth: ['input'],
    'malformed-json': ['input'],
    'bad-body': ['input'],
    'unknown-route': ['input'],
    method: ['input'],
    'unknown-id': ['input'],
    catalogue: ['input'],
    state: ['state'],
    job: ['domain'],
    file: ['domain'],
    account: ['domain'],
    webhook: ['domain'],
    page: ['state'],
    filter: ['state'],
    limit: ['limits'],
    plain: [],
  };
  return (byKind[meta.kind] ?? []).includes(check.family);
}
