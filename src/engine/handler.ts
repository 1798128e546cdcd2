// What an API module plugs into the engine: plain handlers bound to operationIds.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Account } from '../tenancy/accounts.ts';
import type { Operation } from '../openapi/operations.ts';

export interface HandlerRequest {
  operation: Operation;
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** parsed JSON for JSON operations; the raw bytes otherwise */
  body: unknown;
  /** the caller's account (undefined only on operations without security) */
  account: Account;
  requestId: string;
  /** scheme://host:port the client used, for absolute URLs in responses */
  baseUrl: string;
}

export interface HandlerResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** the handler writes the body itself after the headers (server-sent events); `body` is ignored */
  stream?: (res: ServerResponse) => void;
}

export type Handler = (req: HandlerRequest) => HandlerResponse | Promise<HandlerResponse>;
