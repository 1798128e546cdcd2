// What the request path serves: one runtime per API (and one for the control API), composed by
// the sandbox (src/sandbox.ts), and the record it emits for every finished request.
import type { ApiError } from '../core/errors.ts';
import type { Resettable } from '../core/tenant-store.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { AccountStore } from '../tenancy/accounts.ts';
import type { CreditLedger } from '../tenancy/credits.ts';
import type { FixedWindowLimiter } from '../tenancy/rate-limit.ts';
import type { SessionTokens } from '../tenancy/session-tokens.ts';
import type { Handler } from './handler.ts';
import type { ApiInstance } from './module.ts';
import type { SpecMocker } from './mock.ts';
import type { Validators } from './validate/validators.ts';
import type { UrlSigner } from './transport/files.ts';

export interface ApiRuntime {
  prefix: string;
  spec: ApiSpec;
  accounts: AccountStore;
  ledger: CreditLedger;
  limiter: FixedWindowLimiter;
  /** session tokens minted by the control API (APIs with x-sandbox.auth.bearer) */
  tokens: SessionTokens;
  validators: Validators;
  handlers: Record<string, Handler>;
  mocker: SpecMocker;
  /** read-only views for the control API (jobs, webhook deliveries) */
  views: NonNullable<ApiInstance['views']>;
  /** every per-account store of this API, reset together (accounts, ledger, limiter, the module's) */
  stores: Resettable[];
  /** signs the links to this API's files, when its spec wants them signed */
  fileSigner?: UrlSigner;
  /** CORS headers of every response: browsers may read the rate-limit and request-id headers */
  cors: Record<string, string>;
  /** callers are identified by the key header (false: the runtime has its own guard) */
  keyed: boolean;
  /** fault injection applies to its requests */
  faultable: boolean;
  /** its requests are emitted as ResponseRecords (the control API's are not: reading the log must not fill it) */
  logged: boolean;
  /** an access check at the auth stage, for runtimes not guarded by keys (the control API's token) */
  guard?(request: { headers: Record<string, string | string[] | undefined>; remoteAddress?: string }): ApiError | undefined;
}

/** One finished request, emitted once when its response is complete or its connection is gone. */
export interface ResponseRecord {
  requestId: string;
  /** sandbox time the request arrived (ms since the epoch) */
  at: number;
  method: string;
  path: string;
  api: string;
  operationId?: string;
  /** the key header as sent (consumers decide how to show it) */
  key?: string;
  /** null when no response was sent (connection reset or closed) */
  status: number | null;
  /** the catalogue code of an error response */
  errorCode?: string;
  /** wall-clock milliseconds from arrival to the end of the response */
  latencyMs: number;
  /** the faults applied, e.g. ["header: error=INTERNAL_ERROR", "fault_2: latency=200"] */
  faults?: string[];
  /** what RequestPathOptions.capture recorded of the exchange (headers, bodies) */
  exchange?: unknown;
}
