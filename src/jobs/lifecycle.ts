// A generic job lifecycle engine, driven by a state-machine definition an API module supplies.
// It knows nothing of renders or videos: a state may hold the job for a while on the sandbox
// clock, run asynchronous work (optionally with a slot of a shared work pool), wait for named
// external events, or be terminal. The engine guarantees that work which throws or overruns its
// time limit moves the job to a failure state, so every started job reaches a terminal state.
//
//   PhantomFlow:  queued ─hold→ rendering (pooled work) → completed | failed
//   Sketchpen:    pending → scripting (work) → refining ─approve→ visualising → … → completed | failed
//
// Time: holds and ctx.sleep() run on the SandboxClock (manual/scaled clocks control them); the
// work time limit is wall-clock time spent working (sleeps excluded), because FFmpeg runs in
// real time whatever the sandbox clock says.
import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../core/clock.ts';
import { WorkPool, type SlotRequest } from './pool.ts';

export interface JobError {
  code: string;
  message: string;
}

export interface Job<D> {
  id: string;
  /** the owning account's key */
  owner: string;
  /** creation order across the engine; newer jobs have larger numbers */
  seq: number;
  state: string;
  /** percent, 0–100 */
  progress: number;
  data: D;
  error: JobError | null;
  /** sandbox ms */
  createdAt: number;
  updatedAt: number;
  /** sandbox ms at which each state was first entered */
  enteredAt: Record<string, number>;
  /** sandbox ms at which a terminal state was reached */
  finishedAt: number | null;
}

export interface WorkContext<D> {
  job: Job<D>;
  /** report progress (ignored once the job has moved on) */
  progress(percent: number): void;
  /** wait on the sandbox clock (not counted against the work time limit) */
  sleep(ms: number): Promise<void>;
  /** aborted when the job is reset, force-failed or times out */
  signal: AbortSignal;
}

export interface WorkOutcome<D> {
  /** the state to move to */
  to: string;
  /** merged into job.data */
  data?: Partial<D>;
  /** recorded as the job's error */
  error?: JobError;
}

export interface StateSpec<D> {
  /** no way out; the engine forgets timers and may prune the job later */
  terminal?: boolean;
  /** counts as in progress (concurrency caps) */
  active?: boolean;
  /** progress shown on entering the state */
  progress?: number;
  /** sandbox ms to stay before running `work` or moving to `next` */
  holdMs?: number | ((job: Job<D>) => number);
  /** where to go after the hold when there is no work */
  next?: string;
  /** entering this state needs a slot of the work pool; the job waits in its previous state */
  pooled?: boolean;
  /** asynchronous work run on entry (after the hold); its outcome names the next state */
  work?: (ctx: WorkContext<D>) => Promise<WorkOutcome<D>>;
  /** where failing work goes (default: the definition's failState) */
  failTo?: string;
  /** external events accepted in this state and the state each leads to */
  on?: Record<string, string>;
}

export interface LifecycleDefinition<D> {
  initial: string;
  states: Record<string, StateSpec<D>>;
  /** where force-failed jobs and failing work go */
  failState: string;
  /** turn an exception or a timeout of work into the job's error */
  describeFailure(err: unknown, job: Job<D>): JobError;
}

export interface JobEngineOptions<D> {
  clock: SandboxClock;
  /** slots for pooled states; default: one pool of 2 */
  pool?: WorkPool;
  /** wall-clock ms a state's work may take (sleeps excluded); default 120 000 */
  workTimeoutMs?: number;
  /** finished jobs kept per owner (older ones are forgotten); default 100 */
  historyLimit?: number;
  /** called after every state change (from = null on creation) */
  onTransition?(job: Job<D>, from: string | null, to: string): void;
  /** called when a job is forgotten (history pruning, reset), e.g. to delete its files */
  onForget?(job: Job<D>): void;
  newId?(): string;
}

export class WorkTimeout extends Error {
  override name = 'WorkTimeout';
  constructor(readonly ms: number) {
    super(`work did not finish within ${ms} ms`);
  }
}

/** What a job is waiting on, kept outside the job so views stay plain data. */
interface Runtime {
  timer?: number;
  holdUntil?: number;
  slot?: SlotRequest;
  release?: () => void;
  abort?: AbortController;
  sleepers: Set<number>;
}

export class JobEngine<D> {
  private jobs = new Map<string, Job<D>>();
  private byOwner = new Map<string, Job<D>[]>();
  private runtimes = new Map<string, Runtime>();
  private seq = 0;
  private workStats = new Map<string, number>();
  private readonly pool: WorkPool;
  private readonly workTimeoutMs: number;
  private readonly historyLimit: number;

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
    this.pool = options.pool ?? new WorkPool(2);
    this.workTimeoutMs = options.workTimeoutMs ?? 120_000;
    this.historyLimit = Math.max(0, options.historyLimit ?? 100);
  }

  get activeStates(): string[] {
    return Object.entries(this.definition.states)
      .filter(([, s]) => s.active)
      .map(([n]) => n);
  }

  /** Create a job in the initial state and start its lifecycle. */
  create(owner: string, data: D, id = this.options.newId?.() ?? randomUUID()): Job<D> {
    const now = this.options.clock.now();
    const job: Job<D> = {
      id,
      owner,
      seq: ++this.seq,
      state: this.definition.initial,
      progress: 0,
      data,
      error: null,
      createdAt: now,
      updatedAt: now,
      enteredAt: {},
      finishedAt: null,
    };
    this.jobs.set(id, job);
    let list = this.byOwner.get(owner);
    if (!list) this.byOwner.set(owner, (list = []));
    list.push(job);
    this.runtimes.set(id, { sleepers: new Set() });
    this.switchTo(job, this.definition.initial, null);
    return job;
  }

  get(id: string): Job<D> | undefined {
    return this.jobs.get(id);
  }

  /** The job if it belongs to `owner` (another owner's job is simply not there). */
  getOwned(owner: string, id: string): Job<D> | undefined {
    const job = this.jobs.get(id);
    return job && job.owner === owner ? job : undefined;
  }

  /** Jobs of one owner (or all), newest first, optionally only in some states. */
  list(owner?: string, states?: string[]): Job<D>[] {
    const source = owner === undefined ? [...this.jobs.values()] : [...(this.byOwner.get(owner) ?? [])];
    const out = states ? source.filter((j) => states.includes(j.state)) : source;
    return out.sort((a, b) => b.seq - a.seq);
  }

  /** Jobs of an owner in states that count as in progress (`activeStates` overrides the definition's). */
  active(owner: string, activeStates = this.activeStates): Job<D>[] {
    return (this.byOwner.get(owner) ?? []).filter((j) => activeStates.includes(j.state));
  }

  /** Sandbox ms left of the job's current hold (0 when not holding). */
  holdRemaining(job: Job<D>): number {
    const until = this.runtimes.get(job.id)?.holdUntil;
    return until === undefined ? 0 : Math.max(0, until - this.options.clock.now());
  }

  /** Smoothed wall-clock ms the work of a state has taken so far (undefined before the first). */
  typicalWorkMs(state: string): number | undefined {
    return this.workStats.get(state);
  }

  /** Deliver an external event; false when the job's state does not accept it. */
  send(id: string, event: string, data?: Partial<D>): boolean {
    const job = this.jobs.get(id);
    const target = job && this.definition.states[job.state]?.on?.[event];
    if (!job || !target) return false;
    this.cancelPending(job);
    this.move(job, target, data);
    return true;
  }

  /** Force a job that is not finished into the fail state. */
  fail(id: string, error: JobError): boolean {
    const job = this.jobs.get(id);
    if (!job || this.definition.states[job.state]?.terminal) return false;
    this.cancelPending(job);
    job.error = error;
    this.move(job, this.definition.failState);
    return true;
  }

  /** Forget the jobs of one owner (or all), stopping their timers and work. */
  reset(owner?: string): void {
    const victims = owner === undefined ? [...this.jobs.values()] : [...(this.byOwner.get(owner) ?? [])];
    for (const job of victims) this.forget(job);
  }

  close(): void {
    this.reset();
  }

  // ---------------------------------------------------------------- internals

  private alive(job: Job<D>): boolean {
    return this.jobs.get(job.id) === job;
  }

  private rt(job: Job<D>): Runtime {
    let rt = this.runtimes.get(job.id);
    if (!rt) this.runtimes.set(job.id, (rt = { sleepers: new Set() }));
    return rt;
  }

  /** Move to `to`, first waiting for a pool slot when the target state needs one. */
  private move(job: Job<D>, to: string, data?: Partial<D>): void {
    const spec = this.definition.states[to];
    if (!spec) {
      job.error = { code: job.error?.code ?? 'INTERNAL_ERROR', message: `lifecycle moved to unknown state ${to}` };
      return this.move(job, this.definition.failState);
    }
    const rt = this.rt(job);
    if (spec.pooled && !rt.release) {
      const request = this.pool.request();
      rt.slot = request;
      void request.granted.then((release) => {
        if (!this.alive(job) || rt.slot !== request) {
          release();
          return;
        }
        rt.slot = undefined;
        rt.release = release;
        this.switchTo(job, to, job.state, data);
      });
      return;
    }
    this.switchTo(job, to, job.state, data);
  }

  private switchTo(job: Job<D>, to: string, from: string | null, data?: Partial<D>): void {
    const spec = this.definition.states[to]!;
    const rt = this.rt(job);
    const now = this.options.clock.now();
    if (data) job.data = { ...job.data, ...data };
    job.state = to;
    job.updatedAt = now;
    job.enteredAt[to] ??= now;
    if (spec.progress !== undefined) job.progress = spec.progress;
    if (rt.timer !== undefined) this.options.clock.clearTimeout(rt.timer);
    rt.timer = undefined;
    rt.holdUntil = undefined;
    if (!spec.pooled && rt.release) {
      rt.release();
      rt.release = undefined;
    }
    if (spec.terminal) {
      job.finishedAt = now;
      this.runtimes.delete(job.id);
    }
    try {
      this.options.onTransition?.(job, from, to);
    } catch (err) {
      console.error(`lifecycle: transition listener failed for job ${job.id} (${from} → ${to}):`, err);
    }
    if (spec.terminal) {
      this.prune(job.owner);
      return;
    }
    if (!this.alive(job) || job.state !== to) return; // the listener moved or forgot it
    if (!spec.work && !spec.next) return; // waits for an event
    const proceed = () => {
      if (spec.work) this.runWork(job, to, spec);
      else this.move(job, spec.next!);
    };
    const hold = Math.max(0, (typeof spec.holdMs === 'function' ? spec.holdMs(job) : spec.holdMs) ?? 0);
    if (hold > 0) {
      rt.holdUntil = now + hold;
      rt.timer = this.options.clock.setTimeout(() => {
        rt.timer = undefined;
        rt.holdUntil = undefined;
        if (this.alive(job) && job.state === to) proceed();
      }, hold);
    } else {
      proceed();
    }
  }

  private runWork(job: Job<D>, state: string, spec: StateSpec<D>): void {
    const rt = this.rt(job);
    const abort = new AbortController();
    rt.abort = abort;
    const current = () => this.alive(job) && job.state === state && rt.abort === abort;

    // Wall-clock budget, paused while the work sleeps on the sandbox clock.
    let budget = this.workTimeoutMs;
    let runningSince = Date.now();
    let wall: NodeJS.Timeout | undefined;
    let rejectTimeout!: (err: Error) => void;
    const timedOut = new Promise<never>((_, reject) => {
      rejectTimeout = reject;
    });
    const arm = () => {
      runningSince = Date.now();
      wall = setTimeout(() => {
        abort.abort();
        rejectTimeout(new WorkTimeout(this.workTimeoutMs));
      }, Math.max(0, budget));
      wall.unref();
    };
    const disarm = () => {
      if (wall) clearTimeout(wall);
      wall = undefined;
      budget -= Date.now() - runningSince;
    };
    arm();

    const ctx: WorkContext<D> = {
      job,
      signal: abort.signal,
      progress: (p) => {
        if (current() && Number.isFinite(p)) job.progress = Math.max(job.progress, Math.min(99, Math.max(0, Math.round(p))));
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          disarm();
          const id = this.options.clock.setTimeout(() => {
            rt.sleepers.delete(id);
            if (!abort.signal.aborted) arm();
            resolve();
          }, ms);
          rt.sleepers.add(id);
        }),
    };

    const started = Date.now();
    Promise.race([Promise.resolve().then(() => spec.work!(ctx)), timedOut])
      .then(
        (outcome) => {
          if (!current()) return;
          this.recordWork(state, Date.now() - started);
          rt.abort = undefined;
          if (outcome.error) job.error = outcome.error;
          this.move(job, outcome.to, outcome.data);
        },
        (err: unknown) => {
          if (!current()) return;
          rt.abort = undefined;
          abort.abort();
          job.error = this.describe(err, job);
          this.move(job, spec.failTo ?? this.definition.failState);
        },
      )
      .catch((err: unknown) => {
        // A failing transition must still not strand the job.
        console.error(`lifecycle: job ${job.id} could not leave ${state}:`, err);
        if (this.alive(job) && !this.definition.states[job.state]?.terminal) {
          job.error = this.describe(err, job);
          this.switchTo(job, this.definition.failState, job.state);
        }
      })
      .finally(() => {
        if (wall) clearTimeout(wall);
      });
  }

  private describe(err: unknown, job: Job<D>): JobError {
    try {
      return this.definition.describeFailure(err, job);
    } catch {
      return { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private recordWork(state: string, ms: number): void {
    const prev = this.workStats.get(state);
    this.workStats.set(state, prev === undefined ? ms : prev * 0.8 + ms * 0.2);
  }

  /** Stop whatever the job waits on in its current state (hold, slot, work, sleeps). */
  private cancelPending(job: Job<D>): void {
    const rt = this.runtimes.get(job.id);
    if (!rt) return;
    if (rt.timer !== undefined) this.options.clock.clearTimeout(rt.timer);
    rt.timer = undefined;
    rt.holdUntil = undefined;
    rt.slot?.cancel();
    rt.slot = undefined;
    rt.abort?.abort();
    rt.abort = undefined;
    for (const id of rt.sleepers) this.options.clock.clearTimeout(id);
    rt.sleepers.clear();
  }

  private forget(job: Job<D>): void {
    this.cancelPending(job);
    const rt = this.runtimes.get(job.id);
    rt?.release?.();
    this.runtimes.delete(job.id);
    this.jobs.delete(job.id);
    const list = this.byOwner.get(job.owner);
    if (list) {
      const at = list.indexOf(job);
      if (at !== -1) list.splice(at, 1);
      if (!list.length) this.byOwner.delete(job.owner);
    }
    try {
      this.options.onForget?.(job);
    } catch (err) {
      console.error(`lifecycle: forget listener failed for job ${job.id}:`, err);
    }
  }

  /** Keep at most historyLimit finished jobs per owner, forgetting the oldest. */
  private prune(owner: string): void {
    const list = this.byOwner.get(owner);
    if (!list) return;
    let finished = list.filter((j) => this.definition.states[j.state]?.terminal).length;
    for (let i = 0; finished > this.historyLimit && i < list.length; ) {
      const job = list[i]!;
      if (this.definition.states[job.state]?.terminal) {
        this.forget(job);
        finished -= 1;
      } else {
        i += 1;
      }
    }
  }
}
