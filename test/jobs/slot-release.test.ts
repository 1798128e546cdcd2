// A pooled state's slot of the work semaphore comes back on every way out of the state: work that
// throws synchronously, rejects, resolves to a failure, passes its budget (a budget the job's own
// size decides), a transition listener that throws, a reset mid-work — and the next job of
// another owner then runs. One lost slot is rendering down for every key until restart.
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../src/core/clock.ts';
import { Semaphore } from '../../src/core/semaphore.ts';
import { JobEngine, WorkTimeout, type LifecycleDefinition, type WorkContext, type WorkOutcome } from '../../src/jobs/lifecycle.ts';
import { eventually } from '../support/phantomflow.ts';

interface Data {
  how: 'sync-throw' | 'reject' | 'fail' | 'hang' | 'ok' | 'slow';
  seconds: number;
}

const clocks: SandboxClock[] = [];
afterEach(() => clocks.splice(0).forEach((c) => c.close()));

function setup(options: { onTransitionThrows?: boolean } = {}) {
  const clock = new SandboxClock({ mode: 'real' });
  clocks.push(clock);
  const work = new Semaphore(1);
  const budgets: number[] = [];
  const def: LifecycleDefinition<Data> = {
    initial: 'queued',
    failState: 'failed',
    states: {
      queued: { active: true, next: 'working' },
      working: {
        active: true,
        pooled: true,
        // The budget scales with what was asked: 50 ms per requested second.
        workTimeoutMs: (job) => {
          budgets.push(50 * job.data.seconds);
          return 50 * job.data.seconds;
        },
        work: ((ctx: WorkContext<Data>): Promise<WorkOutcome<Data>> => {
          const { how } = ctx.job.data;
          if (how === 'sync-throw') throw new Error('spawn E2BIG'); // not even a rejected promise
          if (how === 'reject') return Promise.reject(new Error('broken'));
          if (how === 'fail') return Promise.resolve({ to: 'failed', error: { code: 'X', message: 'failed' } });
          if (how === 'hang') return new Promise(() => undefined);
          if (how === 'slow') return new Promise((r) => setTimeout(() => r({ to: 'done' }), 300));
          return Promise.resolve({ to: 'done' });
        }) as never,
      },
      done: { terminal: true },
      failed: { terminal: true },
    },
    internalErrorCode: 'INTERNAL',
    describeFailure: (err) => ({ code: err instanceof WorkTimeout ? 'TIMEOUT' : 'BROKEN', message: String((err as Error).message) }),
  };
  let thrown = 0;
  const e = new JobEngine<Data>(def, {
    clock,
    work,
    onTransition: (_job, _from, to) => {
      if (options.onTransitionThrows && to === 'failed') {
        thrown++;
        throw new Error('listener broke');
      }
    },
  });
  return { e, work, budgets, thrown: () => thrown };
}

const terminal = (e: JobEngine<Data>, id: string) => () => ['done', 'failed'].includes(e.get(id)?.state ?? 'gone');

describe('the slot of a pooled state', () => {
  for (const how of ['sync-throw', 'reject', 'fail', 'hang'] as const) {
    it(`is released when the work ends by ${how}, and another owner's job runs next`, async () => {
      const { e, work } = setup();
      const bad = e.create('key-a', { how, seconds: 4 });
      const good = e.create('key-b', { how: 'ok', seconds: 1 });
      await eventually(terminal(e, bad.id), 5000, `${how} job terminal`);
      await eventually(terminal(e, good.id), 5000, 'the next job terminal');
      expect(e.get(bad.id)!.state).toBe('failed');
      expect(e.get(good.id)!.state).toBe('done');
      expect(work.stats()).toMatchObject({ active: 0, queued: 0 });
    });
  }

  it('the budget is the job\'s own: a hanging 4 s job times out after 200 ms', async () => {
    const { e, budgets } = setup();
    const job = e.create('key-a', { how: 'hang', seconds: 4 });
    const started = Date.now();
    await eventually(terminal(e, job.id), 5000);
    expect(e.get(job.id)!.error?.code).toBe('TIMEOUT');
    expect(budgets).toEqual([200]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('is released when the failure listener throws', async () => {
    const { e, work, thrown } = setup({ onTransitionThrows: true });
    const bad = e.create('key-a', { how: 'reject', seconds: 1 });
    const good = e.create('key-b', { how: 'ok', seconds: 1 });
    await eventually(terminal(e, good.id), 5000);
    expect(e.get(bad.id)!.state).toBe('failed');
    expect(thrown()).toBe(1);
    expect(work.stats().active).toBe(0);
  });

  it('is released when the job is reset mid-work', async () => {
    const { e, work } = setup();
    const slow = e.create('key-a', { how: 'slow', seconds: 100 });
    const next = e.create('key-b', { how: 'ok', seconds: 1 });
    await eventually(() => e.get(slow.id)?.state === 'working', 2000);
    e.reset('key-a');
    await eventually(terminal(e, next.id), 5000);
    expect(work.stats()).toMatchObject({ active: 0, queued: 0 });
  });
});
