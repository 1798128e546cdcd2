// How a request fault becomes an HTTP outcome: the injected error in the API's own envelope
// (with the fields and headers its catalogue entry implies), a delay, a broken connection, or a
// damaged response body. Nothing here knows an API by name; everything comes from the policy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../http/errors.ts';
import type { Account } from '../policy/accounts.ts';
import type { ApiPolicy } from '../spec/policy.ts';
import type { Operation } from '../spec/operations.ts';
import { deref } from '../spec/refs.ts';
import type { LatencySpec, RequestFaultAction } from './directives.ts';
import type { SeededRandom } from './random.ts';

/** What the pipeline does for one request, merged from the header and the firing rules. */
export interface RequestFaultPlan {
  /** what was applied, for the request log: "header: error=INTERNAL_ERROR", "fault_2: status=503" */
  applied: string[];
  latencyMs?: number;
  connection?: 'reset' | 'empty';
  /** answer with this error (ApiError or PlainApiError) instead of processing the request */
  error?: Error;
  /** answer with the spec's documented response (Prism's Prefer) */
  mock?: { code?: number; example?: string; dynamic?: boolean };
  /** damage the response body, whatever it is */
  body?: { malformed?: boolean; truncate?: boolean; slowMs?: number };
}

/** What an injected error needs to know about the request. */
export interface InjectionContext {
  policy: ApiPolicy;
  doc: unknown;
  op?: Operation;
  account?: Account;
  /** seconds until the caller's rate window resets (Retry-After of injected 429s) */
  retryAfter: number;
  /** the API's own "rate limit exceeded" answer (coded or string form) */
  rateLimited: () => Error;
}

export function sampleLatency(spec: LatencySpec, random: SeededRandom): number {
  switch (spec.dist) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return Math.round(random.uniform(spec.min, spec.max));
    case 'lognormal':
      return Math.round(Math.min(spec.max ?? Infinity, random.lognormal(spec.median, spec.sigma)));
  }
}

/** Codes the API uses for validation failures, with the style their error object takes. */
function validationStyleOf(policy: ApiPolicy, op: Operation | undefined, code: string): 'path' | 'details' | undefined {
  const override = op?.raw['x-sandbox-validation'] as { code?: string; style?: 'path' | 'details'; missingRequired?: string } | undefined;
  const styles: [string | undefined, 'path' | 'details'][] = [
    [override?.code, override?.style ?? policy.validation.body.style],
    [override?.missingRequired, override?.style ?? policy.validation.body.style],
    [policy.validation.body.code, policy.validation.body.style],
    [policy.validation.body.missingRequired, policy.validation.body.style],
    [policy.validation.parameters, policy.validation.body.style],
  ];
  return styles.find(([c]) => c === code)?.[1];
}

/** A plausible field to blame: the operation's first required body property, else its first parameter. */
function samplePath(doc: unknown, op: Operation | undefined): string[] {
  if (!op) return ['body'];
  const media = op.body?.content['application/json'] ?? Object.values(op.body?.content ?? {})[0];
  const schema = media?.schema ? deref<Record<string, any>>(doc, media.schema) : undefined;
  const field = schema?.required?.[0] ?? Object.keys(schema?.properties ?? {})[0];
  if (field) return [field];
  const param = op.parameters.find((p) => p.in !== 'header');
  return param ? [param.name] : [];
}

function allowedAt(doc: unknown, path: string): string {
  const item = ((doc as { paths?: Record<string, Record<string, unknown>> }).paths ?? {})[path] ?? {};
  const methods = ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]).flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]));
  return [...methods, 'OPTIONS'].join(', ');
}

const fill = (template: string, values: Record<string, unknown>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));

/**
 * The error a client gets for `error=CODE`: the catalogue's status and message, the extra fields
 * its entry (and validation style) implies, Retry-After on a 429. Unknown codes are the caller's
 * mistake: 400 in the API's envelope, never a 5xx.
 */
export function injectedError(code: string, ctx: InjectionContext, options: { status?: number; message?: string } = {}): ApiError {
  const { policy } = ctx;
  const entry = policy.errors.catalogue[code];
  if (!entry) throw faultRequestError(policy, `error=${code} is not in the ${policy.id} error catalogue; known codes: ${Object.keys(policy.errors.catalogue).join(', ')}.`);
  const balance = ctx.account?.balance ?? 0;
  const values: Record<string, unknown> = { balance, available: balance, required: balance + 1 };
  const extra: Record<string, unknown> = {};
  const style = validationStyleOf(policy, ctx.op, code);
  const at = samplePath(ctx.doc, ctx.op);
  for (const field of entry.extra ?? []) {
    if (field === 'path') extra.path = at.join('.');
    else if (field in values) extra[field] = values[field];
  }
  if (style === 'path') extra.path ??= at.join('.');
  if (style === 'details') extra.details = [{ loc: ctx.op?.body ? ['body', ...at] : ['query', ...at], msg: 'Value error, injected by the sandbox', type: 'value_error' }];
  const status = options.status ?? entry.status;
  const headers: Record<string, string> = {};
  if (status === 429) headers[policy.rateLimit.headers.retryAfter] = String(ctx.retryAfter);
  // A 405 documents Allow: the methods of the operation's path, as the router answers them.
  if (status === 405 && ctx.op) headers.Allow = allowedAt(ctx.doc, ctx.op.path);
  return new ApiError(code, options.message ?? fill(entry.message, values), { extra, headers, status: options.status });
}

/**
 * The error for `status=NNN`: a 429 is the API's own rate-limit answer; another 4xx/5xx the
 * catalogue code with that status (the internal code first for a 500, then the operation's
 * documented codes, then catalogue order); a status no code has gets the internal code with it.
 */
export function injectedStatus(status: number, ctx: InjectionContext, message?: string): Error {
  const { policy } = ctx;
  if (status === 429 && !message) return ctx.rateLimited();
  const documented = documentedCodes(ctx.doc, ctx.op, status);
  const byStatus = Object.entries(policy.errors.catalogue).filter(([, e]) => e.status === status).map(([c]) => c);
  const internalFits = policy.errors.catalogue[policy.errors.internal]?.status === status;
  const code = (internalFits ? policy.errors.internal : undefined) ?? documented[0] ?? byStatus[0];
  if (code) return injectedError(code, ctx, { message });
  return new ApiError(policy.errors.internal, message ?? `Injected fault: HTTP ${status} (no ${policy.id} error code has this status).`, { status });
}

/** The catalogue codes an operation documents for a status (its response's x-error-codes). */
export function documentedCodes(doc: unknown, op: Operation | undefined, status: number): string[] {
  const response = op?.responses[String(status)];
  const codes = response ? deref<Record<string, unknown>>(doc, response)?.['x-error-codes'] : undefined;
  return Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [];
}

/** A fault request the sandbox cannot honour: 400 in the API's envelope, saying why. */
export function faultRequestError(policy: ApiPolicy, message: string): ApiError {
  const candidates = [policy.validation.parameters, policy.validation.body.missingRequired, policy.validation.invalidJson, policy.validation.body.code];
  const code =
    candidates.find((c): c is string => !!c && policy.errors.catalogue[c]?.status === 400) ??
    Object.entries(policy.errors.catalogue).find(([, e]) => e.status === 400)?.[0] ??
    policy.validation.invalidJson;
  return new ApiError(code, message, { status: 400 });
}

/** Merge actions in priority order (header first, then rules as added): the first outcome wins, delays and body damage add up. */
export function planFrom(sources: { label: string; action: RequestFaultAction }[], random: SeededRandom): RequestFaultPlan | undefined {
  if (!sources.length) return undefined;
  const plan: RequestFaultPlan & { outcome?: RequestFaultAction } = { applied: [] };
  for (const { action } of sources) {
    if (action.latency && plan.latencyMs === undefined) plan.latencyMs = sampleLatency(action.latency, random);
    const hasOutcome = action.connection || action.error || action.status;
    if (hasOutcome && !plan.outcome) plan.outcome = action;
    if (action.malformed || action.truncate || action.slowMs !== undefined) {
      plan.body ??= {};
      if (action.malformed) plan.body.malformed = true;
      if (action.truncate) plan.body.truncate = true;
      if (action.slowMs !== undefined) plan.body.slowMs ??= action.slowMs;
    }
  }
  if (plan.outcome?.connection) {
    plan.connection = plan.outcome.connection;
    delete plan.body;
  }
  return plan;
}

/** Close the connection without a response: reset sends RST (ECONNRESET), empty a clean FIN after reading the request. */
export function breakConnection(req: IncomingMessage, res: ServerResponse, how: 'reset' | 'empty'): void {
  const socket = req.socket;
  if (how === 'reset') {
    socket.resetAndDestroy();
    return;
  }
  // Unread request bytes would turn the close into a RST; drain them first so the client sees an empty reply.
  const close = () => {
    if (!socket.destroyed) socket.end();
  };
  if (req.complete) close();
  else {
    req.once('end', close);
    req.once('error', () => socket.destroy());
    req.resume();
    setTimeout(() => socket.destroy(), 5000).unref();
  }
  void res;
}

/**
 * Send a response with a damaged body: malformed (broken JSON, correct length), truncate
 * (Content-Length of the whole, half sent, then the connection closes), slow (the bytes dribbled
 * out over slowMs, on timers — other requests are not held up).
 */
export function sendDamaged(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string,
  damage: NonNullable<RequestFaultPlan['body']>,
  head = false,
): void {
  if (res.headersSent || res.destroyed) return;
  let bytes = Buffer.from(payload, 'utf8');
  let code = status;
  if (damage.malformed) {
    const text = payload || '{"data": ';
    const cut = Math.max(1, Math.floor(text.length / 2));
    bytes = Buffer.from(`${text.slice(0, cut)}<!-- malformed by the sandbox -->`, 'utf8');
    if (code === 204 || code === 304) code = 200;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  const closeEarly = Boolean(damage.truncate);
  if (closeEarly) res.setHeader('Connection', 'close');
  res.writeHead(code);
  if (head) {
    res.end();
    return;
  }
  const toSend = closeEarly ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
  const finish = () => {
    if (res.destroyed) return;
    if (closeEarly) {
      // End the socket under the response: the client was promised more bytes than it gets.
      res.socket?.end();
      res.socket?.destroySoon();
    } else res.end();
  };
  const slowMs = damage.slowMs ?? 0;
  if (slowMs <= 0) {
    if (toSend.length) res.write(toSend);
    finish();
    return;
  }
  const pieces = Math.max(2, Math.min(toSend.length || 2, Math.ceil(slowMs / 100) + 1));
  const size = Math.ceil(toSend.length / pieces) || 0;
  let i = 0;
  const step = () => {
    if (res.destroyed) return;
    const chunk = toSend.subarray(i * size, (i + 1) * size);
    if (chunk.length) res.write(chunk);
    i++;
    if (i >= pieces) finish();
    else setTimeout(step, slowMs / (pieces - 1));
  };
  step();
}
