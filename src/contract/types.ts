// The vocabulary of the contract checker: what a request and a response are, what a case expects,
// what a check is and what it returns. Checks are pure functions over (operation, request,
// response, context); everything they judge arrives through these types.
import type { Operation } from '../openapi/operations.ts';
import type { ApiProfile } from './profile.ts';

/** What running a case may cost the account it runs with. */
export { COST_CLASSES, type CostClass } from './cost.ts';
import type { CostClass } from './cost.ts';

export interface SentRequest {
  method: string;
  /** full URL as sent */
  url: string;
  headers: Record<string, string>;
  /** the raw body as sent (JSON text, malformed text, …) */
  body?: string;
}

export interface ReceivedResponse {
  status: number;
  /** lower-cased names; repeated headers joined with ", " as fetch presents them */
  headers: Record<string, string>;
  text: string;
  /** parsed JSON when the body is JSON */
  json?: unknown;
  /** raw bytes, kept for file downloads only */
  bytes?: Buffer;
  elapsedMs: number;
}

/** What the case was built to provoke; checks read it to know what to expect. */
export type CaseMeta =
  | { kind: 'positive'; source: 'example' | 'generated'; label: string }
  | { kind: 'negative'; location: 'body' | 'query'; keyword: string; at: (string | number)[]; expectCode: string; label: string }
  | { kind: 'auth'; variant: 'missing' | 'malformed' | 'live' | 'foreign' | 'revoked'; label: string }
  | { kind: 'malformed-json'; label: string }
  | { kind: 'bad-body'; problem: 'media-type' | 'too-large'; expectCode: string; label: string }
  | { kind: 'unknown-route'; label: string }
  | { kind: 'method'; allow: string[]; label: string }
  | { kind: 'unknown-id'; label: string }
  | { kind: 'catalogue'; code: string; label: string }
  | { kind: 'state'; step: StateStep; resource: string; id: string; label: string; sent?: unknown; created?: unknown }
  | { kind: 'job'; step: 'submit' | 'poll' | 'action' | 'final' | 'refund'; label: string }
  | { kind: 'file'; role: 'video' | 'thumbnail' | 'range'; label: string }
  | { kind: 'account'; step: 'before' | 'reserved' | 'settled' | 'refunded' | 'ledger'; label: string }
  | { kind: 'limit'; step: 'rate-trigger' | 'rate-reset' | 'concurrency' | 'credits'; label: string }
  | { kind: 'webhook'; label: string }
  | { kind: 'page'; step: 'first' | 'next'; limit: number; label: string }
  | { kind: 'filter'; param: string; value: string; label: string }
  | { kind: 'plain'; label: string };

export type StateStep =
  | 'create'
  | 'read'
  | 'list'
  | 'update'
  | 'read-after-update'
  | 'delete'
  | 'read-after-delete'
  | 'delete-again'
  | 'foreign-read'
  | 'foreign-list'
  | 'foreign-update'
  | 'foreign-delete'
  | 'owner-read-after-foreign';

/** Rate-limit headers of the previous response in the same window, for "falls inside a window". */
export interface RateSnapshot {
  limit: number;
  remaining: number;
  reset: number;
}

/** Facts a phase gathered around one exchange (a probe of a file, the account balance, …). */
export interface Facts {
  [key: string]: unknown;
}

export interface CheckContext {
  profile: ApiProfile;
  meta: CaseMeta;
  /** the run talks to a sandbox (its control API answered) */
  sandbox: boolean;
  /** the previous rate-limit headers seen for this key in the same window, if any */
  previousRate?: RateSnapshot;
  /** a 5xx is what this case asked for (fault injection) */
  serverErrorExpected?: boolean;
  /** the base URL the client configured */
  baseUrl: string;
  facts: Facts;
}

export type Outcome =
  | { status: 'passed' }
  | { status: 'failed'; expected: string; got: string; provenance?: string }
  | { status: 'skipped'; reason: string };

export interface Check {
  name: string;
  /** the family file it lives in: response, errors, input, state, domain, limits */
  family: string;
  description: string;
  /** the cheapest cost class of the cases it judges (derived from its family, see checks/index.ts) */
  cost?: CostClass;
  /** undefined: the check does not apply to this exchange */
  run(op: Operation | undefined, req: SentRequest, res: ReceivedResponse, ctx: CheckContext): Outcome | undefined;
}

export const pass = (): Outcome => ({ status: 'passed' });
export const fail = (expected: string, got: string, provenance?: string): Outcome => ({ status: 'failed', expected, got, ...(provenance ? { provenance } : {}) });
export const skip = (reason: string): Outcome => ({ status: 'skipped', reason });
