// The request log: a bounded ring buffer of finished requests, fed by the request path's
// ResponseRecord events. The control API reads it (GET /__sandbox/requests).
import type { ResponseRecord } from '../engine/runtime.ts';
import type { CapturedExchange } from './capture.ts';
import { exchangeView, type ExchangeView } from './request-detail.ts';

export const DEFAULT_LOG_SIZE = 1000;

/** A logged request as the control API shows it: numbered, time as ISO, the key as shown. */
export interface LoggedRequest extends Omit<ResponseRecord, 'at' | 'exchange'> {
  seq: number;
  at: string;
}

/** One logged request with what was captured of its exchange (headers, capped bodies). */
export interface RequestDetail extends LoggedRequest {
  exchange: ExchangeView | null;
}

interface Entry {
  seq: number;
  record: ResponseRecord;
}

export interface RequestFilter {
  api?: string;
  key?: string;
  operationId?: string;
  /** an exact status (503), a class ("5xx"), or "none" for requests that got no response */
  status?: string | number;
  /** only requests a fault was applied to */
  faulted?: boolean;
  /** only requests whose path contains this text */
  path?: string;
  /** only requests logged before this one (its seq): the next page, newest first */
  before?: number;
  limit?: number;
}

export class RequestLog {
  private ring: (Entry | undefined)[];
  private next = 0;
  private seq = 0;

  /** showKey: how a key appears in the log (test keys in full, anything else masked) */
  constructor(
    readonly capacity = DEFAULT_LOG_SIZE,
    private readonly showKey: (api: string, key: string) => string = (_api, key) => key,
  ) {
    if (!(capacity >= 1)) throw new RangeError('the request log needs room for at least one request');
    this.ring = new Array(capacity);
  }

  // Recording is on every request's path, so it only stores; list() does the formatting.
  /** Store a finished request; returns its number (seq). */
  record(record: ResponseRecord): number {
    const seq = ++this.seq;
    this.ring[this.next] = { seq, record };
    this.next = (this.next + 1) % this.capacity;
    return seq;
  }

  private view({ seq, record }: Entry): LoggedRequest {
    const { exchange: _exchange, ...rest } = record;
    return { seq, ...rest, at: new Date(record.at).toISOString(), key: record.key === undefined ? undefined : this.showKey(record.api, record.key) };
  }

  /** One request by number, with its exchange; undefined once it has left the ring. */
  detail(seq: number): RequestDetail | undefined {
    const entry = this.entries({ before: seq + 1, limit: 1 })[0];
    if (!entry || entry.seq !== seq) return undefined;
    const view = this.view(entry);
    const exchange = entry.record.exchange as CapturedExchange | undefined;
    return { ...view, exchange: exchange ? exchangeView(exchange, entry.record.key, view.key) : null };
  }

  /** The newest request, as list() shows it (what the event stream announces). */
  latest(): LoggedRequest | undefined {
    const entry = this.entries({ limit: 1 })[0];
    return entry && this.view(entry);
  }

  /** Newest first. */
  list(filter: RequestFilter = {}): LoggedRequest[] {
    return this.entries(filter).map((e) => this.view(e));
  }

  private entries(filter: RequestFilter = {}): Entry[] {
    const out: Entry[] = [];
    const limit = filter.limit ?? this.capacity;
    const status = filter.status === undefined ? undefined : String(filter.status).toLowerCase();
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!entry) break;
      if (filter.before !== undefined && entry.seq >= filter.before) continue;
      const e = entry.record;
      if (filter.path !== undefined && !e.path.includes(filter.path)) continue;
      if (filter.api !== undefined && e.api !== filter.api) continue;
      if (filter.key !== undefined && e.key !== filter.key) continue;
      if (filter.operationId !== undefined && e.operationId !== filter.operationId) continue;
      if (filter.faulted && !e.faults?.length) continue;
      if (status !== undefined) {
        const s = e.status === null ? 'none' : String(e.status);
        if (/^\dxx$/.test(status) ? s[0] !== status[0] || s === 'none' : s !== status) continue;
      }
      out.push(entry);
    }
    return out;
  }

  /** How many requests were ever recorded (the log keeps the last `capacity`). */
  get total(): number {
    return this.seq;
  }

  /** Forget everything, or the entries a predicate selects. */
  clear(which?: (e: ResponseRecord) => boolean): void {
    if (!which) {
      this.ring = new Array(this.capacity);
      this.next = 0;
      this.seq = 0;
      return;
    }
    const kept = this.entries().reverse().filter((e) => !which(e.record));
    this.ring = new Array(this.capacity);
    kept.forEach((e, i) => (this.ring[i] = e));
    this.next = kept.length % this.capacity;
  }
}

/** Test keys are not secrets and filters need them whole; anything else (a live key sent by mistake) is masked. */
export function maskUnlessTest(isTestKey: (api: string, key: string) => boolean) {
  return (api: string, key: string): string => (isTestKey(api, key) ? key : key.length <= 8 ? '…' : `${key.slice(0, 8)}…${key.slice(-2)}`);
}
