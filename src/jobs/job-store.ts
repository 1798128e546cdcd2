// The jobs of one lifecycle engine, indexed by id and by owner (the tenant), with bounded history:
// at most `historyLimit` finished jobs per owner are kept, the oldest forgotten first, and the
// order in which jobs finished across owners, for a bound over all of them.
import type { Job } from './job.ts';

export class JobStore<D> {
  private readonly byId = new Map<string, Job<D>>();
  private readonly byOwner = new Map<string, Job<D>[]>();
  /** finished jobs of every owner, in the order they finished */
  private readonly finished = new Set<Job<D>>();
  private seq = 0;

  constructor(private readonly historyLimit: number) {}

  /** The next creation number (newer jobs have larger ones). */
  nextSeq(): number {
    return ++this.seq;
  }

  add(job: Job<D>): void {
    this.byId.set(job.id, job);
    let list = this.byOwner.get(job.owner);
    if (!list) this.byOwner.set(job.owner, (list = []));
    list.push(job);
  }

  get(id: string): Job<D> | undefined {
    return this.byId.get(id);
  }

  has(job: Job<D>): boolean {
    return this.byId.get(job.id) === job;
  }

  /** One owner's jobs (oldest first), or every job. */
  of(owner?: string): Job<D>[] {
    return owner === undefined ? [...this.byId.values()] : [...(this.byOwner.get(owner) ?? [])];
  }

  /** Record that a job reached a terminal state. */
  markFinished(job: Job<D>): void {
    this.finished.add(job);
  }

  /** Finished jobs of every owner beyond `limit`, oldest first (the caller forgets them). */
  overflowAll(limit: number): Job<D>[] {
    const extra = this.finished.size - limit;
    if (extra <= 0) return [];
    const out: Job<D>[] = [];
    for (const job of this.finished) {
      if (out.length >= extra) break;
      out.push(job);
    }
    return out;
  }

  /** The finished jobs of every owner, oldest first. */
  finishedJobs(): IterableIterator<Job<D>> {
    return this.finished.values();
  }

  remove(job: Job<D>): void {
    this.finished.delete(job);
    this.byId.delete(job.id);
    const list = this.byOwner.get(job.owner);
    if (!list) return;
    const at = list.indexOf(job);
    if (at !== -1) list.splice(at, 1);
    if (!list.length) this.byOwner.delete(job.owner);
  }

  /** The finished jobs of `owner` beyond the history limit, oldest first (the caller forgets them). */
  overflow(owner: string, finished: (job: Job<D>) => boolean): Job<D>[] {
    const done = (this.byOwner.get(owner) ?? []).filter(finished);
    return done.slice(0, Math.max(0, done.length - this.historyLimit));
  }
}
