// Checks on how input is handled, each for the kind of case built to provoke it: valid data
// accepted, one-constraint-broken data rejected with the right code and location, auth enforced,
// malformed JSON rejected, undocumented methods answered 405 with a correct Allow, unknown ids 404,
// injected catalogue errors answered as documented.
import { errorCode, errorObject } from '../profile.ts';
import { fail, pass, type Check } from '../types.ts';
import { validationCodes } from './errors.ts';

const describe = (status: number, code: string | undefined, text: string) => `${status}${code ? ` ${code}` : ''}${code ? '' : ` ${text.slice(0, 200)}`}`;

export const positiveAccepted: Check = {
  name: 'positive_data_acceptance',
  family: 'input',
  description: 'documented examples and generated valid data are not rejected as invalid',
  run(op, _req, res, ctx) {
    if (ctx.meta.kind !== 'positive' || res.status === 0) return undefined;
    if (res.status >= 200 && res.status < 300) return pass();
    const code = errorCode(ctx.profile, res.json);
    // State or business answers (unknown id, conflict, no credits, limits) are not about validity.
    if ([402, 403, 404, 409, 429].includes(res.status) && (!code || !validationCodes(ctx.profile, op).has(code))) return pass();
    return fail(`a 2xx for schema-valid ${ctx.meta.source} data (${ctx.meta.label})`, describe(res.status, code, res.text));
  },
};

export const negativeRejected: Check = {
  name: 'negative_data_rejection',
  family: 'input',
  description: 'data breaking one schema constraint is rejected with the validation status and code',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'negative' || res.status === 0) return undefined;
    const want = ctx.meta.expectCode;
    const status = ctx.profile.spec.policy.errors.catalogue[want]?.status;
    const code = errorCode(ctx.profile, res.json);
    if (res.status === status && code === want) return pass();
    return fail(`${status} ${want} for ${ctx.meta.label}`, describe(res.status, code, res.text));
  },
};

export const validationLocation: Check = {
  name: 'validation_error_location',
  family: 'input',
  description: 'the validation error points at the field that was broken (dot path, or details[].loc)',
  run(op, _req, res, ctx) {
    if (ctx.meta.kind !== 'negative' || res.status < 400) return undefined;
    const obj = errorObject(ctx.profile, res.json);
    if (!obj || errorCode(ctx.profile, res.json) !== ctx.meta.expectCode) return undefined;
    const style = op ? ctx.profile.validationStyle(op).style : 'path';
    const { at, location } = ctx.meta;
    if (style === 'path') {
      const want = at.join('.');
      return obj.path === want ? pass() : fail(`error.path "${want}" (${ctx.meta.label})`, `error.path ${JSON.stringify(obj.path)}`);
    }
    const want = JSON.stringify([location, ...at]);
    const locs = Array.isArray(obj.details) ? obj.details.map((d: any) => JSON.stringify(d?.loc)) : [];
    return locs.includes(want) ? pass() : fail(`a detail with loc ${want} (${ctx.meta.label})`, `loc ${locs.join(', ') || 'none'}`);
  },
};

export const authEnforced: Check = {
  name: 'auth_enforced',
  family: 'input',
  description: 'a missing, malformed, live, foreign or revoked key is refused with 401 and the auth code',
  run(op, _req, res, ctx) {
    if (ctx.meta.kind !== 'auth' || res.status === 0) return undefined;
    const errors = ctx.profile.spec.policy.auth.errors;
    const failure = { missing: 'missing', malformed: 'invalid', live: 'live', foreign: 'invalid', revoked: 'revoked' } as const;
    const wanted = new Set([errors[failure[ctx.meta.variant]], ...(ctx.meta.variant === 'foreign' ? [errors.unknown] : [])]);
    const statuses = new Set([...wanted].map((c) => ctx.profile.spec.policy.errors.catalogue[c]?.status));
    const code = errorCode(ctx.profile, res.json);
    if (statuses.has(res.status) && code !== undefined && wanted.has(code)) return pass();
    void op;
    return fail(`${[...statuses].join('/')} ${[...wanted].join(' or ')} for ${ctx.meta.label}`, describe(res.status, code, res.text));
  },
};

export const malformedJsonRejected: Check = {
  name: 'malformed_json_rejected',
  family: 'input',
  description: 'a body that is not JSON gets the invalid-JSON code',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'malformed-json' || res.status === 0) return undefined;
    const want = ctx.profile.spec.policy.validation.invalidJson;
    const status = ctx.profile.spec.policy.errors.catalogue[want]?.status;
    const code = errorCode(ctx.profile, res.json);
    return res.status === status && code === want ? pass() : fail(`${status} ${want}`, describe(res.status, code, res.text));
  },
};

export const badBodyRejected: Check = {
  name: 'body_format_rejected',
  family: 'input',
  description: 'a body of an unaccepted media type, or larger than the API takes, is refused with the code the spec names',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'bad-body' || res.status === 0) return undefined;
    const want = ctx.meta.expectCode;
    const status = ctx.profile.spec.policy.errors.catalogue[want]?.status;
    const code = errorCode(ctx.profile, res.json);
    // A size limit may also be enforced by closing the connection; the status is what a client sees.
    const statusOk = res.status === status || (ctx.meta.problem === 'too-large' && res.status === 413);
    return statusOk && code === want ? pass() : fail(`${status} ${want} (${ctx.meta.label})`, describe(res.status, code, res.text));
  },
};

export const unknownRouteNotFound: Check = {
  name: 'unknown_route_not_found',
  family: 'input',
  description: "a path the API does not serve is 404 with the API's route-not-found code",
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'unknown-route' || res.status === 0) return undefined;
    const want = ctx.profile.spec.policy.errors.routeNotFound;
    const code = errorCode(ctx.profile, res.json);
    return res.status === 404 && code === want ? pass() : fail(`404 ${want}`, describe(res.status, code, res.text));
  },
};

export const methodNotAllowed: Check = {
  name: 'method_not_allowed',
  family: 'input',
  description: 'an undocumented method on a documented path is 405 with the API code',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'method' || res.status === 0) return undefined;
    const want = ctx.profile.spec.policy.errors.methodNotAllowed;
    const code = errorCode(ctx.profile, res.json);
    return res.status === 405 && code === want ? pass() : fail(`405 ${want}`, describe(res.status, code, res.text));
  },
};

export const allowHeader: Check = {
  name: 'allow_header',
  family: 'input',
  description: 'a 405 lists exactly the documented methods of the path in Allow',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'method' || res.status !== 405) return undefined;
    const raw = res.headers.allow;
    if (!raw) return fail(`Allow: ${ctx.meta.allow.join(', ')}`, 'no Allow header');
    // HEAD (with GET) and OPTIONS are implied by HTTP; the documented methods must match exactly.
    const norm = (list: string[]) => [...new Set(list.map((m) => m.trim().toUpperCase()).filter((m) => m && m !== 'HEAD' && m !== 'OPTIONS'))].sort();
    const got = norm(raw.split(','));
    const want = norm(ctx.meta.allow);
    return JSON.stringify(got) === JSON.stringify(want) ? pass() : fail(`Allow: ${want.join(', ')}`, `Allow: ${raw}`);
  },
};

export const unknownIdNotFound: Check = {
  name: 'unknown_id_not_found',
  family: 'input',
  description: 'a well-formed id that names nothing is 404 with a documented code',
  run(op, _req, res, ctx) {
    if (ctx.meta.kind !== 'unknown-id' || res.status === 0) return undefined;
    const code = errorCode(ctx.profile, res.json);
    const listed = op ? ctx.profile.errorCodesFor(op, 404) : undefined;
    if (res.status === 404 && (!listed || (code !== undefined && listed.includes(code)))) return pass();
    return fail(`404${listed ? ` ${listed.join(' or ')}` : ''} for ${ctx.meta.label}`, describe(res.status, code, res.text));
  },
};

export const injectedErrorDocumented: Check = {
  name: 'injected_error_as_documented',
  family: 'input',
  description: 'a catalogue error asked for by fault injection comes with its catalogue status and code (sandbox only)',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'catalogue' || res.status === 0) return undefined;
    const status = ctx.profile.spec.policy.errors.catalogue[ctx.meta.code]?.status;
    const code = errorCode(ctx.profile, res.json);
    return res.status === status && code === ctx.meta.code ? pass() : fail(`${status} ${ctx.meta.code}`, describe(res.status, code, res.text));
  },
};

export const inputChecks: Check[] = [
  positiveAccepted,
  negativeRejected,
  validationLocation,
  authEnforced,
  malformedJsonRejected,
  badBodyRejected,
  unknownRouteNotFound,
  methodNotAllowed,
  allowHeader,
  unknownIdNotFound,
  injectedErrorDocumented,
];
