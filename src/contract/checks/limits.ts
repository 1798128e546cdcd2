// Checks on limits that really trigger (opt-in, destructive): the request window (429 with
// Retry-After, the plain form where the spec says so, Remaining 0) and its reset, the concurrency
// cap, and insufficient credits (402 with required and balance).
import { errorCode, errorObject } from '../profile.ts';
import { fail, pass, type Check } from '../types.ts';
import { plainRateLimitForm } from './errors.ts';

export const rateLimitEnforced: Check = {
  name: 'rate_limit_enforced',
  family: 'limits',
  description: "past the window's limit the API answers 429 in its own form, with Remaining 0",
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'limit' || ctx.meta.step !== 'rate-trigger') return undefined;
    const { policy } = ctx.profile.spec;
    if (res.status !== 429) return fail(`429 after ${ctx.facts.sent} requests in one window (limit ${ctx.facts.limit})`, `${res.status}`);
    const plain = plainRateLimitForm(ctx.profile);
    const body = res.json as any;
    if (plain) {
      if (typeof body?.error !== 'string' || !plain.test(body.error)) return fail(`the plain form ${plain.source}`, res.text.slice(0, 200));
    } else if (errorCode(ctx.profile, body) !== policy.rateLimit.exceeded.code) {
      return fail(`code ${policy.rateLimit.exceeded.code}`, res.text.slice(0, 200));
    }
    const remaining = res.headers[policy.rateLimit.headers.remaining.toLowerCase()];
    if (remaining !== '0') return fail(`${policy.rateLimit.headers.remaining}: 0 on the 429`, `${remaining}`);
    // Retry-After points at the end of the window that is used up, not past it.
    const retry = Number(res.headers[policy.rateLimit.headers.retryAfter.toLowerCase()]);
    const reset = Number(res.headers[policy.rateLimit.headers.reset.toLowerCase()]);
    const windowS = Math.max(policy.rateLimit.windowSeconds, ...Object.values(_op?.routeLimits ?? {}).map((l) => l.windowSeconds));
    if (!(retry >= 1 && retry <= windowS + 1)) return fail(`${policy.rateLimit.headers.retryAfter} within the ${windowS}-second window`, `${retry}`);
    // (A sandbox's clock may run ahead of this machine's: compare only against a real service.)
    if (!ctx.sandbox && Number.isFinite(reset) && Math.abs(Date.now() / 1000 + retry - reset) > 5) {
      return fail(`${policy.rateLimit.headers.retryAfter} agreeing with ${policy.rateLimit.headers.reset} (${reset})`, `${retry} s from now`);
    }
    return pass();
  },
};

export const rateLimitResets: Check = {
  name: 'rate_limit_resets',
  family: 'limits',
  description: 'after Retry-After (the window end) requests are allowed again, with a fresh Remaining',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'limit' || ctx.meta.step !== 'rate-reset') return undefined;
    const h = ctx.profile.spec.policy.rateLimit.headers;
    if (res.status === 429) return fail(`a non-429 answer after waiting ${ctx.facts.waited} s`, '429');
    const limit = Number(res.headers[h.limit.toLowerCase()]);
    const remaining = Number(res.headers[h.remaining.toLowerCase()]);
    return remaining === limit - 1 ? pass() : fail(`${h.remaining}: ${limit - 1} (a fresh window)`, `${h.remaining}: ${res.headers[h.remaining.toLowerCase()]}`);
  },
};

export const concurrencyEnforced: Check = {
  name: 'concurrency_limit_enforced',
  family: 'limits',
  description: 'one job over the active-job cap is refused with the concurrency code and Retry-After',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'limit' || ctx.meta.step !== 'concurrency') return undefined;
    const { policy } = ctx.profile.spec;
    const code = errorCode(ctx.profile, res.json);
    const retry = res.headers[policy.rateLimit.headers.retryAfter.toLowerCase()];
    if (res.status !== 429 || code !== policy.concurrency.code) return fail(`429 ${policy.concurrency.code} with ${ctx.facts.active} jobs active (cap ${ctx.facts.cap})`, `${res.status} ${code ?? res.text.slice(0, 160)}`);
    return retry ? pass() : fail(`${policy.rateLimit.headers.retryAfter} on the concurrency 429`, 'none');
  },
};

export const insufficientCredits: Check = {
  name: 'insufficient_credits',
  family: 'limits',
  description: 'a job the balance cannot cover is 402 with how much it needs and how much there is',
  run(op, _req, res, ctx) {
    if (ctx.meta.kind !== 'limit' || ctx.meta.step !== 'credits') return undefined;
    const codes = (op ? ctx.profile.errorCodesFor(op, 402) : undefined) ?? [];
    const code = errorCode(ctx.profile, res.json);
    if (res.status !== 402 || (codes.length && (!code || !codes.includes(code)))) return fail(`402 ${codes.join(' or ')} with a balance of ${ctx.facts.balance}`, `${res.status} ${code ?? res.text.slice(0, 160)}`);
    const entry = ctx.profile.spec.policy.errors.catalogue[code!];
    const obj = errorObject(ctx.profile, res.json) ?? {};
    if (entry?.extra?.includes('balance') && obj.balance !== ctx.facts.balance) return fail(`balance ${ctx.facts.balance} in the 402`, JSON.stringify(obj.balance));
    if (entry?.extra?.includes('required') && typeof ctx.facts.required === 'number' && obj.required !== ctx.facts.required) return fail(`required ${ctx.facts.required} in the 402`, JSON.stringify(obj.required));
    return pass();
  },
};

export const limitChecks: Check[] = [rateLimitEnforced, rateLimitResets, concurrencyEnforced, insufficientCredits];
