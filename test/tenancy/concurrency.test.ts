// The active-job cap's error: the API's code, Retry-After of at least a second, and a message
// either filled in ({active}, {cap}) or with the counts appended.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.ts';
import { assertCapacity } from '../../src/tenancy/concurrency.ts';
import type { ApiPolicy } from '../../src/openapi/policy.ts';

const policy = (message?: string) => ({ concurrency: { code: 'BUSY', message }, rateLimit: { headers: { retryAfter: 'Retry-After' } } }) as unknown as ApiPolicy;
const thrown = (p: ApiPolicy, active: number, cap: number | null, retryAfterSeconds = 2.2): ApiError | undefined => {
  try {
    assertCapacity(p, { active, cap, retryAfterSeconds });
    return undefined;
  } catch (err) {
    return err as ApiError;
  }
};

describe('assertCapacity', () => {
  it('passes below the cap and when unlimited', () => {
    expect(thrown(policy('x'), 2, 3)).toBeUndefined();
    expect(thrown(policy('x'), 500, null)).toBeUndefined();
  });

  it('fills {active} and {cap}; appends the counts to a plain message; Retry-After rounds up, at least 1', () => {
    const filled = thrown(policy('You have {active} videos processing (limit {cap}).'), 3, 3)!;
    expect(filled).toMatchObject({ code: 'BUSY', message: 'You have 3 videos processing (limit 3).', headers: { 'Retry-After': '3' } });
    expect(thrown(policy('Too many jobs.'), 5, 5)!.message).toBe('Too many jobs. (5 of 5 in progress)');
    expect(thrown(policy('x'), 1, 1, 0)!.headers['Retry-After']).toBe('1');
    expect(thrown(policy('x'), 1, 1, Number.NaN)!.headers['Retry-After']).toBe('1');
  });
});
