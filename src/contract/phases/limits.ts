// Destructive cases (opt-in): the request limit really triggers and resets, the active-job cap
// really refuses one job too many, insufficient credits really give 402. On a sandbox the control
// API lowers the limit or the balance first (and puts it back), holds jobs in progress with a
// fault rule, and moves the clock past the window; against a real service only what can be done
// within bounds runs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operation } from '../../openapi/operations.ts';
import { at, atAll, errorCode, type Resource } from '../profile.ts';
import type { ReceivedResponse, SentRequest } from '../types.ts';
import type { Session } from '../session.ts';
import { aValidBody, defaultParameters, fillPath, generatedBodies } from './common.ts';
import { settleStartedJobs } from './jobs.ts';

/** Send, waiting out rate-limit 429s (and, when asked, concurrency ones) that the case is not about. */
async function sendPastRateLimit(s: Session, req: SentRequest, pastConcurrency = false): Promise<ReceivedResponse> {
  const { policy } = s.profile.spec;
  let res = await s.client.send(req);
  for (let i = 0; i < 20 && res.status === 429; i++) {
    const concurrency = errorCode(s.profile, res.json) === policy.concurrency.code;
    if (concurrency && !pastConcurrency) break;
    const wait = Number(res.headers[policy.rateLimit.headers.retryAfter.toLowerCase()]) || 1;
    if (s.control && !concurrency) await s.control.advance(wait);
    else if (wait <= 65) await sleep(Math.min(wait, concurrency ? 1 : wait) * 1000);
    else break;
    res = await s.client.send(req);
  }
  return res;
}

function cheapRead(s: Session): Operation | undefined {
  return s.profile.balance?.op ?? s.profile.operations.find((o) => o.method === 'get' && !o.path.includes('{') && o.scopes !== null && !o.parameters.some((p) => p.required));
}

async function restoring<T>(s: Session, key: string, field: 'requestsPerMinute' | 'concurrentJobs', value: number, why: string, body: () => Promise<T>): Promise<T> {
  const account = await s.control!.account(key).catch(() => undefined);
  const previous = account?.overrides?.[field];
  await s.control!.patchAccount(key, { limits: { [field]: value } }, why);
  try {
    return await body();
  } finally {
    await s.control!.patchAccount(key, { limits: { [field]: previous === undefined ? 'plan' : previous } }, `restore ${field}`).catch(() => undefined);
  }
}

export async function rateLimitPhase(s: Session): Promise<void> {
  const op = cheapRead(s);
  if (!op) return s.notice('no parameterless read operation to spend a rate window on', 'warn');
  const h = s.profile.spec.policy.rateLimit.headers;
  const run = async () => {
    const first = s.build({ method: op.method, path: op.path });
    let res = await s.client.send(first);
    const limit = Number(res.headers[h.limit.toLowerCase()]);
    if (!Number.isInteger(limit) || limit < 1) return s.record('rate_limit_enforced', op, { status: 'skipped', reason: `no usable ${h.limit} header` });
    if (!s.control && limit > 120) return s.record('rate_limit_enforced', op, { status: 'skipped', reason: `limit ${limit} a window is too many requests to spend without a sandbox` });
    let sent = 1;
    while (res.status !== 429 && sent <= limit + 1) {
      res = await s.client.send(first);
      sent++;
    }
    s.judge(op, first, res, { kind: 'limit', step: 'rate-trigger', label: `request ${sent} in one window` }, { facts: { sent, limit } });
    if (res.status !== 429) return;
    const retryAfter = Number(res.headers[h.retryAfter.toLowerCase()]);
    const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : s.profile.spec.policy.rateLimit.windowSeconds;
    if (s.control) await s.control.advance(wait);
    else if (wait <= 65) await sleep(wait * 1000 + 250);
    else return s.record('rate_limit_resets', op, { status: 'skipped', reason: `Retry-After ${wait} s is too long to wait without a sandbox clock` });
    const after = await s.client.send(first);
    s.judge(op, first, after, { kind: 'limit', step: 'rate-reset', label: `after ${wait} s` }, { facts: { waited: wait } });
  };
  if (s.control) await restoring(s, s.keys.main, 'requestsPerMinute', 3, 'lower the request limit to 3 a minute to trigger it quickly', run);
  else await run();
}

export async function concurrencyPhase(s: Session, r: Resource): Promise<void> {
  const op = r.create;
  const random = s.random.fork(`concurrency:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const body = generatedBodies(s, op, 1, random, 0)[0] ?? aValidBody(s, op, random);
  const catalogueCaps = Object.values(s.profile.spec.policy.plans.catalogue).map((p) => p.concurrentJobs).filter((c): c is number => typeof c === 'number');
  const cap = s.control ? 2 : Math.min(12, Math.max(...catalogueCaps, 1));
  const run = async () => {
    const req = s.build({ method: op.method, path: fillPath(op.path, params.path), query: params.query, json: body });
    // Up to one job past the cap; the answer judged is the first refusal, or that one job too many.
    let active = 0;
    let res = await sendPastRateLimit(s, req);
    while (res.status >= 200 && res.status < 300 && active < cap) {
      active++;
      s.startedJobs.push({ op, accepted: res.json });
      res = await sendPastRateLimit(s, req);
    }
    if (res.status >= 200 && res.status < 300) s.startedJobs.push({ op, accepted: res.json });
    s.judge(op, req, res, { kind: 'limit', step: 'concurrency', label: `job ${active + 1} with ${active} active` }, { facts: { active, cap }, expect429: true });
  };
  if (!s.control) return run();
  // Jobs must stay in progress while the cap fills: hold their stage with a fault rule.
  const stage = r.job?.fault?.stage ?? '*';
  const rule = await s.control.addFault({ match: { api: s.profile.id, key: s.keys.main }, action: { stage, delay: 120_000 } }, `hold ${stage} stages so jobs stay in progress`);
  try {
    await restoring(s, s.keys.main, 'concurrentJobs', cap, `lower the active-job cap to ${cap}`, run);
  } finally {
    await s.control.deleteFault(rule).catch(() => undefined);
    await s.control.advance(121).catch(() => undefined);
  }
}

export async function creditsPhase(s: Session, r: Resource): Promise<void> {
  const op = r.create;
  if (!('402' in op.responses)) return;
  const random = s.random.fork(`credits:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const body = aValidBody(s, op, random);
  const b = s.profile.balance;
  if (!s.control) {
    const current = b ? at((await s.client.send(s.build({ method: b.op.method, path: b.op.path }))).json, b.pointer) : undefined;
    return s.record('insufficient_credits', op, { status: 'skipped', reason: `needs a sandbox to lower the balance (balance ${current ?? 'unknown'})` });
  }
  // Jobs still in flight would settle (and move the balance) while the 402 is being provoked.
  await settleStartedJobs(s);
  const account = await s.control.account(s.keys.main);
  const previous = Number(account.balance);
  await s.control.patchAccount(s.keys.main, { balance: 0 }, 'set the balance to 0 to see a 402');
  try {
    const req = s.build({ method: op.method, path: fillPath(op.path, params.path), query: params.query, json: body });
    const res = await sendPastRateLimit(s, req, true);
    const decl = r.job;
    const credits = s.profile.spec.policy.credits;
    let required: number | undefined;
    if (decl?.requestedDuration && credits?.perSecond) {
      const seconds = atAll(body, decl.requestedDuration).reduce<number>((t, v) => t + (typeof v === 'number' ? v : 0), 0);
      required = Math[credits.rounding ?? 'ceil'](seconds * credits.perSecond);
    } else if (typeof credits?.minimumToCreate === 'number') required = credits.minimumToCreate;
    s.judge(op, req, res, { kind: 'limit', step: 'credits', label: 'a job with a balance of 0' }, { facts: { balance: 0, required } });
  } finally {
    await s.control.patchAccount(s.keys.main, { balance: previous }, 'restore the balance').catch(() => undefined);
  }
}
