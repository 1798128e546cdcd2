// The domain phase (cost class spend): submit a job, follow it to a terminal state through its
// read link (honouring Retry-After, taking the actions the spec names, e.g. approving a script),
// probe its video and thumbnail, and follow the credits through the balance view (and the
// sandbox ledger). On a sandbox a second job is failed on purpose (a fault rule on its pipeline
// stage) and must be refunded in full. With --webhook-host, the job's webhook must arrive.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operation } from '../../openapi/operations.ts';
import { deref } from '../../openapi/refs.ts';
import { probe } from '../../media/probe.ts';
import { at, atAll, type JobDeclaration, type Resource } from '../profile.ts';
import type { Session } from '../session.ts';
import type { WebhookReceiver } from '../webhook-receiver.ts';
import { aValidBody, defaultParameters, fillPath } from './common.ts';
import { cleanUp } from './positive.ts';
import { followLinks } from './stateful.ts';

interface JobRun {
  id: string;
  accepted: unknown;
  final?: unknown;
  terminal: boolean;
  status?: unknown;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

async function balance(s: Session): Promise<number | undefined> {
  const b = s.profile.balance;
  if (!b) return undefined;
  const res = await s.exchange(b.op, { method: b.op.method, path: b.op.path }, { kind: 'account', step: 'before', label: 'balance before' });
  const v = at(res.json, b.pointer);
  return typeof v === 'number' ? v : undefined;
}

/** Read the balance and judge it against what it should be now. */
async function expectBalance(s: Session, step: 'reserved' | 'settled' | 'refunded', facts: Record<string, unknown>): Promise<void> {
  const b = s.profile.balance;
  if (b) await s.exchange(b.op, { method: b.op.method, path: b.op.path }, { kind: 'account', step, label: `balance after ${step}` }, { facts });
}

function expectedEstimate(s: Session, decl: JobDeclaration, body: unknown): { estimate?: number; pricing?: string } {
  const credits = s.profile.spec.policy.credits;
  if (!decl.requestedDuration || !credits?.perSecond) return {};
  const seconds = atAll(body, decl.requestedDuration).reduce<number>((t, v) => t + (typeof v === 'number' ? v : 0), 0);
  const round = Math[credits.rounding ?? 'ceil'];
  return { estimate: round(seconds * credits.perSecond), pricing: `${credits.rounding ?? 'ceil'}(${seconds} s × ${credits.perSecond})` };
}

async function poll(s: Session, r: Resource, decl: JobDeclaration, job: JobRun, expected: string[], label: string): Promise<void> {
  const read = r.read!;
  const path = fillPath(read.target.path, Object.fromEntries(Object.entries(read.params).map(([k, p]) => [k, String(at(job.accepted, p))])));
  const terminal = new Set([...decl.success, ...decl.failure]);
  const started = Date.now();
  const budget = s.options.jobTimeoutMs;
  const acted = new Set<string>();
  let last = { status: 0, text: '', headers: {} as Record<string, string> };
  for (let i = 0; Date.now() - started < budget && i < 2000; i++) {
    const res = await s.exchange(read.target, { method: 'get', path }, { kind: 'job', step: 'poll', label: `${label}: poll` });
    last = res;
    job.status = at(res.json, decl.status);
    if (res.status === 200) job.final = res.json;
    if (typeof job.status === 'string' && terminal.has(job.status)) {
      job.terminal = true;
      break;
    }
    const action = typeof job.status === 'string' ? decl.actions?.[job.status] : undefined;
    const link = action ? r.actions.find((a) => a.name === action) : undefined;
    if (link && !acted.has(String(job.status))) {
      acted.add(String(job.status));
      const apath = fillPath(link.target.path, Object.fromEntries(Object.entries(link.params).map(([k, p]) => [k, String(at(job.accepted, p))])));
      await s.exchange(link.target, { method: link.target.method, path: apath }, { kind: 'job', step: 'action', label: `${label}: ${link.target.operationId} in ${job.status}` });
      continue;
    }
    // Honour Retry-After when the API sends one on a poll; else back off gently.
    const retryAfter = Number(res.headers[s.profile.spec.policy.rateLimit.headers.retryAfter.toLowerCase()]);
    const waitS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : Math.min(2, 0.2 * (i + 1));
    if (s.control) {
      await s.control.advance(waitS);
      await sleep(60);
    } else await sleep(waitS * 1000);
  }
  s.judge(read.target, s.build({ method: 'get', path }), { ...last, elapsedMs: 0 } as any, { kind: 'job', step: expected === decl.success ? 'final' : 'refund', label }, {
    facts: {
      terminal: job.terminal,
      status: job.status,
      expected,
      waitedMs: Date.now() - started,
      budgetMs: budget,
      error: decl.error ? at(job.final, decl.error.replace(/\/code$/, '')) : undefined,
      errorCode: decl.error ? at(job.final, decl.error) : undefined,
      failureCode: decl.fault?.code,
    },
    families: ['domain'],
  });
}

async function fetchFile(s: Session, op: Operation, url: unknown, role: 'video' | 'thumbnail', facts: Record<string, unknown>): Promise<void> {
  if (typeof url !== 'string') {
    s.record(role === 'video' ? 'output_is_mp4' : 'thumbnail_is_image', op, { status: 'failed', expected: `a ${role} URL on the finished job`, got: JSON.stringify(url) });
    return;
  }
  const base = new URL(s.baseUrl);
  let target: URL;
  try {
    target = new URL(url, s.baseUrl);
  } catch {
    s.record(role === 'video' ? 'output_is_mp4' : 'thumbnail_is_image', op, { status: 'failed', expected: `a ${role} URL`, got: url });
    return;
  }
  // A local target serves its own files: never reach out to another host from a local run.
  if (isLoopbackHost(base.hostname) && target.host !== base.host) {
    s.judge(op, { method: 'GET', url, headers: {} }, { status: 0, headers: {}, text: '', elapsedMs: 0 }, { kind: 'file', role, label: `${role} ${url}` }, { facts: { offHost: url, expectedHost: base.host }, families: ['domain'] });
    return;
  }
  const req = s.build({ method: 'get', path: '', url: target.href });
  const res = await s.client.send(req, true);
  let probed: unknown;
  if (res.status === 200 && res.bytes?.length) {
    const file = join(tmpdir(), `contract-${randomBytes(6).toString('hex')}.${role === 'video' ? 'mp4' : 'img'}`);
    try {
      await writeFile(file, res.bytes);
      probed = await probe(file, 20_000, true);
    } catch (err) {
      probed = { error: (err as Error).message };
    } finally {
      await rm(file, { force: true });
    }
  }
  s.judge(op, req, res, { kind: 'file', role, label: `${role} ${target.pathname}` }, { facts: { ...facts, probe: probed }, families: ['domain'] });
  if (role === 'video' && facts.ranges && res.status === 200 && res.bytes) {
    const ranged = s.build({ method: 'get', path: '', url: target.href, headers: { range: 'bytes=0-99' } });
    s.judge(op, ranged, await s.client.send(ranged, true), { kind: 'file', role: 'range', label: `range of ${target.pathname}` }, { facts: { size: res.bytes.length }, families: ['domain'] });
  }
}

export async function jobsPhase(s: Session, r: Resource, receiver?: WebhookReceiver): Promise<void> {
  const decl = r.job!;
  const op = r.create;
  if (!r.read) return s.notice(`${op.operationId}: x-sandbox-job names no read link; the job cannot be followed`, 'warn');
  const random = s.random.fork(`jobs:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  let body = aValidBody(s, op, random) as Record<string, unknown> | undefined;

  // Webhooks: a URL field in the request, or a subscription made first.
  let hookPath: string | undefined;
  let secret: unknown;
  if (receiver && decl.webhook) {
    hookPath = `/hook/${randomBytes(4).toString('hex')}`;
    if (decl.webhook.requestField && body) {
      body = structuredClone(body);
      (body as any)[decl.webhook.requestField.slice(1)] = `${receiver.url}${hookPath}`;
    } else if (decl.webhook.subscribe) {
      const sub = s.profile.operations.find((o) => o.operationId === decl.webhook!.subscribe);
      if (sub) {
        const subBody: any = structuredClone(aValidBody(s, sub, random) ?? {});
        if (decl.webhook.urlField) subBody[decl.webhook.urlField.slice(1)] = `${receiver.url}${hookPath}`;
        if (decl.webhook.eventField && decl.webhook.event) subBody[decl.webhook.eventField.slice(1)] = decl.webhook.event;
        const res = await s.exchange(sub, { method: sub.method, path: sub.path, json: subBody }, { kind: 'plain', label: 'webhook subscription' });
        secret = decl.webhook.secretField ? at(res.json, decl.webhook.secretField) : undefined;
      }
    }
  }

  // A job that needs another resource first (a template to render) gets it through the link.
  const pre = s.profile.prerequisiteOf(op);
  let made: { op: Operation; body: unknown } | undefined;
  if (pre) {
    const preRes = await s.exchange(pre.source, { method: pre.source.method, path: pre.source.path, json: aValidBody(s, pre.source, random) }, { kind: 'plain', label: `${pre.source.operationId} for ${op.operationId}` });
    if (preRes.status < 200 || preRes.status >= 300) return;
    made = { op: pre.source, body: preRes.json };
    body = { ...(body ?? {}) };
    for (const [field, pointer] of Object.entries(pre.fields)) (body as any)[field] = at(preRes.json, pointer);
  }
  try {
    await followJob(s, r, { decl, op, params, body, receiver, hookPath, secret });
  } finally {
    if (made) await cleanUp(s, made.op, 201, made.body).catch(() => undefined);
  }
}

interface JobCase {
  decl: JobDeclaration;
  op: Operation;
  params: { path: Record<string, string>; query: Record<string, string> };
  body: Record<string, unknown> | undefined;
  receiver?: WebhookReceiver;
  /** where the receiver expects this job's webhook */
  hookPath?: string;
  /** the subscription's signing secret */
  secret?: unknown;
}

/** Submit, follow to the end, judge files, credits, ledger and webhook; then a refund on purpose. */
/**
 * Wait (bounded) until every job this run started has ended: credits move when a job settles, so
 * a balance is only comparable once nothing else of ours is in flight.
 */
export async function settleStartedJobs(s: Session): Promise<void> {
  const deadline = Date.now() + s.options.jobTimeoutMs;
  for (const started of s.startedJobs.splice(0)) {
    const r = s.profile.resources.find((x) => x.create === started.op);
    const decl = r?.job;
    if (!r?.read || !decl) continue;
    const path = fillPath(r.read.target.path, Object.fromEntries(Object.entries(r.read.params).map(([k, p]) => [k, String(at(started.accepted, p))])));
    const terminal = new Set([...decl.success, ...decl.failure]);
    while (Date.now() < deadline) {
      const res = await s.exchange(r.read.target, { method: 'get', path }, { kind: 'plain', label: 'waiting for an earlier job to end' });
      const status = at(res.json, decl.status);
      if (res.status !== 200 || (typeof status === 'string' && terminal.has(status))) break;
      if (s.control) await s.control.advance(1);
      await sleep(s.control ? 100 : 1000);
    }
  }
}

async function followJob(s: Session, r: Resource, { decl, op, params, body, receiver, hookPath, secret }: JobCase): Promise<void> {
  await settleStartedJobs(s);
  const before = await balance(s);
  const res = await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query: params.query, json: body }, { kind: 'job', step: 'submit', label: `${op.operationId} (example)` });
  const id = at(res.json, r.idPointer);
  if (res.status < 200 || res.status >= 300 || id === undefined) return;
  const job: JobRun = { id: String(id), accepted: res.json, terminal: false };
  const estimate = decl.cost?.estimate ? at(res.json, decl.cost.estimate) : undefined;
  const remaining = decl.cost?.remaining ? at(res.json, decl.cost.remaining) : undefined;
  const { estimate: wantEstimate, pricing } = expectedEstimate(s, decl, body);
  if (typeof before === 'number' && typeof estimate === 'number') {
    await expectBalance(s, 'reserved', { before, expectedBalance: before - estimate, why: `${before} − the estimate ${estimate}`, remaining, estimate, expectedEstimate: wantEstimate, pricing });
  }

  await followLinks(s, r, res.json, job.id, undefined, { update: false, del: false });
  await poll(s, r, decl, job, decl.success, `${op.operationId} ${job.id}`);
  if (!job.terminal) return;

  const succeeded = decl.success.includes(String(job.status));
  if (succeeded) {
    const duration = decl.requestedDuration ? atAll(body, decl.requestedDuration).reduce<number>((t, v) => t + (typeof v === 'number' ? v : 0), 0) : undefined;
    const facts: Record<string, unknown> = { expectedDuration: duration || undefined, reportedDuration: decl.duration ? at(job.final, decl.duration) : undefined, ranges: decl.ranges };
    if (decl.frame) {
      const w = Number(at(job.final, decl.frame.width));
      const h = Number(at(job.final, decl.frame.height));
      if (w > 0 && h > 0) Object.assign(facts, { expectedAspect: w / h, expectedAspectText: `${w}:${h}` });
    } else if (decl.aspectRatio) {
      const text = String(at(job.final, decl.aspectRatio) ?? (decl.requestedAspectRatio ? at(body, decl.requestedAspectRatio) : ''));
      const m = /^(\d+):(\d+)$/.exec(text);
      if (m) Object.assign(facts, { expectedAspect: Number(m[1]) / Number(m[2]), expectedAspectText: text });
    }
    if (decl.video) await fetchFile(s, r.read!.target, at(job.final, decl.video), 'video', facts);
    if (decl.thumbnail) await fetchFile(s, r.read!.target, at(job.final, decl.thumbnail), 'thumbnail', {});
  }
  const used = decl.cost?.used ? at(job.final, decl.cost.used) : undefined;
  if (typeof before === 'number' && typeof used === 'number') {
    await expectBalance(s, 'settled', { before, expectedBalance: before - used, why: `${before} − the settled cost ${used}` });
    if (s.control) {
      await judgeLedger(s, op, job.id, used, false);
    }
  }
  if (receiver && hookPath) {
    const delivery = await receiver.waitFor(hookPath, 10_000);
    const schema = webhookSchema(s, decl.webhook?.event);
    s.evaluate(op, { kind: 'webhook', label: `webhook for ${job.id}` }, { delivery, budgetMs: 10_000, schema, subjectId: job.id, secret, signature: secret !== undefined ? s.profile.spec.policy.webhooks.signature : undefined }, ['domain']);
  }
  if (r.delete) await followLinks(s, r, res.json, job.id, undefined, { update: false, del: true }).catch(() => undefined);

  // A failed job is refunded in full: provoked with a fault rule on its pipeline stage (sandbox only).
  if (s.control && decl.fault) {
    const ruleId = await s.control.addFault({ match: { api: s.profile.id, key: s.keys.main }, action: { stage: decl.fault.stage, fail: decl.fault.code }, times: 1 }, `fail one ${decl.fault.stage} stage with ${decl.fault.code} to see the refund`);
    try {
      await settleStartedJobs(s);
      const before2 = await balance(s);
      const res2 = await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query: params.query, json: body }, { kind: 'job', step: 'submit', label: `${op.operationId} (to be failed)` });
      const id2 = at(res2.json, r.idPointer);
      if (res2.status >= 200 && res2.status < 300 && id2 !== undefined) {
        const job2: JobRun = { id: String(id2), accepted: res2.json, terminal: false };
        await poll(s, r, decl, job2, decl.failure, `${op.operationId} ${job2.id} (failed on purpose)`);
        if (typeof before2 === 'number') await expectBalance(s, 'refunded', { before: before2, expectedBalance: before2, why: `${before2}: a failed job is refunded in full` });
        await judgeLedger(s, op, job2.id, 0, true);
      }
    } finally {
      await s.control.deleteFault(ruleId).catch(() => undefined);
    }
  } else if (!s.control) {
    s.record('credits_move_as_documented', op, { status: 'skipped', reason: 'refund on failure needs a sandbox (fault rules) to fail a job on purpose' });
  }
}

async function judgeLedger(s: Session, op: Operation, jobId: string, used: number, refunded: boolean): Promise<void> {
  if (!s.control) return;
  const started = performance.now();
  let ledger: unknown;
  let status = 200;
  try {
    ledger = await s.control.ledger(s.keys.main);
  } catch {
    status = 500;
  }
  s.judge(op, { method: 'GET', url: '(control API ledger)', headers: {} }, { status, headers: {}, text: '', json: ledger, elapsedMs: Math.round(performance.now() - started) }, { kind: 'account', step: 'ledger', label: `ledger for ${jobId}` }, { facts: { jobId, used, refunded }, families: ['domain'] });
}

function webhookSchema(s: Session, event: string | undefined): object | undefined {
  const hooks = s.profile.doc.webhooks ?? {};
  const item = event ? hooks[event] : Object.values(hooks)[0];
  const body = deref<any>(s.profile.doc, item?.post?.requestBody);
  return body?.content?.['application/json']?.schema;
}
