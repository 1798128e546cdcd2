// Checks on every response of the API: it arrived, no 5xx unless asked for, a documented status,
// a documented Content-Type, a body matching the documented schema, the declared headers, the
// rate-limit trio, Retry-After on 429, the request id.
import { deref } from '../../openapi/refs.ts';
import { errorObject } from '../profile.ts';
import { schemaBookOf, schemaProvenance } from '../spec-schemas.ts';
import { fail, pass, type Check } from '../types.ts';

/** A Content-Type's media type, parameters dropped, lower-cased. */
export const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();

export const responseReceived: Check = {
  name: 'response_received',
  family: 'response',
  description: 'the server answered with an HTTP response (no reset, hang-up or timeout)',
  run: (_op, _req, res) => (res.status === 0 ? fail('an HTTP response', res.text) : pass()),
};

export const noServerError: Check = {
  name: 'not_a_server_error',
  family: 'response',
  description: 'no 5xx unless the case asked for one',
  run(_op, _req, res, ctx) {
    if (res.status === 0 || ctx.serverErrorExpected) return undefined;
    return res.status >= 500 ? fail('a status below 500 (nothing here asked for a server error)', `${res.status} ${res.text.slice(0, 300)}`) : pass();
  },
};

export const statusDocumented: Check = {
  name: 'status_code_documented',
  family: 'response',
  description: 'the status is one the operation documents',
  run(op, _req, res, ctx) {
    if (!op || res.status === 0) return undefined;
    if (ctx.profile.responseFor(op, res.status)) return pass();
    return fail(`one of ${ctx.profile.documentedStatuses(op).join(', ')}`, `${res.status}`, ctx.profile.provenanceOf(op));
  },
};

export const contentTypeDocumented: Check = {
  name: 'content_type_documented',
  family: 'response',
  description: 'Content-Type is present and one the response documents (no body where none is documented)',
  run(op, _req, res, ctx) {
    if (!op || res.status === 0) return undefined;
    const documented = ctx.profile.responseFor(op, res.status);
    if (!documented) return undefined;
    const types = Object.keys(documented.response?.content ?? {}).map((t) => t.toLowerCase());
    const ct = res.headers['content-type'];
    if (!types.length) return res.text.length === 0 ? pass() : fail(`no body (${documented.key} documents none)`, `${res.text.length} bytes of ${ct ?? 'no Content-Type'}`);
    if (ct === undefined) return fail(`Content-Type ${types.join(' or ')}`, 'no Content-Type header');
    const got = mediaType(ct);
    const ok = types.some((t) => t === got || (t.endsWith('/*') && got.startsWith(t.slice(0, -1))) || t === '*/*');
    return ok ? pass() : fail(`Content-Type ${types.join(' or ')}`, `Content-Type: ${ct}`);
  },
};

export const bodyMatchesSchema: Check = {
  name: 'response_schema_conformance',
  family: 'response',
  description: 'the body matches the schema documented for its status and media type',
  run(op, _req, res, ctx) {
    if (!op || res.status === 0) return undefined;
    const documented = ctx.profile.responseFor(op, res.status);
    const content = documented?.response?.content ?? {};
    const jsonType = Object.keys(content).find((t) => /json/i.test(t));
    const schema = jsonType ? content[jsonType]?.schema : undefined;
    if (!schema) return undefined;
    if (res.json === undefined) return fail(`a JSON body matching the ${documented!.key} schema`, res.text ? `unparseable body: ${res.text.slice(0, 200)}` : 'an empty body');
    const problems = schemaBookOf(ctx.profile).problems(schema, res.json);
    if (!problems.length) return pass();
    const where = problems[0]!.path;
    return fail(`a body matching the ${documented!.key} schema`, problems.slice(0, 4).map((p) => p.message).join('; '), schemaProvenance(ctx.profile, schema, where) ?? ctx.profile.provenanceOf(op));
  },
};

function headerValue(schema: any, raw: string): unknown {
  const t = Array.isArray(schema?.type) ? schema.type : [schema?.type];
  if ((t.includes('integer') || t.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  return raw;
}

export const headersConform: Check = {
  name: 'response_headers_conformance',
  family: 'response',
  description: 'every header the response declares as required is present and matches its schema',
  run(op, _req, res, ctx) {
    if (!op || res.status === 0) return undefined;
    const documented = ctx.profile.responseFor(op, res.status);
    const headers = Object.entries<any>(documented?.response?.headers ?? {});
    if (!headers.length) return undefined;
    const problems: string[] = [];
    for (const [name, ref] of headers) {
      const h = deref(ctx.profile.doc, ref);
      const raw = res.headers[name.toLowerCase()];
      if (raw === undefined) {
        if (h?.required) problems.push(`${name} missing`);
        continue;
      }
      if (h?.schema) {
        const p = schemaBookOf(ctx.profile).problems(h.schema, headerValue(deref(ctx.profile.doc, h.schema), raw));
        if (p.length) problems.push(`${name}: ${JSON.stringify(raw)} ${p[0]!.message.replace('(root) ', '')}`);
      }
    }
    return problems.length ? fail(`the ${documented!.key} response's declared headers`, problems.join('; ')) : pass();
  },
};

const intHeader = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined);

export const rateLimitHeaders: Check = {
  name: 'rate_limit_headers',
  family: 'response',
  description: 'Limit a positive integer, Remaining within 0..Limit and never rising inside a window, Reset a plausible Unix time',
  run(_op, _req, res, ctx) {
    if (res.status === 0) return undefined;
    const names = ctx.profile.spec.policy.rateLimit.headers;
    const raw = { limit: res.headers[names.limit.toLowerCase()], remaining: res.headers[names.remaining.toLowerCase()], reset: res.headers[names.reset.toLowerCase()] };
    const missing = Object.entries(raw).filter(([, v]) => v === undefined).map(([k]) => names[k as keyof typeof names]);
    if (missing.length) return fail(`${names.limit}, ${names.remaining} and ${names.reset} on every response`, `missing ${missing.join(', ')}`);
    const limit = intHeader(raw.limit);
    const remaining = intHeader(raw.remaining);
    const reset = intHeader(raw.reset);
    const got = `${names.limit}: ${raw.limit}, ${names.remaining}: ${raw.remaining}, ${names.reset}: ${raw.reset}`;
    if (limit === undefined || limit < 1) return fail(`${names.limit} a positive integer`, got);
    if (remaining === undefined || remaining > limit) return fail(`${names.remaining} an integer within 0..${names.limit}`, got);
    const nowS = Date.now() / 1000;
    if (reset === undefined || reset < 1_420_000_000 || reset > nowS + 400 * 86400) return fail(`${names.reset} a Unix time (seconds) near now`, got);
    // A window ends in the future (a little clock skew aside).
    if (reset < nowS - 120) return fail(`${names.reset} the end of the current window, not a time past`, `${got} (now ${Math.floor(nowS)})`);
    const prev = ctx.previousRate;
    if (prev && prev.limit === limit && prev.reset === reset && remaining > prev.remaining) {
      return fail(`${names.remaining} not rising inside one window (was ${prev.remaining} with the same ${names.reset})`, got);
    }
    return pass();
  },
};

export const retryAfterOn429: Check = {
  name: 'retry_after_on_429',
  family: 'response',
  description: 'every 429 says when to retry: Retry-After in whole seconds (or an HTTP date)',
  run(_op, _req, res, ctx) {
    if (res.status !== 429) return undefined;
    const name = ctx.profile.spec.policy.rateLimit.headers.retryAfter;
    const v = res.headers[name.toLowerCase()];
    if (v === undefined) return fail(`a ${name} header on the 429`, 'none');
    const n = intHeader(v);
    if (n !== undefined ? n >= 1 && n <= 31 * 86400 : !Number.isNaN(Date.parse(v))) return pass();
    return fail(`${name}: a whole number of seconds ≥ 1 (or an HTTP date)`, `${name}: ${v}`);
  },
};

export const requestId: Check = {
  name: 'request_id',
  family: 'response',
  description: 'the request-id header is on every response, and error bodies repeat it where the spec says',
  run(_op, _req, res, ctx) {
    if (res.status === 0) return undefined;
    const { header, field } = ctx.profile.spec.policy.errors.requestId;
    const id = res.headers[header.toLowerCase()];
    if (!id) return fail(`a ${header} header`, 'none');
    if (field && res.status >= 400) {
      const obj = errorObject(ctx.profile, res.json);
      if (obj && obj[field] !== id) return fail(`error.${field} equal to ${header} (${id})`, `error.${field}: ${JSON.stringify(obj[field])}`);
    }
    return pass();
  },
};

export const responseChecks: Check[] = [
  responseReceived,
  noServerError,
  statusDocumented,
  contentTypeDocumented,
  bodyMatchesSchema,
  headersConform,
  rateLimitHeaders,
  retryAfterOn429,
  requestId,
];

