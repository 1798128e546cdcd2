// The request log: a bounded ring buffer of finished requests, fed by the request path's
// ResponseRecord events. The control API reads it (GET /__sandbox/requests).
import type { ResponseRecord } from '../engine/runtime.ts';

export const DEFAULT_LOG_SIZE = 1000;

/** A logged request as the control API shows it: numbered, time as ISO, the key as shown. */
export interface LoggedRequest extends Omit<ResponseRecord, 'at'> {
  seq: number;
  at: string;
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
  record(record: ResponseRecord): void {
    this.ring[this.next] = { seq: ++this.seq, record };
    this.next = (this.next + 1) % this.capacity;
  }

  private view({ seq, record }: Entry): LoggedRequest {
    return { seq, ...record, at: new Date(record.at).toISOString(), key: record.key === undefined ? undefined : this.showKey(record.api, record.key) };
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
      const e = entry.record;
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
