// Credits: an append-only ledger per account. The account's balance only ever changes through
// post(), so the sum of an account's entries always equals its balance.
import { TenantStore, type Resettable } from '../core/tenant-store.ts';
import type { Account } from './accounts.ts';

export type LedgerKind = 'grant' | 'reserve' | 'settle' | 'refund' | 'charge' | 'adjust';

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

export class CreditLedger implements Resettable {
  private books = new TenantStore<LedgerEntry[]>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The account's entries, opening its book with a grant of its starting balance if new. */
  entries(account: Account): LedgerEntry[] {
    return this.books.upsert(account.key, () => [this.entry('grant', account.balance, account.balance, undefined, 'starting balance')]);
  }

  post(account: Account, kind: LedgerKind, amount: number, ref?: string, note?: string): LedgerEntry {
    const book = this.entries(account);
    account.balance += amount;
    const e = this.entry(kind, amount, account.balance, ref, note);
    book.push(e);
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

  private entry(kind: LedgerKind, amount: number, balance: number, ref?: string, note?: string): LedgerEntry {
    return { seq: ++this.seq, at: new Date(this.now()).toISOString(), kind, amount, balance, ...(ref ? { ref } : {}), ...(note ? { note } : {}) };
  }
}
