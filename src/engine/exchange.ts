// One request as it travels the request path: what the stages learned so far and, once one of
// them decides, the answer. Stages only add to it; the request path sends what it ends up holding.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestFaultPlan } from '../faults/plan.ts';
import type { Operation } from '../openapi/operations.ts';
import type { ApiPolicy } from '../openapi/policy.ts';
import type { AuthResult } from '../tenancy/auth.ts';
import type { Account } from '../tenancy/accounts.ts';
import type { RateDecision } from '../tenancy/rate-limit.ts';
import type { PreferDirectives } from './prefer.ts';
import type { RouteResult } from './router.ts';
import type { ApiRuntime } from './runtime.ts';

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** the catalogue code of an error answer */
  errorCode?: string;
  /** the body is written by the handler itself after the headers (server-sent events) */
  stream?: (res: ServerResponse) => void;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** lower-case method */
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  route: RouteResult<ApiRuntime>;
  api: ApiRuntime;
  policy: ApiPolicy;
  /** the matched operation (undefined for unknown routes) */
  op?: Operation;
  requestId: string;
  /** headers every answer carries (request id, CORS, rate limit), gathered as stages run */
  headers: Record<string, string>;
  /** the key header as sent (keyed runtimes only) */
  key?: string;
  auth?: AuthResult;
  account?: Account;
  /** the caller's per-minute window after counting this request */
  rate?: RateDecision;
  /** the request faults planned for this request */
  fault?: RequestFaultPlan;
  /** answer from the spec's documented responses with this selection (Prefer, an injected 2xx) */
  mock?: PreferDirectives;
  /** what was applied, for the request log ("header: …", "fault_1: …", "prefer: …") */
  applied: string[];
  body?: unknown;
  /** set by the stage that decides: the request path stops and sends it */
  answer?: Answer;
  /** the connection is to be broken instead of answered */
  breakConnection?: 'reset' | 'empty';
}

/** A step of the request path: adds to the exchange, sets its answer, or throws an ApiError. */
export type Stage = (ex: Exchange) => void | Promise<void>;
