// What a job is and how an API module describes its lifecycle: a state machine whose states may
// hold on the sandbox clock, run work (optionally with a slot of the shared work semaphore), wait
// for named events, or be terminal. The engine (lifecycle.ts) runs it.

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
  /** aborted when the job is reset or times out */
  signal: AbortSignal;
  /**
   * Take a slot of the sandbox's work semaphore for the rest of this work (released when the work
   * ends): for a state that is entered at once but does its heavy part only with a slot. Waiting is
   * not counted against the work time limit.
   */
  acquireSlot(): Promise<void>;
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
  /** finished: the engine forgets timers and may prune the job later; only its `on` events lead out (a retry) */
  terminal?: boolean;
  /** counts as in progress (concurrency caps) */
  active?: boolean;
  /** progress shown on entering the state */
  progress?: number;
  /** sandbox ms to stay before running `work` or moving to `next` */
  holdMs?: number | ((job: Job<D>) => number);
  /** where to go after the hold when there is no work */
  next?: string;
  /** entering this state needs a slot of the work semaphore; the job waits in its previous state */
  pooled?: boolean;
  /** asynchronous work run on entry (after the hold); its outcome names the next state */
  work?: (ctx: WorkContext<D>) => Promise<WorkOutcome<D>>;
  /** wall-clock ms this state's work may take (sleeps excluded); default: the engine's */
  workTimeoutMs?: number | ((job: Job<D>) => number);
  /** where failing work goes (default: the definition's failState) */
  failTo?: string;
  /** external events accepted in this state and the state each leads to */
  on?: Record<string, string>;
}

export interface LifecycleDefinition<D> {
  initial: string;
  states: Record<string, StateSpec<D>>;
  /** where failing work goes */
  failState: string;
  /** turn an exception or a timeout of work into the job's error */
  describeFailure(err: unknown, job: Job<D>): JobError;
  /** the code recorded when describeFailure itself fails (the API's internal error code) */
  internalErrorCode: string;
}

export class WorkTimeout extends Error {
  override name = 'WorkTimeout';
  constructor(readonly ms: number) {
    super(`work did not finish within ${ms} ms`);
  }
}
