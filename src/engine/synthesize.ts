// Errors the sandbox makes up on request (fault injection, Prism's Prefer): a catalogue code with
// its documented status and message, the extra fields its catalogue entry declares, the fields
// its validation style implies, Retry-After on a 429. Everything comes from the policy and the
// operation; nothing here knows an API by name.
import { ApiError } from '../core/errors.ts';
import type { Account } from '../tenancy/accounts.ts';
import type { ApiPolicy, ValidationStyle } from '../openapi/policy.ts';
import type { Operation } from '../openapi/operations.ts';
import { deref } from '../openapi/refs.ts';
import { sampleFields } from './validate/styles/index.ts';

/** What a made-up error needs to know about the request. */
export interface SynthesisContext {
  policy: ApiPolicy;
  doc: unknown;
  op?: Operation;
  account?: Account;
  /** seconds until the caller's rate window resets (Retry-After of injected 429s) */
  retryAfter: number;
  /** the API's own "rate limit exceeded" answer (coded or string form) */
  rateLimited: () => Error;
}

/** The validation style a code is used with, if it is one of the API's validation codes. */
function validationStyleOf(policy: ApiPolicy, op: Operation | undefined, code: string): ValidationStyle['style'] | undefined {
  const styles: (ValidationStyle | undefined)[] = [op?.validation, policy.validation.body];
  for (const s of styles) if (s && (s.code === code || s.missingRequired === code)) return s.style;
  return code === policy.validation.parameters ? policy.validation.body.style : undefined;
}

/** A plausible field to blame: the operation's first required body property, else its first parameter. */
function sampleField(doc: unknown, op: Operation | undefined): { at: string[]; root: string } {
  if (!op) return { at: [], root: 'body' };
  const media = op.body?.content['application/json'] ?? Object.values(op.body?.content ?? {})[0];
  const schema = media?.schema ? deref<Record<string, any>>(doc, media.schema) : undefined;
  const field = schema?.required?.[0] ?? Object.keys(schema?.properties ?? {})[0];
  if (field) return { at: [field], root: 'body' };
  const param = op.parameters.find((p) => p.in !== 'header');
  return { at: param ? [param.name] : [], root: param?.in ?? 'query' };
}

/** The methods served at an operation's path, as the router's 405 lists them. */
function allowedAt(doc: unknown, path: string): string {
  const item = ((doc as { paths?: Record<string, Record<string, unknown>> }).paths ?? {})[path] ?? {};
  const methods = ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]).flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]));
  return [...methods, 'OPTIONS'].join(', ');
}

const fill = (template: string, values: Record<string, unknown>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));

/**
 * The error a client gets for `error=CODE`. Catalogue messages and extra fields may name the
 * caller's `balance` and the `required` amount (one credit more than the balance). Unknown codes
 * are the caller's mistake: 400 in the API's envelope, never a 5xx.
 */
export function injectedError(code: string, ctx: SynthesisContext, options: { status?: number; message?: string } = {}): ApiError {
  const { policy } = ctx;
  const entry = policy.errors.catalogue[code];
  if (!entry) throw faultRequestError(policy, `error=${code} is not in the ${policy.id} error catalogue; known codes: ${Object.keys(policy.errors.catalogue).join(', ')}.`);
  const balance = ctx.account?.balance ?? 0;
  const values: Record<string, unknown> = { balance, required: balance + 1 };
  const blamed = sampleField(ctx.doc, ctx.op);
  const extra: Record<string, unknown> = {};
  for (const field of entry.extra ?? []) {
    if (field === 'path') extra.path = blamed.at.join('.');
    else if (field in values) extra[field] = values[field];
  }
  const style = validationStyleOf(policy, ctx.op, code);
  if (style) Object.assign(extra, sampleFields(style, blamed.at, blamed.root), extra);
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
export function injectedStatus(status: number, ctx: SynthesisContext, message?: string): Error {
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

/** A fault or Prefer request the sandbox cannot honour: 400 in the API's envelope, saying why. */
export function faultRequestError(policy: ApiPolicy, message: string): ApiError {
  const candidates = [policy.validation.parameters, policy.validation.body.missingRequired, policy.validation.invalidJson, policy.validation.body.code];
  const code =
    candidates.find((c): c is string => !!c && policy.errors.catalogue[c]?.status === 400) ??
    Object.entries(policy.errors.catalogue).find(([, e]) => e.status === 400)?.[0] ??
    policy.validation.invalidJson;
  return new ApiError(code, message, { status: 400 });
}
