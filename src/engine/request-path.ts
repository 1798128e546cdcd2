// The request path: one pass, one direction, as a list of small stages (one file each in stages/):
//
//   preflight → cross-site → identify → rate limit → faults → Prefer → reject (404/405/auth) → parameters
//   → body → answer (handler or spec mock)
//
// Each stage adds to the exchange, sets its answer, or throws an ApiError; the first answer ends
// the list. It then sends what the exchange holds, once: an error in the owning API's
// envelope with the headers gathered so far, a broken connection, or a damaged body when a fault
// asked for one. When the response is done (or the connection is gone) one ResponseRecord is
// emitted. Nothing here names an API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ApiError, PlainApiError } from '../core/errors.ts';
import { FAULT_HEADER } from '../faults/directives.ts';
import { renderError } from './envelope.ts';
import { createRequestIds } from './request-id.ts';
import { ClientAborts, clientGone } from './transport/client-aborts.ts';
import type { Answer, Exchange, Stage } from './exchange.ts';
import { MockUnavailable } from './mock.ts';
import type { Router } from './router.ts';
import type { ApiRuntime, ResponseRecord } from './runtime.ts';
import { answer } from './stages/answer.ts';
import { body } from './stages/body.ts';
import { crossSite } from './stages/cross-site.ts';
import { faults, type RequestFaultPlanner } from './stages/faults.ts';
import { identify } from './stages/identify.ts';
import { parameters } from './stages/parameters.ts';
import { preflight } from './stages/preflight.ts';
import { prefer } from './stages/prefer.ts';
import { rateLimit } from './stages/rate-limit.ts';
import { reject } from './stages/reject.ts';
import { breakConnection, sendDamaged } from './transport/damage.ts';
import { sendJson } from './transport/respond.ts';

export interface RequestPathOptions {
  router: Router<ApiRuntime>;
  /** overrides every API's x-sandbox.maxBodyBytes */
  maxBodyBytes?: number;
  /** fault injection (for runtimes that are faultable) */
  faults?: RequestFaultPlanner;
  /** called once per request of a logged runtime when its response is done */
  onResponse?: (record: ResponseRecord) => void;
  /** sandbox time, for the records' `at` */
  now?: () => number;
  /** check every response against the spec; a mismatch becomes a 500 naming it (tests) */
  validateResponses?: boolean;
  /** where request ids come from (shared with the transport's own answers) */
  requestIds?: () => string;
  /** counts the requests whose clients went away before they were read */
  aborts?: ClientAborts;
  /** start recording a logged runtime's exchange (the request log's detail); read when it is done */
  capture?: (req: IncomingMessage, res: ServerResponse) => () => unknown;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Path and query of a request target, without the cost of a full WHATWG URL parse. */
function splitUrl(target: string): { pathname: string; query: Record<string, string | string[]> } {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  // An absolute-form target (a proxy's "GET http://host/path") still routes by its path.
  const pathname = raw.startsWith('/') ? raw : raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  const query: Record<string, string | string[]> = {};
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(target.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { pathname, query };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

export function createRequestPath({ router, maxBodyBytes, faults: planner, onResponse, now = Date.now, validateResponses = false, requestIds = createRequestIds(), aborts = new ClientAborts(), capture }: RequestPathOptions) {
  const stages: Stage[] = [
    preflight(router),
    crossSite,
    identify,
    rateLimit,
    ...(planner ? [faults(planner)] : []),
    prefer,
    reject(router.served((a) => a.spec.policy.id)),
    parameters,
    body(maxBodyBytes),
    answer,
  ];

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = splitUrl(req.url ?? '/');
    const method = (req.method ?? 'GET').toLowerCase();
    const route = router.match(method, url.pathname);
    const api = route.api;
    const policy = api.spec.policy;
    const given = req.headers[policy.errors.requestId.headerLower];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : requestIds();
    const ex: Exchange = {
      req,
      res,
      method,
      path: url.pathname,
      query: url.query,
      route,
      api,
      policy,
      op: route.kind === 'match' ? route.op : undefined,
      requestId,
      headers: { [policy.errors.requestId.header]: requestId, ...api.cors },
      key: api.keyed ? headerValue(req.headers[policy.auth.header]) : undefined,
      applied: [],
    };
    if (onResponse && api.logged) {
      // Before the first await: the capture must see the body from its first byte.
      const exchange = capture?.(req, res);
      // Cheap on the hot path: a fixed-shape record of numbers and references; consumers format.
      const at = now();
      res.once('close', () => {
        onResponse({
          requestId,
          at,
          method: method.toUpperCase(),
          path: url.pathname,
          api: policy.id,
          operationId: ex.op?.operationId,
          key: ex.key,
          status: res.headersSent ? res.statusCode : null,
          errorCode: ex.answer?.errorCode,
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
          faults: ex.applied.length ? ex.applied : undefined,
          exchange: exchange?.(),
        });
      });
    }

    try {
      for (const stage of stages) {
        const pending = stage(ex);
        if (pending) await pending;
        if (ex.answer || ex.breakConnection) break;
        // The client is gone (or the sandbox closed its connections): nothing is left to answer.
        if (res.destroyed) return;
      }
    } catch (err) {
      if (res.destroyed) return;
      // A client that went away mid-request is not the sandbox's error: counted, not logged.
      if (!(err instanceof ApiError || err instanceof PlainApiError) && clientGone(req, err)) {
        aborts.record();
        return;
      }
      ex.answer = errorAnswer(ex, err);
    }
    if (ex.breakConnection) return breakConnection(req, res, ex.breakConnection);
    if (validateResponses && ex.answer) checkAnswer(ex);
    send(ex);
  };
}

function errorAnswer(ex: Exchange, err: unknown): Answer {
  if (!(err instanceof ApiError || err instanceof PlainApiError)) {
    // The only way to an unplanned 5xx; logged so it can be fixed, never shown to the client.
    console.error(`[${ex.requestId}] unexpected error on ${ex.method.toUpperCase()} ${ex.path}:`, err instanceof MockUnavailable ? err.message : err);
  }
  const rendered = renderError(ex.policy, err, ex.requestId);
  return { status: rendered.status, headers: rendered.headers, body: rendered.body, errorCode: rendered.code };
}

/**
 * Test mode: every answer must be documented for its operation, and an error's code must have the
 * status the catalogue gives it — unless a fault or Prefer asked for something else.
 */
function checkAnswer(ex: Exchange): void {
  const a = ex.answer!;
  const steered = ex.applied.length > 0 || ex.req.headers[FAULT_HEADER] !== undefined || ex.req.headers.prefer !== undefined;
  if (steered || a.stream || (a.status === 204 && ex.method === 'options')) return;
  let drift: string | undefined;
  const entry = a.errorCode ? ex.policy.errors.catalogue[a.errorCode] : undefined;
  if (entry && entry.status !== a.status && a.status !== 405) drift = `${a.errorCode} is catalogued as ${entry.status}, answered ${a.status}`;
  else if (ex.op) drift = ex.api.validators.checkResponse(ex.op.operationId, a.status, a.body);
  if (drift) ex.answer = errorAnswer(ex, new ApiError(ex.policy.errors.internal, `Response does not match the spec: ${drift}`));
}

/** The one way out: a JSON response, damaged when a response fault asks for it. */
function send(ex: Exchange): void {
  const a = ex.answer ?? errorAnswer(ex, new Error('no stage answered'));
  // The exchange's headers are this request's own object: the answer's go on top of them, and
  // the transport adds its content headers to the same object (no copies on the hot path).
  const headers = a.headers ? Object.assign(ex.headers, a.headers) : ex.headers;
  const isHead = ex.method === 'head';
  if (a.stream) {
    // The handler writes the body itself (server-sent events): headers now, then its stream.
    ex.res.writeHead(a.status, headers);
    if (isHead) ex.res.end();
    else a.stream(ex.res);
    return;
  }
  if (ex.fault?.body) sendDamaged(ex.res, a.status, headers, a.body === undefined ? '' : JSON.stringify(a.body), ex.fault.body, isHead);
  else sendJson(ex.res, a.status, headers, a.body, isHead);
}
