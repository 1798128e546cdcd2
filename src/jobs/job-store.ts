// The jobs of one lifecycle engine, indexed by id and by owner (the tenant), with bounded history:
// at most `historyLimit` finished jobs per owner are kept, the oldest forgotten first.
import type { Job } from './job.ts';

export class JobStore<D> {
  private readonly byId = new Map<string, Job<D>>();
  private readonly byOwner = new Map<string, Job<D>[]>();
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

  remove(job: Job<D>): void {
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
