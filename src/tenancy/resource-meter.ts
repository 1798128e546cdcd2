// What one kind of stored resource takes, per account and in all, against its bound in the spec
// (x-sandbox.bounds.resources.<name>: perAccount, bytesPerAccount, total, totalBytes, code). A
// store asks `admit` before it adds or grows an item (the spec's error when a bound would be
// passed), then records the item's size; removing and resetting give the room back.
import { ApiError } from '../core/errors.ts';
import type { ResourceBound } from '../openapi/policy.ts';

export class ResourceMeter {
  private readonly sizes = new Map<string, { owner: string; bytes: number }>();
  private readonly perOwner = new Map<string, { count: number; bytes: number }>();
  private totalBytes = 0;

  /** `noun` names the items in messages ("templates", "assets"); `hint` says what to do. */
  constructor(
    private readonly bound: ResourceBound | undefined,
    private readonly noun: string,
    private readonly hint = `delete ${noun} first`,
  ) {}

  /** Throw the bound's error if `owner` adding `count` items and `bytes` more would pass a bound. */
  admit(owner: string, count: number, bytes: number): void {
    const b = this.bound;
    if (!b) return;
    const mine = this.perOwner.get(owner) ?? { count: 0, bytes: 0 };
    const refuse = (why: string) => new ApiError(b.code, `${why}; ${this.hint}.`);
    const n = this.noun;
    if (b.perAccount !== undefined && mine.count + count > b.perAccount) throw refuse(`This account holds ${mine.count} ${n}, the most the sandbox keeps per account (${b.perAccount})`);
    if (b.bytesPerAccount !== undefined && mine.bytes + bytes > b.bytesPerAccount) throw refuse(`This account's ${n} would take ${mine.bytes + bytes} bytes, more than the ${b.bytesPerAccount} bytes the sandbox keeps per account`);
    if (b.total !== undefined && this.sizes.size + count > b.total) throw refuse(`The sandbox holds ${this.sizes.size} ${n}, the most it keeps in all (${b.total})`);
    if (b.totalBytes !== undefined && this.totalBytes + bytes > b.totalBytes) throw refuse(`The sandbox's ${n} would take more than the ${b.totalBytes} bytes it keeps in all`);
  }

  /** The bytes an item is recorded with (0 when unknown). */
  sizeOf(id: string): number {
    return this.sizes.get(id)?.bytes ?? 0;
  }

  /** Record an item (new, or at its new size). */
  set(owner: string, id: string, bytes: number): void {
    const before = this.sizes.get(id);
    const mine = this.perOwner.get(owner) ?? { count: 0, bytes: 0 };
    if (!before) mine.count++;
    const delta = bytes - (before?.bytes ?? 0);
    mine.bytes += delta;
    this.totalBytes += delta;
    this.sizes.set(id, { owner, bytes });
    this.perOwner.set(owner, mine);
  }

  delete(id: string): void {
    const item = this.sizes.get(id);
    if (!item) return;
    this.sizes.delete(id);
    this.totalBytes -= item.bytes;
    const mine = this.perOwner.get(item.owner);
    if (!mine) return;
    mine.count--;
    mine.bytes -= item.bytes;
    if (mine.count <= 0) this.perOwner.delete(item.owner);
  }

  /** Forget one owner's items, or everything. */
  reset(owner?: string): void {
    if (owner === undefined) {
      this.sizes.clear();
      this.perOwner.clear();
      this.totalBytes = 0;
      return;
    }
    for (const [id, item] of this.sizes) if (item.owner === owner) this.delete(id);
  }
}
