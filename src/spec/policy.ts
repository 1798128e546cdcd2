// The sandbox policy of one API, read from the spec's root `x-sandbox` object (decision 002).
// The block is checked against a JSON Schema at start-up so that a typo fails loudly, then
// normalised into the typed form the engine uses. Nothing here knows any API by name.
import { Ajv2020 } from 'ajv/dist/2020.js';

export type AuthFailure = 'missing' | 'invalid' | 'live' | 'unknown' | 'revoked' | 'disabled' | 'scope' | 'token';

export interface CatalogueEntry {
  status: number;
  message: string;
  provenance?: string;
  extra?: string[];
}

export interface PlanLimits {
  requestsPerMinute: number | null;
  concurrentJobs: number | null;
  credits: number;
  [key: string]: unknown;
}

export interface ValidationStyle {
  code: string;
  style: 'path' | 'details';
  missingRequired?: string;
}

export interface ApiPolicy {
  id: string;
  routePrefix: string;
  /** a control API (the sandbox's own /__sandbox): always served, never faulted, owns no keys */
  control: boolean;
  auth: {
    header: string;
    testKeyPattern: RegExp;
    liveKeyPattern?: RegExp;
    planMarker?: RegExp;
    bearer?: { scheme: string; error: string };
    errors: Record<AuthFailure, string>;
    messages: Partial<Record<AuthFailure, string>>;
  };
  errors: {
    /** headerLower: the header name as Node presents incoming headers */
    requestId: { header: string; headerLower: string; field?: string };
    catalogue: Record<string, CatalogueEntry>;
    /** where an error body keeps its code and message: a JSON pointer to the error object, then field names */
    envelope?: { root: string; code: string; message: string };
    routeNotFound: string;
    methodNotAllowed: string;
    payloadTooLarge: string;
    unsupportedMediaType: string;
    internal: string;
  };
  validation: {
    invalidJson: string;
    body: ValidationStyle;
    parameters: string;
  };
  plans: { default: string; catalogue: Record<string, PlanLimits> };
  rateLimit: {
    windowSeconds: number;
    headers: { limit: string; remaining: string; reset: string; retryAfter: string };
    exceeded: { code?: string; form?: 'coded' | 'string'; template?: string };
  };
  concurrency: { code: string; message?: string };
  /** largest request body read, in bytes */
  maxBodyBytes: number;
  /** Everything else in x-sandbox (credits, webhooks, …) for the API module to read. */
  raw: Record<string, unknown>;
}

const codeRef = { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' };

// The shape of x-sandbox. Unknown top-level keys are allowed (API modules read their own, e.g.
// `credits`, `webhooks`), but the keys the engine reads are checked strictly.
const policySchema = {
  type: 'object',
  required: ['id', 'routePrefix', 'auth', 'errors', 'validation', 'plans', 'rateLimit'],
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    routePrefix: { type: 'string', pattern: '^/' },
    control: { type: 'boolean' },
    auth: {
      type: 'object',
      required: ['header', 'testKeyPattern', 'errors'],
      additionalProperties: false,
      properties: {
        header: { type: 'string', minLength: 1 },
        testKeyPattern: { type: 'string', format: 'regex' },
        liveKeyPattern: { type: 'string', format: 'regex' },
        planMarker: { type: 'string', format: 'regex' },
        bearer: {
          type: 'object',
          required: ['scheme', 'error'],
          properties: { scheme: { type: 'string' }, error: codeRef },
        },
        errors: { type: 'object', additionalProperties: codeRef, required: ['missing', 'invalid'] },
        messages: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    errors: {
      type: 'object',
      required: ['catalogue', 'routeNotFound', 'internal'],
      properties: {
        requestId: {
          type: 'object',
          required: ['header'],
          properties: { header: { type: 'string' }, field: { type: 'string' } },
        },
        catalogue: {
          type: 'object',
          propertyNames: codeRef,
          additionalProperties: {
            type: 'object',
            required: ['status', 'message'],
            properties: {
              status: { type: 'integer', minimum: 400, maximum: 599 },
              message: { type: 'string' },
              provenance: { type: 'string' },
              extra: { type: 'array', items: { type: 'string' } },
            },
          },
        },
        envelope: {
          type: 'object',
          required: ['root', 'code', 'message'],
          additionalProperties: false,
          properties: { root: { type: 'string', pattern: '^(/[^/]+)*$' }, code: { type: 'string' }, message: { type: 'string' } },
        },
        routeNotFound: codeRef,
        methodNotAllowed: codeRef,
        payloadTooLarge: codeRef,
        unsupportedMediaType: codeRef,
        internal: codeRef,
      },
    },
    validation: {
      type: 'object',
      required: ['invalidJson', 'body'],
      properties: {
        invalidJson: codeRef,
        body: {
          type: 'object',
          required: ['code', 'style'],
          properties: { code: codeRef, style: { enum: ['path', 'details'] }, missingRequired: codeRef },
        },
        missingRequired: codeRef,
        parameters: codeRef,
      },
    },
    plans: {
      type: 'object',
      required: ['default', 'catalogue'],
      properties: {
        default: { type: 'string' },
        catalogue: {
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            required: ['requestsPerMinute', 'concurrentJobs', 'credits'],
            properties: {
              requestsPerMinute: { type: ['integer', 'null'], minimum: 1 },
              concurrentJobs: { type: ['integer', 'null'], minimum: 1 },
              credits: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
    },
    rateLimit: {
      type: 'object',
      required: ['windowSeconds', 'exceeded'],
      properties: {
        windowSeconds: { type: 'integer', minimum: 1 },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        exceeded: {
          type: 'object',
          properties: { code: codeRef, form: { enum: ['coded', 'string'] }, template: { type: 'string' } },
        },
      },
    },
    maxBodyBytes: { type: 'integer', minimum: 1 },
    concurrency: {
      type: 'object',
      required: ['code'],
      properties: { code: codeRef, message: { type: 'string' } },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('regex', { validate: (s: string) => { try { new RegExp(s); return true; } catch { return false; } } });
const checkPolicy = ajv.compile(policySchema);

export class SpecError extends Error {
  override name = 'SpecError';
}

/** Read and check `x-sandbox`; throws SpecError naming every problem. */
export function readPolicy(raw: unknown, where: string): ApiPolicy {
  if (!checkPolicy(raw)) {
    const problems = (checkPolicy.errors ?? []).map((e) => `x-sandbox${e.instancePath.replaceAll('/', '.')} ${e.message}`);
    throw new SpecError(`${where}: invalid x-sandbox block:\n  ${problems.join('\n  ')}`);
  }
  const x = raw as Record<string, any>;
  const catalogue: Record<string, CatalogueEntry> = x.errors.catalogue;
  const validationBody = x.validation.body;
  const policy: ApiPolicy = {
    id: x.id,
    routePrefix: x.routePrefix.replace(/\/+$/, '') || '/',
    control: x.control === true,
    auth: {
      header: String(x.auth.header).toLowerCase(),
      testKeyPattern: new RegExp(x.auth.testKeyPattern),
      liveKeyPattern: x.auth.liveKeyPattern ? new RegExp(x.auth.liveKeyPattern) : undefined,
      planMarker: x.auth.planMarker ? new RegExp(x.auth.planMarker) : undefined,
      bearer: x.auth.bearer,
      errors: {
        missing: x.auth.errors.missing,
        invalid: x.auth.errors.invalid,
        live: x.auth.errors.live ?? x.auth.errors.invalid,
        unknown: x.auth.errors.unknown ?? x.auth.errors.invalid,
        revoked: x.auth.errors.revoked ?? x.auth.errors.invalid,
        disabled: x.auth.errors.disabled ?? x.auth.errors.revoked ?? x.auth.errors.invalid,
        scope: x.auth.errors.scope ?? 'FORBIDDEN',
        token: x.auth.bearer?.error ?? x.auth.errors.invalid,
      },
      messages: x.auth.messages ?? {},
    },
    errors: {
      requestId: {
        header: x.errors.requestId?.header ?? 'X-Request-ID',
        headerLower: (x.errors.requestId?.header ?? 'X-Request-ID').toLowerCase(),
        field: x.errors.requestId?.field,
      },
      catalogue,
      envelope: x.errors.envelope,
      routeNotFound: x.errors.routeNotFound,
      methodNotAllowed: x.errors.methodNotAllowed ?? x.errors.routeNotFound,
      payloadTooLarge: x.errors.payloadTooLarge ?? x.validation.invalidJson,
      unsupportedMediaType: x.errors.unsupportedMediaType ?? x.validation.invalidJson,
      internal: x.errors.internal,
    },
    validation: {
      invalidJson: x.validation.invalidJson,
      body: {
        code: validationBody.code,
        style: validationBody.style,
        missingRequired: validationBody.missingRequired ?? x.validation.missingRequired,
      },
      parameters: x.validation.parameters ?? validationBody.code,
    },
    plans: x.plans,
    rateLimit: {
      windowSeconds: x.rateLimit.windowSeconds,
      headers: {
        limit: x.rateLimit.headers?.limit ?? 'X-RateLimit-Limit',
        remaining: x.rateLimit.headers?.remaining ?? 'X-RateLimit-Remaining',
        reset: x.rateLimit.headers?.reset ?? 'X-RateLimit-Reset',
        retryAfter: x.rateLimit.headers?.retryAfter ?? 'Retry-After',
      },
      exceeded: x.rateLimit.exceeded,
    },
    concurrency: x.concurrency ?? { code: x.rateLimit.exceeded.code ?? x.errors.internal },
    maxBodyBytes: x.maxBodyBytes ?? 1024 * 1024,
    raw: x,
  };
  if (!policy.plans.catalogue[policy.plans.default]) {
    throw new SpecError(`${where}: x-sandbox.plans.default "${policy.plans.default}" is not in plans.catalogue`);
  }
  // Every code the engine may emit must be in the catalogue: that is what keeps responses documented.
  const used = [
    ...Object.values(policy.auth.errors),
    policy.errors.routeNotFound, policy.errors.methodNotAllowed, policy.errors.payloadTooLarge,
    policy.errors.unsupportedMediaType, policy.errors.internal, policy.validation.invalidJson,
    policy.validation.body.code, policy.validation.body.missingRequired, policy.validation.parameters,
    policy.rateLimit.exceeded.code, policy.concurrency.code,
  ].filter((c): c is string => typeof c === 'string');
  const missing = [...new Set(used)].filter((c) => !catalogue[c]);
  if (missing.length) throw new SpecError(`${where}: codes used by x-sandbox but missing from errors.catalogue: ${missing.join(', ')}`);
  return policy;
}

// Operation-level extensions read by the contract checks (decision 030), checked like x-sandbox.
const pointer = { type: 'string', pattern: '^(/[^/]+)*$' };
const operationExtensionSchemas: Record<string, object> = {
  'x-sandbox-balance': pointer,
  'x-sandbox-pagination': {
    type: 'object',
    required: ['items', 'limit'],
    additionalProperties: false,
    properties: {
      items: pointer,
      limit: { type: 'string', minLength: 1 },
      cursor: { type: 'object', required: ['param', 'next'], additionalProperties: false, properties: { param: { type: 'string' }, next: pointer } },
      offset: { type: 'object', required: ['param'], additionalProperties: false, properties: { param: { type: 'string' }, total: pointer } },
      filters: { type: 'object', additionalProperties: pointer },
    },
  },
  'x-sandbox-job': {
    type: 'object',
    required: ['read', 'status', 'success', 'failure'],
    additionalProperties: false,
    properties: {
      read: { type: 'string', minLength: 1 },
      status: pointer,
      success: { type: 'array', minItems: 1, items: { type: 'string' } },
      failure: { type: 'array', items: { type: 'string' } },
      error: pointer,
      video: pointer,
      thumbnail: pointer,
      duration: pointer,
      requestedDuration: { type: 'string', pattern: '^(/([^/]+|\\*))+$' },
      frame: { type: 'object', required: ['width', 'height'], additionalProperties: false, properties: { width: pointer, height: pointer } },
      aspectRatio: pointer,
      ranges: { type: 'boolean' },
      requestedAspectRatio: pointer,
      cost: { type: 'object', additionalProperties: false, properties: { estimate: pointer, remaining: pointer, used: pointer } },
      fault: { type: 'object', required: ['stage', 'code'], additionalProperties: false, properties: { stage: { type: 'string' }, code: codeRef } },
      actions: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      webhook: {
        type: 'object',
        additionalProperties: false,
        properties: {
          requestField: pointer,
          subscribe: { type: 'string', minLength: 1 },
          urlField: pointer,
          eventField: pointer,
          event: { type: 'string' },
          secretField: pointer,
        },
      },
    },
  },
};
const operationExtensionChecks = Object.fromEntries(Object.entries(operationExtensionSchemas).map(([k, schema]) => [k, ajv.compile(schema)]));

/** Problems with an operation's own x-sandbox-* extensions (contract-check declarations). */
export function operationExtensionProblems(operationId: string, op: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, check] of Object.entries(operationExtensionChecks)) {
    if (op[key] === undefined || check(op[key])) continue;
    for (const e of check.errors ?? []) problems.push(`${operationId}: ${key}${e.instancePath.replaceAll('/', '.')} ${e.message}`);
  }
  return problems;
}
