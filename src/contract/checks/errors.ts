// Checks on every error response: the API's own envelope (or its plain-string 429), a catalogue
// code whose HTTP status matches the catalogue and the response's x-error-codes, the fields the
// catalogue says the error carries, and the validation error's location (path or details.loc).
import { errorCode, errorObject, type ApiProfile } from '../profile.ts';
import { fail, pass, type Check } from '../types.ts';
import type { Operation } from '../../openapi/operations.ts';

/** The plain 429 form (`{"error": "Rate limit exceeded: 10 per 1 day"}`) as a regex, when the spec declares one. */
export function plainRateLimitForm(profile: ApiProfile): RegExp | undefined {
  const { exceeded } = profile.spec.policy.rateLimit;
  if (exceeded.form !== 'string' && exceeded.code) return undefined;
  const template = exceeded.template ?? 'Rate limit exceeded: {limit}';
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{limit\\}', '\\d+ per \\d+ (second|minute|hour|day|month|year)');
  return new RegExp(`^${escaped}$`);
}

function isPlain429(profile: ApiProfile, status: number, body: unknown): boolean {
  return status === 429 && Boolean(plainRateLimitForm(profile)) && typeof (body as any)?.error === 'string';
}

export const errorEnvelope: Check = {
  name: 'error_envelope',
  family: 'errors',
  description: "an error body is the API's envelope (code and message where the spec's x-sandbox.errors.envelope says), or its plain 429",
  run(_op, _req, res, ctx) {
    if (res.status < 400) return undefined;
    const { profile } = ctx;
    if (!profile.envelope) return undefined;
    if (isPlain429(profile, res.status, res.json)) {
      const form = plainRateLimitForm(profile)!;
      const text = (res.json as any).error as string;
      return form.test(text) ? pass() : fail(`the plain 429 form ${form.source}`, JSON.stringify(res.json));
    }
    const obj = errorObject(profile, res.json);
    const rootName = `/${profile.envelope.root.join('/')}`;
    if (!obj) return fail(`an error object at ${rootName}`, res.text.slice(0, 300) || '(empty body)');
    const code = obj[profile.envelope.code];
    const message = obj[profile.envelope.message];
    if (typeof code !== 'string' || !code) return fail(`${rootName}/${profile.envelope.code}: a code string`, JSON.stringify(obj).slice(0, 300));
    if (typeof message !== 'string' || !message.trim()) return fail(`${rootName}/${profile.envelope.message}: a non-empty message`, JSON.stringify(obj).slice(0, 300));
    return pass();
  },
};

export const errorCodeCatalogued: Check = {
  name: 'error_code_catalogue',
  family: 'errors',
  description: "the code is in the catalogue, the HTTP status is the catalogue's, and the response documents the code (x-error-codes)",
  run(op, _req, res, ctx) {
    if (res.status < 400) return undefined;
    const code = errorCode(ctx.profile, res.json);
    if (code === undefined) return undefined;
    const entry = ctx.profile.spec.policy.errors.catalogue[code];
    if (!entry) return fail('a code of the catalogue (x-sandbox.errors.catalogue)', code);
    if (entry.status !== res.status) return fail(`${code} with HTTP ${entry.status} (the catalogue's)`, `HTTP ${res.status}`, entry.provenance);
    const listed = op ? ctx.profile.errorCodesFor(op, res.status) : undefined;
    if (listed && !listed.includes(code)) return fail(`one of ${listed.join(', ')} (x-error-codes of ${op!.operationId} ${res.status})`, code, entry.provenance);
    return pass();
  },
};

export const errorExtraFields: Check = {
  name: 'error_extra_fields',
  family: 'errors',
  description: 'the error object carries every field the catalogue lists for its code (path, required, balance, …)',
  run(_op, _req, res, ctx) {
    if (res.status < 400) return undefined;
    const code = errorCode(ctx.profile, res.json);
    const entry = code ? ctx.profile.spec.policy.errors.catalogue[code] : undefined;
    if (!entry?.extra?.length) return undefined;
    const obj = errorObject(ctx.profile, res.json)!;
    const missing = entry.extra.filter((f) => obj[f] === undefined || obj[f] === null);
    return missing.length ? fail(`${code} with ${entry.extra.join(', ')}`, `no ${missing.join(', ')} in ${JSON.stringify(obj).slice(0, 300)}`, entry.provenance) : pass();
  },
};

/** The validation codes an operation may answer with. */
export function validationCodes(profile: ApiProfile, op: Operation | undefined): Set<string> {
  const v = profile.spec.policy.validation;
  const style = op ? profile.validationStyle(op) : v.body;
  return new Set([style.code, style.missingRequired ?? v.body.missingRequired, v.parameters].filter((c): c is string => Boolean(c)));
}

export const validationErrorShape: Check = {
  name: 'validation_error_shape',
  family: 'errors',
  description: "a validation error says where: a dot `path` (style path) or `details` with `loc` (style details)",
  run(op, _req, res, ctx) {
    if (res.status < 400) return undefined;
    const code = errorCode(ctx.profile, res.json);
    if (!code || !validationCodes(ctx.profile, op).has(code)) return undefined;
    const obj = errorObject(ctx.profile, res.json)!;
    const style = op ? ctx.profile.validationStyle(op).style : ctx.profile.spec.policy.validation.body.style;
    if (style === 'path') {
      const path = obj.path;
      return typeof path === 'string' && /^[^.\s]+(\.[^.\s]+)*$/.test(path) ? pass() : fail('a dot path in error.path (scenes.0.duration)', JSON.stringify(path));
    }
    const details = obj.details;
    const ok = Array.isArray(details) && details.length > 0 && details.every((d: any) => Array.isArray(d?.loc) && d.loc.length > 0 && typeof d.msg === 'string');
    return ok ? pass() : fail('error.details: [{loc: [...], msg}] with at least one entry', JSON.stringify(details)?.slice(0, 300) ?? 'none');
  },
};

export const errorChecks: Check[] = [errorEnvelope, errorCodeCatalogued, errorExtraFields, validationErrorShape];
