// The request path, one pass and one direction (PRODUCT.md):
//   request id → route → auth (identify) → rate limit (headers on every outcome) → route/auth errors
//   → body → validation → handler (or spec mock) → send
// Every stage either adds to the context or throws an ApiError; the error is rendered once, in the
// owning API's envelope, with the headers gathered so far. Nothing here names an API.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiInstance } from '../apis/module.ts';
import type { Account, AccountStore } from '../policy/accounts.ts';
import type { CreditLedger } from '../policy/credits.ts';
import { authenticate } from '../policy/auth.ts';
import type { FixedWindowLimiter } from '../policy/rate-limit.ts';
import type { ApiSpec } from '../spec/load.ts';
import type { Operation } from '../spec/operations.ts';
import { describeWindow } from '../spec/limit-wording.ts';
import { BodyTooLarge, mediaTypeOf, parseJsonBody, readBody } from './body.ts';
import { ApiError, PlainApiError, renderError } from './errors.ts';
import type { Handler } from './handler.ts';
import { MockUnavailable, type SpecMocker } from './mock.ts';
import { corsHeaders, preflightHeaders, sendJson } from './respond.ts';
import type { Router } from './router.ts';
import type { Validators } from './validate.ts';

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
  /** headers every response of this API exposes to browsers */
  exposedHeaders: string[];
}

export interface PipelineOptions {
  router: Router<ApiRuntime>;
  /** overrides every API's x-sandbox.maxBodyBytes */
  maxBodyBytes?: number;
  /** check every handler response against the spec; a mismatch becomes a 500 naming it (tests) */
  validateResponses?: boolean;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestIdOf(req: IncomingMessage, header: string): string {
  const given = req.headers[header.toLowerCase()];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${randomUUID().replaceAll('-', '')}`;
}

function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function rateHeaders(api: ApiRuntime, decision: { limit: number; remaining: number; reset: number }): Record<string, string> {
  const h = api.spec.policy.rateLimit.headers;
  return { [h.limit]: String(decision.limit), [h.remaining]: String(decision.remaining), [h.reset]: String(decision.reset) };
}

function limitExceeded(api: ApiRuntime, decision: { limit: number; retryAfter: number }, windowSeconds: number): Error {
  const { exceeded, headers } = api.spec.policy.rateLimit;
  const retry = { [headers.retryAfter]: String(decision.retryAfter) };
  const wording = describeWindow(decision.limit, windowSeconds);
  if (exceeded.form === 'string' || !exceeded.code) {
    return new PlainApiError(429, (exceeded.template ?? 'Rate limit exceeded: {limit}').replace('{limit}', wording), retry);
  }
  return new ApiError(exceeded.code, `Rate limit exceeded: ${wording}. Retry after ${decision.retryAfter} s.`, { headers: retry });
}

export function createPipeline({ router, maxBodyBytes: maxBodyOverride, validateResponses = false }: PipelineOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toLowerCase();
    const route = router.match(method, url.pathname);
    const api = route.api;
    const policy = api.spec.policy;
    const requestId = requestIdOf(req, policy.errors.requestId.header);
    const headers: Record<string, string> = {
      [policy.errors.requestId.header]: requestId,
      ...corsHeaders(api.exposedHeaders),
    };
    const isHead = method === 'head';

    try {
      // CORS preflight and OPTIONS: answered before auth, like any browser-facing API.
      if (method === 'options') {
        const allow = router.methodsAt(url.pathname);
        if (allow.length) {
          const peek = api.limiter.consume(`addr:${req.socket.remoteAddress}`, null);
          sendJson(res, 204, { ...headers, ...rateHeaders(api, peek), ...preflightHeaders(allow, req.headers['access-control-request-headers'] as string | undefined) }, undefined);
          return;
        }
      }

      const op: Operation | undefined = route.kind === 'match' ? route.op : undefined;
      const auth = op?.scopes === null ? {} : authenticate(policy, api.accounts, req.headers[policy.auth.header], op?.scopes ?? []);
      const account: Account | undefined = auth.account;

      // Rate limit: the account's bucket when the key identifies one, else the client address's.
      const limit = account ? api.accounts.limitsOf(account).requestsPerMinute : policy.plans.catalogue[policy.plans.default]!.requestsPerMinute;
      const decision = api.limiter.consume(account ? `key:${account.key}` : `addr:${req.socket.remoteAddress}`, limit);
      Object.assign(headers, rateHeaders(api, decision));
      if (!decision.allowed) throw limitExceeded(api, decision, policy.rateLimit.windowSeconds);
      // A route limit ("10 per 1 day") counts on top; its headers are the ones the caller sees.
      const routeLimit = op && account ? op.routeLimits[account.plan] : undefined;
      if (routeLimit) {
        const d = api.limiter.consume(`route:${op!.operationId}:key:${account!.key}`, routeLimit.limit, routeLimit.windowSeconds);
        Object.assign(headers, rateHeaders(api, d));
        if (!d.allowed) throw limitExceeded(api, d, routeLimit.windowSeconds);
      }

      if (route.kind === 'not-found') {
        throw new ApiError(policy.errors.routeNotFound, `No route for ${method.toUpperCase()} ${url.pathname}.`);
      }
      if (route.kind === 'method-not-allowed') {
        throw new ApiError(policy.errors.methodNotAllowed, `Method ${method.toUpperCase()} is not allowed on ${url.pathname}; allowed: ${route.allow.join(', ')}.`, {
          headers: { Allow: route.allow.join(', ') },
          status: 405,
        });
      }
      if (auth.error) throw auth.error;

      const operation = route.op;
      const validator = api.validators.get(operation.operationId);
      const query = queryOf(url.searchParams);
      validator.parameters({ path: route.params, query, header: req.headers });

      let body: unknown;
      if (operation.body) {
        let raw: Buffer;
        const maxBodyBytes = maxBodyOverride ?? policy.maxBodyBytes;
        try {
          raw = await readBody(req, maxBodyBytes);
        } catch (err) {
          if (err instanceof BodyTooLarge) {
            headers.Connection = 'close';
            throw new ApiError(policy.errors.payloadTooLarge, `Request body exceeds the sandbox limit of ${maxBodyBytes} bytes.`, { status: 413 });
          }
          throw err;
        }
        if (validator.expectsJson) {
          body = parseJsonBody(raw, req.headers['content-type'], policy, operation.body.required);
          if (body !== undefined || operation.body.required) validator.body(body);
        } else {
          const type = mediaTypeOf(req.headers['content-type']);
          if (raw.length && !validator.mediaTypes.includes(type)) {
            throw new ApiError(policy.errors.unsupportedMediaType, `Content-Type ${type || '(none)'} is not supported here; send ${validator.mediaTypes.join(' or ')}.`, { status: 415 });
          }
          body = raw;
        }
      }

      const handler = api.handlers[operation.operationId];
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
        const drift = validateResponses ? api.validators.checkResponse(operation.operationId, out.status, out.body) : undefined;
        if (drift) throw new ApiError(policy.errors.internal, `Response does not match the spec: ${drift}`);
        sendJson(res, out.status, { ...headers, ...out.headers }, out.body, isHead);
        return;
      }
      const mocked = await api.mocker.respond({
        method,
        path: url.pathname,
        query,
        headers: req.headers as Record<string, string>,
        body,
      });
      // Prism's own headers are examples; the sandbox's real ones (rate limit, request id) win.
      const { 'content-type': _ct, 'Content-Type': _CT, ...mockHeaders } = mocked.headers;
      sendJson(res, mocked.status, { ...mockHeaders, ...headers }, mocked.body, isHead);
    } catch (err) {
      if (!(err instanceof ApiError || err instanceof PlainApiError)) {
        // The only way to an unplanned 5xx; logged so it can be fixed, never shown to the client.
        console.error(`[${requestId}] unexpected error on ${method.toUpperCase()} ${url.pathname}:`, err instanceof MockUnavailable ? err.message : err);
      }
      const rendered = renderError(policy, err, requestId);
      sendJson(res, rendered.status, { ...headers, ...rendered.headers }, rendered.body, isHead);
    }
  };
}
