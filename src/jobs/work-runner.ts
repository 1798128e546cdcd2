// Running one state's work under a wall-clock budget. The budget pauses while the work sleeps on
// the sandbox clock (a manual clock must not make it time out), because FFmpeg runs in real time
// whatever the sandbox clock says. A timeout aborts the work's signal and rejects with WorkTimeout.
import type { SandboxClock } from '../core/clock.ts';
import type { Semaphore } from '../core/semaphore.ts';
import { WorkTimeout, type Job, type WorkContext, type WorkOutcome } from './job.ts';

export interface WorkRun<D> {
  /** settles with the work's outcome, or rejects with its error or a WorkTimeout */
  outcome: Promise<WorkOutcome<D>>;
  abort: AbortController;
  /** sandbox timers of pending sleeps, to cancel when the job is forgotten */
  sleepers: Set<number>;
}

export function runWork<D>(
  job: Job<D>,
  work: (ctx: WorkContext<D>) => Promise<WorkOutcome<D>>,
  options: { clock: SandboxClock; budgetMs: number; isCurrent: () => boolean; work: Semaphore },
): WorkRun<D> {
  const abort = new AbortController();
  const sleepers = new Set<number>();
  let budget = options.budgetMs;
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
      rejectTimeout(new WorkTimeout(options.budgetMs));
    }, Math.max(0, budget));
    wall.unref();
  };
  const disarm = () => {
    if (wall) clearTimeout(wall);
    wall = undefined;
    budget -= Date.now() - runningSince;
  };
  arm();

  let release: (() => void) | undefined;
  const ctx: WorkContext<D> = {
    job,
    signal: abort.signal,
    progress: (p) => {
      if (options.isCurrent() && Number.isFinite(p)) job.progress = Math.max(job.progress, Math.min(99, Math.max(0, Math.round(p))));
    },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        disarm();
        const id = options.clock.setTimeout(() => {
          sleepers.delete(id);
          if (!abort.signal.aborted) arm();
          resolve();
        }, ms);
        sleepers.add(id);
      }),
    acquireSlot: async () => {
      if (release) return;
      disarm();
      try {
        release = await options.work.acquire({ tenant: job.owner, signal: abort.signal });
        // Given up between the grant and here: the abort listener found nothing to give back.
        if (abort.signal.aborted) release();
      } finally {
        if (!abort.signal.aborted) arm();
      }
    },
  };
  // The slot goes back when the work ends, or when the run is given up (timeout, reset: its signal
  // aborts), whichever comes first: a work that ignores its signal cannot keep a slot.
  const giveBack = () => release?.();
  abort.signal.addEventListener('abort', giveBack, { once: true });
  const running = Promise.resolve().then(() => work(ctx));
  running.then(giveBack, giveBack);
  const outcome = Promise.race([running, timedOut]).finally(() => {
    if (wall) clearTimeout(wall);
    giveBack();
  });
  return { outcome, abort, sleepers };
}
