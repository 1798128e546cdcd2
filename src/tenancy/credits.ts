// Credits: an append-only ledger per account. The account's balance only ever changes through
// post(), so the sum of an account's entries always equals its balance. The book is bounded:
// past `maxEntries`, the oldest half is folded into one `carried` entry holding their sum and the
// balance after them, so the entries still add up to the balance and the book stays small
// (100k jobs would otherwise leave 200k entries). Folding is amortised O(1) per entry.
import { isoTime } from '../core/iso-time.ts';
import { TenantStore, type Resettable } from '../core/tenant-store.ts';
import type { Account } from './accounts.ts';

export type LedgerKind = 'grant' | 'reserve' | 'settle' | 'refund' | 'charge' | 'adjust' | 'carried';

/** Entries kept per account by default (the newest, plus one carried-forward entry). */
export const DEFAULT_LEDGER_ENTRIES = 1000;

export interface LedgerEntry {
  seq: number;
  at: string;
  kind: LedgerKind;
  /** signed change: negative spends, positive returns */
  amount: number;
  /** balance after this entry */
  balance: number;
  /** what the entry is about (job id, video id, …) */
  ref?: string;
  note?: string;
}

export type ReserveResult = { ok: true; entry: LedgerEntry } | { ok: false; balance: number };

interface Book {
  entries: LedgerEntry[];
  /** entries folded into the carried-forward entry so far */
  folded: number;
}

export class CreditLedger implements Resettable {
  private books = new TenantStore<Book>();
  private seq = 0;
  private readonly maxEntries: number;

  constructor(
    private readonly now: () => number = Date.now,
    options: { maxEntries?: number } = {},
  ) {
    this.maxEntries = Math.max(2, options.maxEntries ?? DEFAULT_LEDGER_ENTRIES);
  }

  /** The account's entries, oldest first, opening its book with a grant of its starting balance if new. */
  entries(account: Account): LedgerEntry[] {
    return this.book(account).entries;
  }

  /** How many entries of the account have been folded into its carried-forward entry. */
  folded(account: Account): number {
    return this.book(account).folded;
  }

  post(account: Account, kind: LedgerKind, amount: number, ref?: string, note?: string): LedgerEntry {
    const book = this.book(account);
    account.balance += amount;
    const e = this.entry(kind, amount, account.balance, ref, note);
    book.entries.push(e);
    if (book.entries.length > this.maxEntries) this.fold(book);
    return e;
  }

  /** Take `amount` if the balance covers it. */
  reserve(account: Account, amount: number, ref?: string, note?: string): ReserveResult {
    this.entries(account);
    if (account.balance < amount) return { ok: false, balance: account.balance };
    return { ok: true, entry: this.post(account, 'reserve', -amount, ref, note) };
  }

  /** Set the balance to a value (control API), recorded as an adjustment. */
  setBalance(account: Account, balance: number, note = 'set by control API'): LedgerEntry {
    this.entries(account);
    return this.post(account, 'adjust', balance - account.balance, undefined, note);
  }

  /** Sum of entries; equals account.balance unless something bypassed the ledger. */
  sum(account: Account): number {
    return this.entries(account).reduce((s, e) => s + e.amount, 0);
  }

  reset(key?: string): void {
    this.books.reset(key);
  }

  private book(account: Account): Book {
    return this.books.upsert(account.key, () => ({ entries: [this.entry('grant', account.balance, account.balance, undefined, 'starting balance')], folded: 0 }));
  }

  /** Fold the oldest half of the book (a previous carried entry included) into one carried entry. */
  private fold(book: Book): void {
    const old = book.entries.splice(0, book.entries.length - Math.floor(this.maxEntries / 2));
    const last = old[old.length - 1]!;
    let amount = 0;
    let count = 0;
    for (const e of old) {
      amount += e.amount;
      count += e.kind === 'carried' ? 0 : 1;
    }
    book.folded += count;
    book.entries.unshift({
      seq: last.seq,
      at: last.at,
      kind: 'carried',
      amount,
      balance: last.balance,
      note: `${book.folded} earlier entries carried forward (the ledger keeps the newest ${this.maxEntries})`,
    });
  }

  private entry(kind: LedgerKind, amount: number, balance: number, ref?: string, note?: string): LedgerEntry {
    return { seq: ++this.seq, at: isoTime(this.now()), kind, amount, balance, ...(ref ? { ref } : {}), ...(note ? { note } : {}) };
  }
}
