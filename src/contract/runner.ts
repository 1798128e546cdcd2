// The contract runner: load the spec, decide what may run against this target (cost classes,
// a sandbox's control API, keys), run the phases in order and emit the event stream. It knows no
// report format: reporters listen to the stream.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_DIR } from '../paths.ts';
import { loadSpec } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { ALL_CHECKS } from './checks/index.ts';
import { EventStream, type ContractEvent, type Listener, type Summary } from './events.ts';
import { BudgetExceeded, fetchOnce } from './http.ts';
import { costClassesFor, resolveOptions, UsageError, type ContractOptions } from './options.ts';
import { authPhase } from './phases/auth.ts';
import { cataloguePhase } from './phases/catalogue.ts';
import { jobsPhase } from './phases/jobs.ts';
import { concurrencyPhase, creditsPhase, rateLimitPhase } from './phases/limits.ts';
import { malformedPhase } from './phases/malformed.ts';
import { methodsPhase } from './phases/methods.ts';
import { negativePhase } from './phases/negative.ts';
import { paginationPhase } from './phases/pagination.ts';
import { positivePhase } from './phases/positive.ts';
import { statefulPhase } from './phases/stateful.ts';
import { unknownIdPhase } from './phases/unknown-ids.ts';
import { buildProfile, makeTestKey, type ApiProfile } from './profile.ts';
import { createRandom } from './random.ts';
import { SandboxControl } from './sandbox-control.ts';
import { Session } from './session.ts';
import type { CostClass } from './types.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

export interface RunResult {
  summary: Summary;
  events: ContractEvent[];
  exitCode: 0 | 1;
}

interface Phase {
  name: string;
  cost: CostClass;
  /** why it cannot run here, if it cannot */
  unavailable?: (s: Session) => string | undefined;
  run(s: Session): Promise<void>;
}

function perOperation(name: string, cost: (s: Session, op: Operation) => CostClass, fn: (s: Session, op: Operation) => Promise<void>): Phase {
  return {
    name,
    cost: 'read',
    async run(s) {
      for (const op of s.scope) {
        const c = cost(s, op);
        if (!s.allows(c)) {
          s.events.emit({ type: 'phase-skipped', phase: `${name} ${op.operationId}`, reason: `cost class ${c} not included (--include ${c})` });
          continue;
        }
        s.startOperation(op.operationId);
        await fn(s, op);
        s.finishOperation(op.operationId);
      }
    },
  };
}

/** Rejected before anything happens: a spend operation's auth or malformed cases only write at worst. */
const rejectedCost = (s: Session, op: Operation): CostClass => (s.profile.costOf(op) === 'read' ? 'read' : 'write');

function phases(receiver: () => WebhookReceiver | undefined, revokedKey: () => string | undefined): Phase[] {
  const jobResources = (s: Session) => s.profile.resources.filter((r) => r.job && s.inScope(r.create));
  return [
    perOperation('examples', (s, op) => s.profile.costOf(op), (s, op) => positivePhase(s, op, 'example')),
    perOperation('generated', (s, op) => s.profile.costOf(op), (s, op) => positivePhase(s, op, 'generated')),
    perOperation('negative', (s, op) => s.profile.costOf(op), negativePhase),
    perOperation('malformed-json', rejectedCost, malformedPhase),
    perOperation('unknown-ids', rejectedCost, unknownIdPhase),
    { name: 'auth', cost: 'write', run: (s) => authPhase(s, s.scope, revokedKey()) },
    { name: 'methods', cost: 'write', run: (s) => methodsPhase(s, s.scope) },
    {
      name: 'catalogue',
      cost: 'read',
      unavailable: (s) => (s.control ? undefined : 'needs a sandbox (X-Sandbox-Fault)'),
      run: async (s) => {
        for (const op of s.scope) {
          s.startOperation(op.operationId);
          await cataloguePhase(s, op);
          s.finishOperation(op.operationId);
        }
      },
    },
    {
      name: 'stateful',
      cost: 'write',
      run: async (s) => {
        for (const r of s.profile.resources.filter((x) => !x.job && s.inScope(x.create))) {
          const c = s.profile.costOf(r.create);
          if (!s.allows(c)) continue;
          s.startOperation(r.create.operationId);
          await statefulPhase(s, r);
          s.finishOperation(r.create.operationId);
        }
      },
    },
    {
      name: 'jobs',
      cost: 'spend',
      run: async (s) => {
        for (const r of jobResources(s)) {
          s.startOperation(r.create.operationId);
          await jobsPhase(s, r, receiver());
          s.finishOperation(r.create.operationId);
        }
      },
    },
    {
      name: 'pagination',
      cost: 'read',
      run: async (s) => {
        for (const op of s.scope.filter((o) => o.raw['x-sandbox-pagination'])) {
          s.startOperation(op.operationId);
          await paginationPhase(s, op);
          s.finishOperation(op.operationId);
        }
      },
    },
    { name: 'rate-limit', cost: 'destructive', run: rateLimitPhase },
    {
      name: 'concurrency',
      cost: 'destructive',
      run: async (s) => {
        const r = jobResources(s)[0];
        if (r) await concurrencyPhase(s, r);
      },
    },
    {
      name: 'insufficient-credits',
      cost: 'destructive',
      run: async (s) => {
        const r = jobResources(s).find((x) => '402' in x.create.responses);
        if (r) await creditsPhase(s, r);
      },
    },
  ];
}

function loadProfile(api: string, specFile: string | undefined): { profile: ApiProfile; file: string } {
  const file = specFile ?? join(SPEC_DIR, `${api}.yaml`);
  if (!existsSync(file)) throw new UsageError(specFile ? `cannot read spec ${specFile}` : `unknown API ${api}: no ${file}; pass --spec FILE`);
  let spec;
  try {
    spec = loadSpec(file);
  } catch (err) {
    throw new UsageError(`cannot use spec ${file}: ${(err as Error).message.split('\n').join(' ')}`);
  }
  if (spec.policy.id !== api) throw new UsageError(`spec ${file} describes ${spec.policy.id}, not ${api}`);
  return { profile: buildProfile(spec), file };
}

function selectChecks(only: string[] | undefined, exclude: string[] | undefined) {
  const known = new Set([...ALL_CHECKS.map((c) => c.name), ...ALL_CHECKS.map((c) => c.family)]);
  const bad = [...(only ?? []), ...(exclude ?? [])].filter((n) => !known.has(n));
  if (bad.length) throw new UsageError(`unknown check ${bad.join(', ')}; checks: ${ALL_CHECKS.map((c) => c.name).join(', ')}`);
  return ALL_CHECKS.filter((c) => (!only?.length || only.includes(c.name) || only.includes(c.family)) && !exclude?.some((n) => n === c.name || n === c.family));
}

/** Run the contract checks; listeners get every event as it happens. Throws UsageError before any check runs. */
export async function runContract(input: ContractOptions, listeners: Listener[] = []): Promise<RunResult> {
  const options = resolveOptions(input);
  const { profile, file } = loadProfile(options.api, options.spec);
  const { auth } = profile.spec.policy;
  const live = auth.liveKeyPattern?.test(options.key) ?? false;
  if (live && !options.allowLiveKey) throw new UsageError(`refusing a live key (${auth.liveKeyPattern!.source}): contract runs use test keys; pass --allow-live-key to run read and write checks with it anyway`);
  const checks = selectChecks(options.checks, options.excludeChecks);
  let scope = profile.operations;
  if (options.operations?.length) {
    const unknown = options.operations.filter((id) => !profile.operations.some((o) => o.operationId === id));
    if (unknown.length) throw new UsageError(`unknown operation ${unknown.join(', ')}; operations: ${profile.operations.map((o) => o.operationId).join(', ')}`);
    scope = profile.operations.filter((o) => options.operations!.includes(o.operationId));
  }
  const reach = await fetchOnce({ method: 'GET', url: options.baseUrl, headers: {} }, options.timeoutMs);
  if (reach.status === 0) throw new UsageError(`cannot reach ${options.baseUrl}: ${reach.text}`);

  const detection = await SandboxControl.detect(options.baseUrl, profile.id, options.adminToken, options.timeoutMs);
  let include = costClassesFor(options, detection.sandbox);
  if (live) include = include.filter((c) => c === 'read' || c === 'write' || options.include.includes(c));

  const events: ContractEvent[] = [];
  const stream = new EventStream();
  stream.on((e) => events.push(e));
  for (const l of listeners) stream.on(l);
  const started = performance.now();
  const control = detection.control;

  // Keys: the second account (tenant checks) and a revoked one, provisioned on a sandbox.
  const keys: { main: string; second?: string } = { main: options.key, second: options.secondKey };
  let revoked: string | undefined;
  if (control) {
    const tag = randomBytes(5).toString('hex');
    let plan: string | undefined;
    await fetchOnce({ method: 'GET', url: `${options.baseUrl}${(profile.balance?.op ?? profile.operations[0]!).path}`, headers: { [profile.keyHeader]: options.key } }, options.timeoutMs);
    plan = (await control.account(options.key).catch(() => undefined))?.plan;
    if (!keys.second) {
      const k = makeTestKey(auth.testKeyPattern, `contract_second_${tag}`);
      if (k) keys.second = (await control.patchAccount(k, plan ? { plan } : { revoked: false }, 'provision a second key for tenant checks').catch(() => undefined))?.key;
    }
    const r = makeTestKey(auth.testKeyPattern, `contract_revoked_${tag}`);
    if (r) revoked = (await control.patchAccount(r, { revoked: true }, 'provision a revoked key').catch(() => undefined))?.key;
  }

  const random = createRandom(options.seed);
  const session = new Session(profile, options, random, stream, checks, include, detection.sandbox, control, scope, keys);
  stream.emit({
    type: 'run-started',
    at: new Date().toISOString(),
    api: profile.id,
    title: String(profile.doc.info?.title ?? profile.id),
    baseUrl: options.baseUrl,
    spec: file,
    seed: options.seed,
    sandbox: detection.sandbox,
    control: Boolean(control),
    include,
    checks: checks.map((c) => c.name),
    operations: scope.map((o) => o.operationId),
  });
  session.notice(detection.note);
  if (!detection.sandbox) session.notice(`cost classes: ${include.join(', ')} (add more with --include spend,destructive)`);

  let receiver: WebhookReceiver | undefined;
  if (options.webhookHost) {
    receiver = new WebhookReceiver();
    await receiver.start(options.webhookHost);
    session.notice(`receiving webhooks at ${receiver.url}`);
  }
  try {
    for (const phase of phases(() => receiver, () => revoked)) {
      if (!include.includes(phase.cost)) {
        stream.emit({ type: 'phase-skipped', phase: phase.name, reason: `cost class ${phase.cost} not included` });
        continue;
      }
      const why = phase.unavailable?.(session);
      if (why) {
        stream.emit({ type: 'phase-skipped', phase: phase.name, reason: why });
        continue;
      }
      session.phase = phase.name;
      stream.emit({ type: 'phase-started', phase: phase.name, cost: phase.cost });
      try {
        await phase.run(session);
      } catch (err) {
        if (err instanceof BudgetExceeded) {
          session.notice(`${err.message}: the remaining phases are skipped`, 'warn');
          stream.emit({ type: 'phase-finished', phase: phase.name });
          break;
        }
        throw err;
      }
      stream.emit({ type: 'phase-finished', phase: phase.name });
    }
  } finally {
    await receiver?.close();
  }

  const checkEvents = events.filter((e): e is Extract<ContractEvent, { type: 'check' }> => e.type === 'check');
  const count = (st: string) => checkEvents.filter((e) => e.status === st).length;
  const skippedWhy: Record<string, number> = {};
  for (const e of checkEvents) if (e.status === 'skipped') skippedWhy[e.reason ?? 'skipped'] = (skippedWhy[e.reason ?? 'skipped'] ?? 0) + 1;
  for (const e of events) if (e.type === 'phase-skipped' && !e.phase.includes(' ')) skippedWhy[`phase ${e.phase}: ${e.reason}`] = 1;
  const coverage = session.coverage.result();
  const failed = count('failed');
  const belowCoverage = options.minCoverage !== undefined && coverage.percent < options.minCoverage;
  const exitCode: 0 | 1 = failed > 0 || belowCoverage ? 1 : 0;
  const summary: Summary = {
    checks: { run: checkEvents.length, passed: count('passed'), failed, skipped: count('skipped'), unconfirmed: count('unconfirmed') },
    exchanges: events.filter((e) => e.type === 'exchange').length,
    requests: session.client.sent,
    durationMs: Math.round(performance.now() - started),
    skippedWhy,
    sandboxUse: [...(control?.used ?? [])],
    coverage,
    minCoverage: options.minCoverage,
    exitCode,
  };
  stream.emit({ type: 'run-finished', summary });
  return { summary, events, exitCode };
}
