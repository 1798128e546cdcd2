// The jobs of one lifecycle engine, indexed by id and by owner (the tenant), with bounded history:
// at most `historyLimit` finished jobs per owner are kept, the earliest finished forgotten first.
// Every operation on the submission path is O(1) however many jobs an owner has queued: counts
// per state are kept as jobs move (per owner and over all), and the finished jobs wait in their
// own queues for pruning — per owner, and across owners for a bound over all of them.
import type { Job } from './job.ts';

interface OwnerJobs<D> {
  /** in creation order (Map keeps insertion order; deleting is O(1)) */
  all: Map<string, Job<D>>;
  /** finished jobs in the order they finished */
  finished: Set<Job<D>>;
  /** jobs per state */
  states: Map<string, number>;
}

export class JobStore<D> {
  private readonly byId = new Map<string, Job<D>>();
  private readonly byOwner = new Map<string, OwnerJobs<D>>();
  /** finished jobs of every owner, in the order they finished */
  private readonly finishedAll = new Set<Job<D>>();
  /** jobs per state over every owner */
  private readonly statesAll = new Map<string, number>();
  private seq = 0;

  constructor(private readonly historyLimit: number) {}

  /** The next creation number (newer jobs have larger ones). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Add a job in its current state. */
  add(job: Job<D>): void {
    this.byId.set(job.id, job);
    let owned = this.byOwner.get(job.owner);
    if (!owned) this.byOwner.set(job.owner, (owned = { all: new Map(), finished: new Set(), states: new Map() }));
    owned.all.set(job.id, job);
    owned.states.set(job.state, (owned.states.get(job.state) ?? 0) + 1);
    this.statesAll.set(job.state, (this.statesAll.get(job.state) ?? 0) + 1);
  }

  /**
   * Record a state change of a stored job (`finished`: the new state is terminal). A job that
   * leaves a terminal state (a retry) leaves the finished queue; finishing again puts it last.
   */
  moved(job: Job<D>, from: string, finished: boolean): void {
    const owned = this.byOwner.get(job.owner);
    if (!owned || this.byId.get(job.id) !== job) return;
    if (from !== job.state) {
      owned.states.set(from, (owned.states.get(from) ?? 1) - 1);
      owned.states.set(job.state, (owned.states.get(job.state) ?? 0) + 1);
      this.statesAll.set(from, (this.statesAll.get(from) ?? 1) - 1);
      this.statesAll.set(job.state, (this.statesAll.get(job.state) ?? 0) + 1);
    }
    owned.finished.delete(job);
    this.finishedAll.delete(job);
    if (finished) {
      owned.finished.add(job);
      this.finishedAll.add(job);
    }
  }

  get(id: string): Job<D> | undefined {
    return this.byId.get(id);
  }

  has(job: Job<D>): boolean {
    return this.byId.get(job.id) === job;
  }

  /** One owner's jobs (oldest first), or every job. */
  of(owner?: string): Job<D>[] {
    return owner === undefined ? [...this.byId.values()] : [...(this.byOwner.get(owner)?.all.values() ?? [])];
  }

  /** How many of an owner's jobs are in one of `states`. */
  countIn(owner: string, states: string[]): number {
    const counts = this.byOwner.get(owner)?.states;
    if (!counts) return 0;
    let n = 0;
    for (const s of states) n += counts.get(s) ?? 0;
    return n;
  }

  /** How many jobs of every owner are in one of `states`. */
  countAll(states: string[]): number {
    let n = 0;
    for (const s of states) n += this.statesAll.get(s) ?? 0;
    return n;
  }

  remove(job: Job<D>): void {
    if (this.byId.get(job.id) !== job) return;
    this.byId.delete(job.id);
    this.finishedAll.delete(job);
    this.statesAll.set(job.state, (this.statesAll.get(job.state) ?? 1) - 1);
    const owned = this.byOwner.get(job.owner);
    if (!owned) return;
    owned.all.delete(job.id);
    owned.finished.delete(job);
    owned.states.set(job.state, (owned.states.get(job.state) ?? 1) - 1);
    if (!owned.all.size) this.byOwner.delete(job.owner);
  }

  /** The finished jobs of `owner` beyond the history limit, earliest finished first (the caller forgets them). */
  overflow(owner: string): Job<D>[] {
    const finished = this.byOwner.get(owner)?.finished;
    if (!finished || finished.size <= this.historyLimit) return [];
    const out: Job<D>[] = [];
    for (const job of finished) {
      if (finished.size - out.length <= this.historyLimit) break;
      out.push(job);
    }
    return out;
  }

  /** Finished jobs of every owner, earliest finished first. */
  finishedJobs(): IterableIterator<Job<D>> {
    return this.finishedAll.values();
  }

  /** The finished jobs of every owner beyond `limit`, earliest finished first (the caller forgets them). */
  overflowAll(limit: number): Job<D>[] {
    const out: Job<D>[] = [];
    for (const job of this.finishedAll) {
      if (this.finishedAll.size - out.length <= limit) break;
      out.push(job);
    }
    return out;
  }
}
