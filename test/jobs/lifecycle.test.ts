// The generic lifecycle engine with a Sketchpen-like machine (many states, a wait for an external
// event, pooled work) on a manual clock: holds, events, failures, timeouts, pool limits, history.
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../src/core/clock.ts';
import { JobEngine, WorkTimeout, type LifecycleDefinition, type StateSpec } from '../../src/jobs/lifecycle.ts';
import { Semaphore } from '../../src/core/semaphore.ts';
import { eventually } from '../support/phantomflow.ts';

interface Data {
  scenes: number;
  log: string[];
}

const clocks: SandboxClock[] = [];
afterEach(() => clocks.splice(0).forEach((c) => c.close()));

function machine(overrides: Partial<Record<string, StateSpec<Data>>> = {}): LifecycleDefinition<Data> {
  const step = (name: string, to: string): StateSpec<Data> => ({
    active: true,
    work: async (ctx) => {
      await ctx.sleep(1000);
      ctx.progress(50);
      return { to, data: { log: [...ctx.job.data.log, name] } };
    },
  });
  return {
    initial: 'pending',
    failState: 'failed',
    states: {
      pending: { active: true, holdMs: 500, next: 'scripting' },
      scripting: { ...step('scripting', 'refining'), progress: 10 },
      refining: { active: true, on: { approve: 'visualising', regenerate: 'scripting' } },
      visualising: step('visualising', 'narrating'),
      narrating: step('narrating', 'curating'),
      curating: step('curating', 'rendering'),
      rendering: { ...step('rendering', 'completed'), pooled: true },
      completed: { terminal: true, progress: 100 },
      failed: { terminal: true, progress: 100 },
      ...overrides,
    } as Record<string, StateSpec<Data>>,
    internalErrorCode: 'INTERNAL',
    describeFailure: (err) => ({ code: err instanceof WorkTimeout ? 'TIMEOUT' : 'BROKEN', message: String((err as Error).message) }),
  };
}

function engine(def = machine(), opts: { work?: Semaphore; workTimeoutMs?: number; historyLimit?: number } = {}) {
  const clock = new SandboxClock({ mode: 'manual' });
  clocks.push(clock);
  const transitions: string[] = [];
  const e = new JobEngine<Data>(def, { clock, ...opts, onTransition: (job, from, to) => transitions.push(`${job.id.slice(0, 4)}:${from ?? '∅'}→${to}`) });
  return { clock, e, transitions };
}

/** Advance the manual clock in steps until `check` holds (work sleeps resolve asynchronously). */
async function drive(clock: SandboxClock, check: () => boolean, stepMs = 500): Promise<void> {
  for (let i = 0; i < 400 && !check(); i += 1) {
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(check()).toBe(true);
}

describe('JobEngine', () => {
  it('drives a many-state machine on the clock and waits for external events', async () => {
    const { clock, e } = engine();
    const job = e.create('acct', { scenes: 3, log: [] });
    expect(job.state).toBe('pending');
    await new Promise((r) => setTimeout(r, 20));
    expect(job.state).toBe('pending'); // a manual clock holds it
    await drive(clock, () => job.state === 'refining');
    expect(job.data.log).toEqual(['scripting']);
    clock.advance(3_600_000);
    expect(job.state).toBe('refining'); // waits for approve
    expect(e.send(job.id, 'nonsense')).toBe(false);
    expect(e.send(job.id, 'approve')).toBe(true);
    await drive(clock, () => job.state === 'completed');
    expect(job.data.log).toEqual(['scripting', 'visualising', 'narrating', 'curating', 'rendering']);
    expect(job.progress).toBe(100);
    expect(Object.keys(job.enteredAt)).toEqual(['pending', 'scripting', 'refining', 'visualising', 'narrating', 'curating', 'rendering', 'completed']);
    expect(job.finishedAt).toBe(job.enteredAt.completed);
    expect(e.send(job.id, 'approve')).toBe(false);
    expect(e.activeStates).toEqual(['pending', 'scripting', 'refining', 'visualising', 'narrating', 'curating', 'rendering']);
  });

  it('work that throws moves the job to the fail state with the described error', async () => {
    const { clock, e } = engine(machine({ scripting: { work: async () => { throw new Error('model unavailable'); } } }));
    const job = e.create('acct', { scenes: 1, log: [] });
    clock.advance(500);
    await eventually(() => job.state === 'failed');
    expect(job.error).toEqual({ code: 'BROKEN', message: 'model unavailable' });
  });

  it('work that overruns its wall-clock limit fails (and is aborted); sleeps do not count', async () => {
    let aborted = false;
    const { clock, e } = engine(
      machine({
        scripting: {
          work: async (ctx) => {
            await ctx.sleep(10_000); // sandbox time: excluded from the limit
            ctx.signal.addEventListener('abort', () => (aborted = true));
            return new Promise(() => undefined);
          },
        },
      }),
      { workTimeoutMs: 80 },
    );
    const job = e.create('acct', { scenes: 1, log: [] });
    clock.advance(500);
    await new Promise((r) => setTimeout(r, 200));
    expect(job.state).toBe('scripting'); // sleeping on a manual clock: no timeout
    clock.advance(10_000);
    await eventually(() => job.state === 'failed', 2000);
    expect(job.error?.code).toBe('TIMEOUT');
    expect(aborted).toBe(true);
  });

  it('pooled states wait in the previous state for a slot', async () => {
    const work = new Semaphore(1);
    const { clock, e } = engine(machine(), { work });
    const jobs = [1, 2, 3].map(() => e.create('acct', { scenes: 1, log: [] }));
    await drive(clock, () => jobs.every((j) => j.state === 'refining'));
    jobs.forEach((j) => e.send(j.id, 'approve'));
    let maxRendering = 0;
    await drive(clock, () => {
      maxRendering = Math.max(maxRendering, jobs.filter((j) => j.state === 'rendering').length);
      return jobs.every((j) => j.state === 'completed');
    });
    expect(maxRendering).toBe(1);
    expect(work.stats()).toEqual({ active: 0, queued: 0, peakActive: 1 });
  });

  it('reset() forgets and stops timers; history keeps the newest N finished per owner', async () => {
    // Scripting fails at once, with the job's tag as the message: jobs finish without driving the clock far.
    const failing = machine({ scripting: { work: async (ctx) => { throw new Error(ctx.job.data.log[0]); } } });
    const { clock, e, transitions } = engine(failing, { historyLimit: 2 });

    const b = e.create('b', { scenes: 1, log: ['b'] });
    e.reset('b');
    expect(e.get(b.id)).toBeUndefined();
    const before = transitions.length;
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(transitions.length).toBe(before);

    const jobs = ['0', '1', '2'].map((tag) => e.create('a', { scenes: 1, log: [tag] }));
    await drive(clock, () => jobs.filter((j) => j.state === 'failed').length === 3 || e.list('a').length < 3);
    expect(e.list('a').map((j) => j.error?.message)).toEqual(['2', '1']);
    expect(e.list('a').every((j) => j.error?.code === 'BROKEN')).toBe(true);
    expect(e.getOwned('b', e.list('a')[0]!.id)).toBeUndefined();
  });

  it('acquireSlot: the state is entered at once, its heavy part waits for a slot (not counted against the limit), the slot comes back at the end', async () => {
    const work = new Semaphore(1);
    const held: string[] = [];
    let peak = 0;
    const slotted: StateSpec<Data> = {
      active: true,
      work: async (ctx) => {
        await ctx.acquireSlot();
        await ctx.acquireSlot(); // a second call keeps the one slot
        held.push(ctx.job.id);
        peak = Math.max(peak, work.stats().active);
        await new Promise((r) => setTimeout(r, 60));
        return { to: 'completed' };
      },
    };
    const { e } = engine(machine({ pending: { active: true, next: 'visualising' }, visualising: slotted }), { work, workTimeoutMs: 100 });
    const jobs = [1, 2, 3].map(() => e.create('acct', { scenes: 1, log: [] }));
    // All three show the state at once, though only one works at a time; waiting 2×60 ms for the
    // slot would overrun a 100 ms limit if it counted.
    expect(jobs.map((j) => j.state)).toEqual(['visualising', 'visualising', 'visualising']);
    await eventually(() => jobs.every((j) => j.state === 'completed'), 5000);
    expect(held).toHaveLength(3);
    expect(peak).toBe(1);
    expect(work.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it('a slot taken by work that is given up (reset) goes back', async () => {
    const work = new Semaphore(1);
    const { e } = engine(
      machine({ pending: { active: true, next: 'visualising' }, visualising: { active: true, work: async (ctx) => (await ctx.acquireSlot(), new Promise(() => undefined)) } }),
      { work },
    );
    const job = e.create('acct', { scenes: 1, log: [] });
    await eventually(() => work.stats().active === 1);
    e.reset('acct');
    await eventually(() => work.stats().active === 0);
    expect(e.get(job.id)).toBeUndefined();
  });

  it('a terminal state with events can be left (a retry): finishedAt clears, and is set again at the end', async () => {
    let attempts = 0;
    const flaky: StateSpec<Data> = { active: true, work: async () => (++attempts === 1 ? { to: 'failed', error: { code: 'X', message: 'first try' } } : { to: 'completed' }) };
    const { e } = engine(machine({ pending: { active: true, next: 'visualising' }, visualising: flaky, failed: { terminal: true, on: { retry: 'visualising' } } }));
    const job = e.create('acct', { scenes: 1, log: [] });
    await eventually(() => job.state === 'failed');
    expect(job.finishedAt).not.toBeNull();
    expect(e.send(job.id, 'retry')).toBe(true);
    expect(job.state).toBe('visualising');
    expect(job.finishedAt).toBeNull();
    await eventually(() => job.state === 'completed');
    expect(job.finishedAt).not.toBeNull();
    expect(e.send(job.id, 'retry')).toBe(false);
  });

  it('remove() forgets one job (its timers too) and tells onForget', async () => {
    const clock = new SandboxClock({ mode: 'manual' });
    clocks.push(clock);
    const forgotten: string[] = [];
    const e = new JobEngine<Data>(machine(), { clock, onForget: (j) => forgotten.push(j.id) });
    const a = e.create('acct', { scenes: 1, log: [] });
    const b = e.create('acct', { scenes: 1, log: [] });
    expect(e.remove(a.id)).toBe(true);
    expect(e.remove(a.id)).toBe(false);
    expect(forgotten).toEqual([a.id]);
    expect(e.list('acct').map((j) => j.id)).toEqual([b.id]);
    clock.advance(600);
    await eventually(() => b.state !== 'pending');
    expect(a.state).toBe('pending');
  });

  it('rejects definitions that lead nowhere', () => {
    const clock = new SandboxClock({ mode: 'manual' });
    clocks.push(clock);
    expect(() => new JobEngine(machine({ pending: { next: 'nowhere' } }), { clock })).toThrow(/unknown state nowhere/);
  });
});
