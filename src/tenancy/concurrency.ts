// The active-job cap of a plan (x-sandbox.concurrency, plans.*.concurrentJobs). Counting is the
// caller's (its job engine knows what is in progress); this module decides and builds the error.
import { ApiError } from '../core/errors.ts';
import type { ApiPolicy } from '../openapi/policy.ts';

/**
 * Throw the API's concurrency error when `active` jobs already fill the cap (null = unlimited).
 * `retryAfterSeconds` estimates when a slot frees; the header says at least 1. A message with
 * `{active}` / `{cap}` is filled in; any other gets the counts appended.
 */
export function assertCapacity(policy: ApiPolicy, check: { active: number; cap: number | null; retryAfterSeconds: number }, what = 'in progress'): void {
  if (check.cap === null || check.active < check.cap) return;
  const retryAfter = Math.max(1, Math.ceil(Number.isFinite(check.retryAfterSeconds) ? check.retryAfterSeconds : 1));
  const { code, message } = policy.concurrency;
  const counts: Record<string, number> = { active: check.active, cap: check.cap };
  const text = !message
    ? undefined
    : /\{(active|cap)\}/.test(message)
      ? message.replace(/\{(active|cap)\}/g, (_, name: string) => String(counts[name]))
      : `${message} (${check.active} of ${check.cap} ${what})`;
  throw new ApiError(code, text, {
    headers: { [policy.rateLimit.headers.retryAfter]: String(retryAfter) },
  });
}
