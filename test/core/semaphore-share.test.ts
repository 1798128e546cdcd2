// A tenant's share of the semaphore: with maxPerTenant, a flood from one tenant leaves a slot for
// the next tenant to arrive, and a free slot is never withheld from a tenant under its share.
import { expect, it } from 'vitest';
import { Semaphore } from '../../src/core/semaphore.ts';

it('a flooding tenant holds at most its share; another tenant is granted at once', async () => {
  const s = new Semaphore(2, { maxPerTenant: 1 });
  const first = await s.acquire({ tenant: 'flood' });
  const granted: string[] = [];
  const floods = Array.from({ length: 5 }, (_, i) => s.acquire({ tenant: 'flood' }).then((r) => (granted.push(`flood${i}`), r)));
  await Promise.resolve();
  expect(s.stats()).toMatchObject({ active: 1, queued: 5 });
  // A slot is free and the flood may not take it: the newcomer gets it, not the queue's head.
  const other = await s.acquire({ tenant: 'small' });
  expect(s.stats()).toMatchObject({ active: 2, queued: 5 });
  other();
  expect(s.stats()).toMatchObject({ active: 1 });
  first();
  await Promise.resolve();
  expect(granted).toEqual(['flood0']);
  for (let i = 0; i < 5; i++) (await floods[i]!)();
  expect(s.stats()).toMatchObject({ active: 0, queued: 0, peakActive: 2 });
});

it('the share never exceeds the capacity, and the default is all of it', async () => {
  expect(new Semaphore(2, { maxPerTenant: 5 }).maxPerTenant).toBe(2);
  const s = new Semaphore(2);
  const a = await s.acquire({ tenant: 't' });
  const b = await s.acquire({ tenant: 't' });
  expect(s.stats().active).toBe(2);
  a();
  b();
  expect(() => new Semaphore(2, { maxPerTenant: 0 })).toThrow(RangeError);
});
