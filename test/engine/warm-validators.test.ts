// Request validators compile on first need; once the server is listening and idle, the rest are
// compiled in the background (warmValidators, on by default; the test support turns it off).
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { eventually } from '../support/phantomflow.ts';

let s: RunningSandbox | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('validators warmed after listen', () => {
  it('compiles every operation of every API once idle, without a request', async () => {
    s = await startSandbox({ warmValidators: true });
    for (const a of s.sandbox.apis) {
      await eventually(() => a.validators.compiledCount === a.spec.operations.length, 60_000, `${a.spec.policy.id} validators`);
    }
  }, 90_000);

  it('compiles none in the background when turned off (each is compiled by its first request)', async () => {
    s = await startSandbox({ warmValidators: false });
    await sleep(600); // past the 250 ms after listen at which warm-up would start
    for (const a of s.sandbox.apis) expect(a.validators.compiledCount).toBe(0);
  });
});
