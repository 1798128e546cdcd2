// The job lifecycle engine: runs a state machine an API module defines (job.ts) for every job.
// It knows nothing of renders or videos. The engine guarantees that work which throws or overruns
// its time limit moves the job to a failure state, so every started job reaches a terminal state.
//
//   PhantomFlow:  queued ─hold→ rendering (pooled work) → completed | failed
//   Sketchpen:    pending → scripting (work) → refining ─approve→ visualising → … → completed | failed
//
// Holds and sleeps run on the SandboxClock (manual/scaled clocks control them); pooled states take
// a slot of the sandbox's one work semaphore, fairly across owners.
import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../core/clock.ts';
import { Semaphore } from '../core/semaphore.ts';
import type { Job, JobError, LifecycleDefinition, StateSpec } from './job.ts';
import { JobStore } from './job-store.ts';
import { runWork } from './work-runner.ts';

export type { Job, JobError, LifecycleDefinition, StateSpec, WorkContext, WorkOutcome } from './job.ts';
export { WorkTimeout } from './job.ts';

export interface JobEngineOptions<D> {
  clock: SandboxClock;
  /** slots for pooled states (shared across the sandbox); default: a semaphore of 2 */
  work?: Semaphore;
  /** wall-clock ms a state's work may take (sleeps excluded) unless the state says; default 120 000 */
  workTimeoutMs?: number;
  /** finished jobs kept per owner (older ones are forgotten); default 100 */
  historyLimit?: number;
  /** finished jobs kept across all owners (the oldest forgotten first); default unbounded */
  totalHistoryLimit?: number;
  /** called after every state change (from = null on creation) */
  onTransition?(job: Job<D>, from: string | null, to: string): void;
  /** called when a job is forgotten (history pruning, reset), e.g. to delete its files */
  onForget?(job: Job<D>): void;
}

/** What a job is waiting on, kept outside the job so views stay plain data. */
interface Pending {
  timer?: number;
  holdUntil?: number;
  /** aborts a pending slot request */
  slot?: AbortController;
  release?: () => void;
  abort?: AbortController;
  sleepers?: Set<number>;
}

export class JobEngine<D> {
  private readonly store: JobStore<D>;
  private readonly pending = new Map<string, Pending>();
  private readonly workStats = new Map<string, number>();
  /** work running now (a render's FFmpeg), awaited by close() after it is aborted */
  private readonly running = new Set<Promise<void>>();
  private readonly work: Semaphore;
  private readonly workTimeoutMs: number;

  constructor(
    readonly definition: LifecycleDefinition<D>,
    private readonly options: JobEngineOptions<D>,
  ) {
    const { states, initial, failState } = definition;
    for (const name of [initial, failState]) if (!states[name]) throw new Error(`lifecycle: unknown state ${name}`);
    if (states[initial]!.pooled) throw new Error('lifecycle: the initial state cannot be pooled');
    if (!states[failState]!.terminal) throw new Error('lifecycle: failState must be terminal');
    for (const [name, s] of Object.entries(states)) {
      const targets = [s.next, s.failTo, ...Object.values(s.on ?? {})].filter((t): t is string => t !== undefined);
      for (const t of targets) if (!states[t]) throw new Error(`lifecycle: state ${name} leads to unknown state ${t}`);
    }
    this.work = options.work ?? new Semaphore(2);
    this.workTimeoutMs = options.workTimeoutMs ?? 120_000;
    this.store = new JobStore(Math.max(0, options.historyLimit ?? 100));
  }

  get activeStates(): string[] {
    return Object.entries(this.definition.states)
      .filter(([, s]) => s.active)
      .map(([n]) => n);
  }

  /** Create a job in the initial state and start its lifecycle. */
  create(owner: string, data: D, id: string = randomUUID()): Job<D> {
    const now = this.options.clock.now();
    const job: Job<D> = {
      id,
      owner,
      seq: this.store.nextSeq(),
      state: this.definition.initial,
      progress: 0,
      data,
      error: null,
      createdAt: now,
      updatedAt: now,
      enteredAt: {},
      finishedAt: null,
    };
    this.store.add(job);
    this.switchTo(job, this.definition.initial, null);
    return job;
  }

  get(id: string): Job<D> | undefined {
    return this.store.get(id);
  }

  /** The job if it belongs to `owner` (another owner's job is simply not there). */
  getOwned(owner: string, id: string): Job<D> | undefined {
    const job = this.store.get(id);
    return job && job.owner === owner ? job : undefined;
  }

  /** Jobs of one owner (or all), newest first, optionally only in some states. */
  list(owner?: string, states?: string[]): Job<D>[] {
    const source = this.store.of(owner);
    const out = states ? source.filter((j) => states.includes(j.state)) : source;
    return out.sort((a, b) => b.seq - a.seq);
  }

  /** What an operator's view asks for: one owner's jobs (or all), in one state (or any), newest first, at most `limit`. */
  select(filter: { key?: string; status?: string; limit?: number }): Job<D>[] {
    const jobs = this.list(filter.key, filter.status ? [filter.status] : undefined);
    return filter.limit === undefined ? jobs : jobs.slice(0, filter.limit);
  }

  /** Jobs of an owner in states that count as in progress (`activeStates` overrides the definition's). */
  active(owner: string, activeStates = this.activeStates): Job<D>[] {
    return this.store.of(owner).filter((j) => activeStates.includes(j.state));
  }

  /** How many jobs of an owner are in progress: O(1), however many there are. */
  activeCount(owner: string, activeStates = this.activeStates): number {
    return this.store.countIn(owner, activeStates);
  }

  /** How many jobs of every owner are in one of `states` (counted, not listed). */
  countAll(states: string[]): number {
    return this.store.countAll(states);
  }

  /** Sandbox ms left of the job's current hold (0 when not holding). */
  holdRemaining(job: Job<D>): number {
    const until = this.pending.get(job.id)?.holdUntil;
    return until === undefined ? 0 : Math.max(0, until - this.options.clock.now());
  }

  /** Smoothed wall-clock ms the work of a state has taken so far (undefined before the first). */
  typicalWorkMs(state: string): number | undefined {
    return this.workStats.get(state);
  }

  /** Deliver an external event; false when the job's state does not accept it. */
  send(id: string, event: string, data?: Partial<D>): boolean {
    const job = this.store.get(id);
    const target = job && this.definition.states[job.state]?.on?.[event];
    if (!job || !target) return false;
    this.cancelPending(job);
    this.move(job, target, data);
    return true;
  }

  /**
   * Forget finished jobs of any owner, oldest first, until `enough()` holds — the newest finished
   * job is always kept (a bound on what finished jobs hold, e.g. file bytes).
   */
  forgetOldestFinished(enough: () => boolean): void {
    while (!enough()) {
      const finished = this.store.finishedJobs();
      const oldest = finished.next().value;
      if (!oldest || finished.next().done) return;
      this.forget(oldest);
    }
  }

  /** Whether an owner has a job that is not finished. */
  hasActive(owner: string): boolean {
    return this.store.of(owner).some((j) => !this.isTerminal(j));
  }

  /** Forget one job (a client deleting it), stopping its timers and work; false when unknown. */
  remove(id: string): boolean {
    const job = this.store.get(id);
    if (!job) return false;
    this.forget(job);
    return true;
  }

  /** Forget the jobs of one owner (or all), stopping their timers and work. */
  reset(owner?: string): void {
    for (const job of this.store.of(owner)) this.forget(job);
  }

  /** Forget every job and wait until the work they had started (aborted) has stopped. */
  async close(): Promise<void> {
    this.reset();
    await Promise.all([...this.running]);
  }

  // ---------------------------------------------------------------- internals

  private pendingOf(job: Job<D>): Pending {
    let p = this.pending.get(job.id);
    if (!p) this.pending.set(job.id, (p = {}));
    return p;
  }

  private isTerminal(job: Job<D>): boolean {
    return Boolean(this.definition.states[job.state]?.terminal);
  }

  /** Move to `to`, first waiting for a work slot when the target state needs one. */
  private move(job: Job<D>, to: string, data?: Partial<D>): void {
    const spec = this.definition.states[to];
    if (!spec) {
      job.error = { code: job.error?.code ?? this.definition.internalErrorCode, message: `lifecycle moved to unknown state ${to}` };
      return this.move(job, this.definition.failState);
    }
    const p = this.pendingOf(job);
    if (spec.pooled && !p.release) {
      const slot = new AbortController();
      p.slot = slot;
      this.work.acquire({ tenant: job.owner, signal: slot.signal }).then(
        (release) => {
          if (!this.store.has(job) || p.slot !== slot) return release();
          p.slot = undefined;
          p.release = release;
          this.switchTo(job, to, job.state, data);
        },
        () => undefined, // withdrawn: the job was reset or moved on
      );
      return;
    }
    this.switchTo(job, to, job.state, data);
  }

  private switchTo(job: Job<D>, to: string, from: string | null, data?: Partial<D>): void {
    const spec = this.definition.states[to]!;
    const p = this.pendingOf(job);
    const now = this.options.clock.now();
    if (data) job.data = { ...job.data, ...data };
    const previous = job.state;
    job.state = to;
    if (from !== null) this.store.moved(job, previous, Boolean(spec.terminal));
    job.updatedAt = now;
    job.enteredAt[to] ??= now;
    if (spec.progress !== undefined) job.progress = spec.progress;
    if (p.timer !== undefined) this.options.clock.clearTimeout(p.timer);
    p.timer = undefined;
    p.holdUntil = undefined;
    if (!spec.pooled && p.release) {
      p.release();
      p.release = undefined;
    }
    // A terminal state left by one of its events (a retry) is no longer finished.
    job.finishedAt = spec.terminal ? now : null;
    if (spec.terminal) this.pending.delete(job.id);
    try {
      this.options.onTransition?.(job, from, to);
    } catch (err) {
      console.error(`lifecycle: transition listener failed for job ${job.id} (${from} → ${to}):`, err);
    }
    if (spec.terminal) {
      for (const old of this.store.overflow(job.owner)) this.forget(old);
      if (this.options.totalHistoryLimit !== undefined) for (const old of this.store.overflowAll(this.options.totalHistoryLimit)) this.forget(old);
      return;
    }
    if (!this.store.has(job) || job.state !== to) return; // the listener moved or forgot it
    if (!spec.work && !spec.next) return; // waits for an event
    const proceed = () => {
      if (spec.work) this.startWork(job, to, spec);
      else this.move(job, spec.next!);
    };
    const hold = Math.max(0, (typeof spec.holdMs === 'function' ? spec.holdMs(job) : spec.holdMs) ?? 0);
    if (hold > 0) {
      p.holdUntil = now + hold;
      p.timer = this.options.clock.setTimeout(() => {
        p.timer = undefined;
        p.holdUntil = undefined;
        if (this.store.has(job) && job.state === to) proceed();
      }, hold);
    } else {
      proceed();
    }
  }

  private startWork(job: Job<D>, state: string, spec: StateSpec<D>): void {
    const p = this.pendingOf(job);
    const budget = typeof spec.workTimeoutMs === 'function' ? spec.workTimeoutMs(job) : (spec.workTimeoutMs ?? this.workTimeoutMs);
    let run: ReturnType<typeof runWork<D>> | undefined;
    const current = () => this.store.has(job) && job.state === state && p.abort === run?.abort;
    run = runWork(job, spec.work!, { clock: this.options.clock, budgetMs: budget, isCurrent: current, work: this.work });
    p.abort = run.abort;
    p.sleepers = run.sleepers;
    const settled = run.settled;
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    const started = Date.now();
    run.outcome
      .then(
        (outcome) => {
          if (!current()) return;
          this.recordWork(state, Date.now() - started);
          p.abort = undefined;
          if (outcome.error) job.error = outcome.error;
          this.move(job, outcome.to, outcome.data);
        },
        (err: unknown) => {
          if (!current()) return;
          p.abort = undefined;
          run!.abort.abort();
          job.error = this.describe(err, job);
          this.move(job, spec.failTo ?? this.definition.failState);
        },
      )
      .catch((err: unknown) => {
        // A failing transition must still not strand the job.
        console.error(`lifecycle: job ${job.id} could not leave ${state}:`, err);
        if (this.store.has(job) && !this.isTerminal(job)) {
          job.error = this.describe(err, job);
          this.switchTo(job, this.definition.failState, job.state);
        }
      });
  }

  private describe(err: unknown, job: Job<D>): JobError {
    try {
      return this.definition.describeFailure(err, job);
    } catch {
      return { code: this.definition.internalErrorCode, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private recordWork(state: string, ms: number): void {
    const prev = this.workStats.get(state);
    this.workStats.set(state, prev === undefined ? ms : prev * 0.8 + ms * 0.2);
  }

  /** Stop whatever the job waits on in its current state (hold, slot, work, sleeps). */
  private cancelPending(job: Job<D>): void {
    const p = this.pending.get(job.id);
    if (!p) return;
    if (p.timer !== undefined) this.options.clock.clearTimeout(p.timer);
    p.timer = undefined;
    p.holdUntil = undefined;
    p.slot?.abort();
    p.slot = undefined;
    p.abort?.abort();
    p.abort = undefined;
    for (const id of p.sleepers ?? []) this.options.clock.clearTimeout(id);
    p.sleepers = undefined;
  }

  private forget(job: Job<D>): void {
    this.cancelPending(job);
    this.pending.get(job.id)?.release?.();
    this.pending.delete(job.id);
    this.store.remove(job);
    try {
      this.options.onForget?.(job);
    } catch (err) {
      console.error(`lifecycle: forget listener failed for job ${job.id}:`, err);
    }
  }
}
