// The request path, one pass and one direction (PRODUCT.md):
//   request id → route → auth (identify) → rate limit (headers on every outcome) → faults
//   → route/auth errors → body → validation → handler (or spec mock) → send (response faults)
// Every stage either adds to the context or throws an ApiError; the error is rendered once, in the
// owning API's envelope, with the headers gathered so far. Nothing here names an API.
// When the response is done (or the connection is gone) one ResponseRecord is emitted.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiInstance } from '../apis/module.ts';
import type { Account, AccountStore } from '../policy/accounts.ts';
import type { CreditLedger } from '../policy/credits.ts';
import { authenticate } from '../policy/auth.ts';
import type { FixedWindowLimiter } from '../policy/rate-limit.ts';
import type { ApiSpec } from '../spec/load.ts';
import type { Operation } from '../spec/operations.ts';
import { readOperationBody } from './body.ts';
import { ApiError, PlainApiError, renderError } from './errors.ts';
import { countRequest, limitExceeded, limitOf, rateHeaders } from './rate-limit-stage.ts';
import type { Handler } from './handler.ts';
import { MockUnavailable, type SpecMocker } from './mock.ts';
import { preflightHeaders, sendJson } from './respond.ts';
import type { Router } from './router.ts';
import type { Validators } from './validate.ts';
import { breakConnection, faultRequestError, sendDamaged, type InjectionContext, type RequestFaultPlan } from '../faults/apply.ts';

/** One served API: its spec and the per-API state the pipeline consults. */
export interface ApiRuntime {
  prefix: string;
  spec: ApiSpec;
  accounts: AccountStore;
  ledger: CreditLedger;
  limiter: FixedWindowLimiter;
  /** the API module's instance (handlers, reset, views) */
  instance: ApiInstance;
  validators: Validators;
  handlers: Record<string, Handler>;
  mocker: SpecMocker;
  /** CORS headers of every response: browsers may read the rate-limit and request-id headers */
  cors: Record<string, string>;
}

/** Decides the faults of one request (src/faults/engine.ts); throws the API's 400 for a bad fault header. */
export interface RequestFaultPlanner {
  planRequest(query: InjectionContext & { method: string; path: string; key?: string; headers: IncomingHttpHeaders }): RequestFaultPlan | undefined;
}

/** One finished request, emitted once when its response is complete or its connection is gone. */
export interface ResponseRecord {
  requestId: string;
  /** sandbox time the request arrived (ms since the epoch) */
  at: number;
  method: string;
  path: string;
  api: string;
  /** the API is a control API (/__sandbox) */
  control: boolean;
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
  /** what PipelineOptions.capture recorded of the exchange (headers, bodies); vendor APIs only */
  exchange?: unknown;
}

export interface PipelineOptions {
  router: Router<ApiRuntime>;
  /** overrides every API's x-sandbox.maxBodyBytes */
  maxBodyBytes?: number;
  /** fault injection (skipped for control APIs) */
  faults?: RequestFaultPlanner;
  /** called once per request when its response is done */
  onResponse?: (record: ResponseRecord) => void;
  /** sandbox time, for the records' `at` */
  now?: () => number;
  /** check every handler response against the spec; a mismatch becomes a 500 naming it (tests) */
  validateResponses?: boolean;
  /** start recording a vendor API's exchange (the request log's detail); read when it is done */
  capture?: (req: IncomingMessage, res: ServerResponse) => () => unknown;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

// Request ids: a random per-process prefix and a counter — unique, and cheaper than a UUID each.
const ID_PREFIX = `req_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
let idCounter = 0;

function requestIdOf(req: IncomingMessage, header: string): string {
  const given = req.headers[header];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : `${ID_PREFIX}${(++idCounter).toString(36).padStart(8, '0')}`;
}

/** Path and query of a request target, without the cost of a full WHATWG URL parse. */
function splitUrl(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  // An absolute-form target (a proxy's "GET http://host/path") still routes by its path.
  const pathname = raw.startsWith('/') ? raw : raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  return { pathname, searchParams: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)) };
}

function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

export function createPipeline({ router, maxBodyBytes: maxBodyOverride, faults, onResponse, now = Date.now, validateResponses = false, capture }: PipelineOptions) {
  const served = router.served((a) => a.spec.policy.id);
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = splitUrl(req.url ?? '/');
    const method = (req.method ?? 'GET').toLowerCase();
    const route = router.match(method, url.pathname);
    const api = route.api;
    const policy = api.spec.policy;
    const requestId = requestIdOf(req, policy.errors.requestId.headerLower);
    const headers: Record<string, string> = {
      [policy.errors.requestId.header]: requestId,
      ...api.cors,
    };
    const isHead = method === 'head';
    const key = policy.control ? undefined : headerValue(req.headers[policy.auth.header]);
    let fault: RequestFaultPlan | undefined;
    let errorCode: string | undefined;

    // Before the first await: the capture must see the body from its first byte.
    const exchange = capture && !policy.control ? capture(req, res) : undefined;
    if (onResponse) {
      // Cheap on the hot path: a fixed-shape record of numbers and references; consumers format.
      const at = now();
      res.once('close', () => {
        onResponse({
          requestId,
          at,
          method: method.toUpperCase(),
          path: url.pathname,
          api: policy.id,
          control: policy.control,
          operationId: route.kind === 'match' ? route.op.operationId : undefined,
          key,
          status: res.headersSent ? res.statusCode : null,
          errorCode,
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
          faults: fault?.applied.length ? fault.applied : undefined,
          exchange: exchange?.(),
        });
      });
    }

    // The one way out: a JSON response, damaged when a response fault asks for it.
    const send = (status: number, out: Record<string, string>, body: unknown) => {
      if (fault?.body) sendDamaged(res, status, out, body === undefined ? '' : JSON.stringify(body), fault.body, isHead);
      else sendJson(res, status, out, body, isHead);
    };

    try {
      // CORS preflight and OPTIONS: answered before auth, like any browser-facing API.
      if (method === 'options') {
        const allow = router.methodsAt(url.pathname);
        if (allow.length) {
          const peek = api.limiter.peek(`addr:${req.socket.remoteAddress}`, limitOf(policy, api.accounts, undefined));
          send(204, { ...headers, ...rateHeaders(policy, peek), ...preflightHeaders(allow, req.headers['access-control-request-headers'] as string | undefined) }, undefined);
          return;
        }
      }

      const op: Operation | undefined = route.kind === 'match' ? route.op : undefined;
      const auth = op?.scopes === null ? {} : authenticate(policy, api.accounts, key, op?.scopes ?? []);
      const account: Account | undefined = auth.account;

      const decision = countRequest(api, op, account, req.socket.remoteAddress, headers);

      // Faults: after the rate limit (so injected answers carry its headers and count in the
      // window), before anything else can answer. Never on a control API.
      if (faults && !policy.control) {
        fault = faults.planRequest({
          policy,
          doc: api.spec.doc,
          op,
          account,
          retryAfter: decision.retryAfter,
          rateLimited: () => limitExceeded(policy, decision, policy.rateLimit.windowSeconds),
          method,
          path: url.pathname,
          key,
          headers: req.headers,
        });
        if (fault?.latencyMs) await sleep(fault.latencyMs);
        if (fault?.connection) {
          breakConnection(req, res, fault.connection);
          return;
        }
        if (fault?.error) throw fault.error;
      }

      if (route.kind === 'not-found') {
        const where = route.owned ? '' : ` This sandbox serves ${served}.`;
        throw new ApiError(policy.errors.routeNotFound, `No route for ${method.toUpperCase()} ${url.pathname}.${where}`);
      }
      if (route.kind === 'method-not-allowed') {
        throw new ApiError(policy.errors.methodNotAllowed, `Method ${method.toUpperCase()} is not allowed on ${url.pathname}; allowed: ${route.allow.join(', ')}.`, {
          headers: { Allow: route.allow.join(', ') },
          status: 405,
        });
      }
      if (auth.error) throw auth.error;
      const denied = api.instance.guard?.({ headers: req.headers, remoteAddress: req.socket.remoteAddress });
      if (denied) throw denied;

      const operation = route.op;
      const validator = api.validators.get(operation.operationId);
      const query = queryOf(url.searchParams);
      validator.parameters({ path: route.params, query, header: req.headers });

      const body = operation.body ? await readOperationBody(req, policy, operation.body.required, validator, maxBodyOverride ?? policy.maxBodyBytes) : undefined;
      if (validator.expectsJson && (body !== undefined || operation.body?.required)) validator.body(body);

      const handler = fault?.mock ? undefined : api.handlers[operation.operationId];
      if (handler) {
        const out = await handler({
          operation,
          params: route.params,
          query,
          headers: req.headers,
          body,
          account: account!,
          requestId,
          baseUrl: `http://${req.headers.host ?? 'localhost'}`,
        });
        if (out.stream) {
          // The handler writes the body itself (server-sent events): headers now, then its stream.
          res.writeHead(out.status, { ...headers, ...out.headers });
          if (isHead) res.end();
          else out.stream(res);
          return;
        }
        const drift = validateResponses ? api.validators.checkResponse(operation.operationId, out.status, out.body) : undefined;
        if (drift) throw new ApiError(policy.errors.internal, `Response does not match the spec: ${drift}`);
        send(out.status, { ...headers, ...out.headers }, out.body);
        return;
      }
      let mocked;
      try {
        mocked = await api.mocker.respond({ method, path: url.pathname, query, headers: req.headers as Record<string, string>, body }, fault?.mock);
      } catch (err) {
        // A Prefer the spec cannot satisfy (unknown example name, …) is the caller's 400, not our 500.
        if (fault?.mock && err instanceof MockUnavailable) throw faultRequestError(policy, `Prefer cannot be satisfied: ${err.message}`);
        throw err;
      }
      // Prism's own headers are examples; the sandbox's real ones (rate limit, request id) win.
      const { 'content-type': _ct, 'Content-Type': _CT, ...mockHeaders } = mocked.headers;
      send(mocked.status, { ...mockHeaders, ...headers }, mocked.body);
    } catch (err) {
      if (!(err instanceof ApiError || err instanceof PlainApiError)) {
        // The only way to an unplanned 5xx; logged so it can be fixed, never shown to the client.
        console.error(`[${requestId}] unexpected error on ${method.toUpperCase()} ${url.pathname}:`, err instanceof MockUnavailable ? err.message : err);
      }
      const rendered = renderError(policy, err, requestId);
      const code = (rendered.body as { error?: { code?: unknown } }).error?.code;
      if (typeof code === 'string') errorCode = code;
      send(rendered.status, { ...headers, ...rendered.headers }, rendered.body);
    }
  };
}
