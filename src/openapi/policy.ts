// The sandbox policy of one API, read from the spec's root `x-sandbox` object (decision 002).
// The whole block is checked against a JSON Schema at start-up (no unknown keys anywhere, so a
// typo fails loudly), then normalised into the typed form the engine and API modules use.
// Nothing here knows any API by name.
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';

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

export type Rounding = 'ceil' | 'round' | 'floor';

/** x-sandbox.credits: what work costs. Which fields apply is the API module's business. */
export interface CreditsPolicy {
  /** duration pricing: credits per second of video, rounded as `rounding` says */
  perSecond?: number;
  rounding: Rounding;
  /** per-part pricing (scenes, narration) and the balance needed to start */
  perScene?: number;
  audio?: number;
  minimumToCreate?: number;
}

export interface SignatureConfig {
  header: string;
  algorithm: 'hmac-sha256';
  encoding: 'hex' | 'base64';
  /** the field of the subscription object holding the secret */
  secretField?: string;
}

/** x-sandbox.webhooks: how deliveries are retried and signed. */
export interface WebhookPolicy {
  retryDelaysSeconds: number[];
  timeoutSeconds: number;
  signature?: SignatureConfig;
}

/** A bounded store of one kind of resource an API module keeps (x-sandbox.bounds.resources.<name>). */
export interface ResourceBound {
  perAccount?: number;
  /** bytes of one account's resources (their JSON) */
  bytesPerAccount?: number;
  total?: number;
  totalBytes?: number;
  /** the error when a bound is reached */
  code: string;
}

/** How much state the sandbox keeps for one API (x-sandbox.bounds). */
export interface StoreBounds {
  /** provisioned accounts kept; beyond, the least recently used one is forgotten with its state (fixtures never) */
  accounts?: number;
  /** finished jobs kept across all accounts (oldest forgotten first, files included) */
  finishedJobs?: number;
  /** bytes of produced files kept across all accounts (oldest finished jobs forgotten first) */
  fileBytes?: number;
  resources: Record<string, ResourceBound>;
}

/** What one render job may ask for at one fidelity (x-sandbox.renderLimits.<fidelity>). */
export interface RenderLimits {
  /** seconds of video */
  maxSeconds?: number;
  /** elements of every kind */
  maxElements?: number;
  /** image, video and audio elements (each is an input FFmpeg opens) */
  maxMediaElements?: number;
  /** (scene backgrounds + visual elements) × output frame pixels: what frame memory grows with */
  maxLayerPixels?: number;
}

/** A hold on the sandbox clock: fixed seconds, or a range [min, max] drawn from per job. */
export type HoldSeconds = number | [number, number];

/** x-sandbox.timing: named profiles of how long each lifecycle state holds (seconds). */
export interface TimingPolicy {
  default: string;
  profiles: Record<string, Record<string, HoldSeconds>>;
}

/** x-sandbox.stages: the lifecycle stages faults can target, the state each runs in, its failure codes. */
export interface StagePolicy {
  state: string;
  /** job error codes the stage fails with; the first is its own (a timeout, a failure of its work) */
  errors: string[];
}

/** x-sandbox.files: produced files are served behind links signed with an expiry. */
export interface FilesPolicy {
  signedUrls?: { ttlSeconds: number; error: string };
}

export interface ApiPolicy {
  id: string;
  routePrefix: string;
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
    /** a request Node's HTTP parser refuses (bad request line or header, headers too large) */
    malformedRequest: string;
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
  /**
   * the active-job cap's error, the job states that count as in progress (if the spec says), and
   * how many jobs may wait for a render slot per key and in all (beyond: the same error)
   */
  concurrency: { code: string; message?: string; activeStates?: string[]; maxQueuedPerKey?: number; maxQueued?: number };
  /** caps on one render job per fidelity, refused with `code` (a 4xx) */
  renderLimits?: { code: string; light?: RenderLimits; full?: RenderLimits };
  bounds: StoreBounds;
  /** largest request body read, in bytes */
  maxBodyBytes: number;
  /** which Content-Types a JSON operation reads as JSON besides application/json and +json */
  jsonBodies: { alsoAccept: string[]; untyped: 'json' | 'refuse' };
  /** what browsers may do: CORS grant on responses; cross-site requests refused with `refusedCode` */
  browsers: { cors: boolean; crossSite: 'allow' | 'refuse'; refusedCode?: string };
  credits?: CreditsPolicy;
  webhooks: WebhookPolicy;
  timing?: TimingPolicy;
  stages?: Record<string, StagePolicy>;
  files?: FilesPolicy;
  /** provenance labels (doc, seed, inferred, …) that x-provenance values must name */
  provenance: Record<string, string>;
}

const codeRef = { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' };
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });
const validationStyle = closed({ code: codeRef, style: { enum: ['path', 'details'] }, missingRequired: codeRef }, ['code', 'style']);

// The shape of x-sandbox. Every object is closed: an unknown or misspelt key is an error.
export const policySchema = closed(
  {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    routePrefix: { type: 'string', pattern: '^/' },
    maxBodyBytes: { type: 'integer', minimum: 1 },
    jsonBodies: closed({
      alsoAccept: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9.+-]+/[a-z0-9.+-]+$' } },
      untyped: { enum: ['json', 'refuse'] },
    }),
    browsers: {
      ...closed({ cors: { type: 'boolean' }, crossSite: { enum: ['allow', 'refuse'] }, refusedCode: codeRef }),
      if: { required: ['crossSite'], properties: { crossSite: { const: 'refuse' } } },
      then: { required: ['refusedCode'] },
    },
    auth: closed(
      {
        header: { type: 'string', minLength: 1 },
        testKeyPattern: { type: 'string', format: 'regex' },
        liveKeyPattern: { type: 'string', format: 'regex' },
        planMarker: { type: 'string', format: 'regex' },
        bearer: closed({ scheme: { type: 'string' }, error: codeRef }, ['scheme', 'error']),
        errors: {
          type: 'object',
          additionalProperties: false,
          required: ['missing', 'invalid'],
          properties: Object.fromEntries(['missing', 'invalid', 'live', 'unknown', 'revoked', 'disabled', 'scope'].map((k) => [k, codeRef])),
        },
        messages: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(['missing', 'invalid', 'live', 'unknown', 'revoked', 'disabled', 'scope', 'token'].map((k) => [k, { type: 'string' }])),
        },
      },
      ['header', 'testKeyPattern', 'errors'],
    ),
    errors: closed(
      {
        requestId: closed({ header: { type: 'string' }, field: { type: 'string' } }, ['header']),
        catalogue: {
          type: 'object',
          propertyNames: codeRef,
          additionalProperties: closed(
            {
              status: { type: 'integer', minimum: 400, maximum: 599 },
              message: { type: 'string' },
              provenance: { type: 'string' },
              extra: { type: 'array', items: { type: 'string' } },
            },
            ['status', 'message'],
          ),
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
        malformedRequest: codeRef,
        internal: codeRef,
      },
      ['catalogue', 'routeNotFound', 'internal'],
    ),
    validation: closed({ invalidJson: codeRef, body: validationStyle, missingRequired: codeRef, parameters: codeRef }, ['invalidJson', 'body']),
    plans: closed(
      {
        default: { type: 'string' },
        catalogue: {
          type: 'object',
          minProperties: 1,
          additionalProperties: closed(
            {
              requestsPerMinute: { type: ['integer', 'null'], minimum: 1 },
              concurrentJobs: { type: ['integer', 'null'], minimum: 1 },
              credits: { type: 'integer', minimum: 0 },
            },
            ['requestsPerMinute', 'concurrentJobs', 'credits'],
          ),
        },
      },
      ['default', 'catalogue'],
    ),
    rateLimit: closed(
      {
        windowSeconds: { type: 'integer', minimum: 1 },
        headers: closed(Object.fromEntries(['limit', 'remaining', 'reset', 'retryAfter'].map((k) => [k, { type: 'string', minLength: 1 }]))),
        exceeded: closed({ code: codeRef, form: { enum: ['coded', 'string'] }, template: { type: 'string' } }),
      },
      ['windowSeconds', 'exceeded'],
    ),
    concurrency: closed(
      {
        code: codeRef,
        message: { type: 'string' },
        activeStates: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        maxQueuedPerKey: { type: 'integer', minimum: 1 },
        maxQueued: { type: 'integer', minimum: 1 },
      },
      ['code'],
    ),
    bounds: closed({
      accounts: { type: 'integer', minimum: 1 },
      finishedJobs: { type: 'integer', minimum: 1 },
      fileBytes: { type: 'integer', minimum: 1 },
      resources: {
        type: 'object',
        additionalProperties: closed(
          {
            perAccount: { type: 'integer', minimum: 1 },
            bytesPerAccount: { type: 'integer', minimum: 1 },
            total: { type: 'integer', minimum: 1 },
            totalBytes: { type: 'integer', minimum: 1 },
            code: codeRef,
          },
          ['code'],
        ),
      },
    }),
    renderLimits: closed(
      Object.fromEntries([
        ['code', codeRef],
        ...['light', 'full'].map((f) => [
          f,
          closed({
            maxSeconds: { type: 'number', exclusiveMinimum: 0 },
            maxElements: { type: 'integer', minimum: 1 },
            maxMediaElements: { type: 'integer', minimum: 0 },
            maxLayerPixels: { type: 'integer', minimum: 1 },
          }),
        ]),
      ]),
      ['code'],
    ),
    credits: {
      ...closed({
        perSecond: { type: 'number', minimum: 0 },
        rounding: { enum: ['ceil', 'round', 'floor'] },
        perScene: { type: 'integer', minimum: 0 },
        audio: { type: 'integer', minimum: 0 },
        minimumToCreate: { type: 'integer', minimum: 0 },
      }),
      dependentRequired: { rounding: ['perSecond'] },
      minProperties: 1,
    },
    webhooks: closed({
      retryDelaysSeconds: { type: 'array', items: { type: 'number', minimum: 0 } },
      timeoutSeconds: { type: 'number', exclusiveMinimum: 0 },
      signature: closed(
        {
          header: { type: 'string', minLength: 1 },
          algorithm: { enum: ['hmac-sha256'] },
          encoding: { enum: ['hex', 'base64'] },
          secretField: { type: 'string' },
        },
        ['header', 'algorithm'],
      ),
    }),
    timing: closed(
      {
        default: { type: 'string', minLength: 1 },
        profiles: {
          type: 'object',
          minProperties: 1,
          additionalProperties: {
            type: 'object',
            additionalProperties: {
              oneOf: [
                { type: 'number', minimum: 0 },
                { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number', minimum: 0 } },
              ],
            },
          },
        },
      },
      ['default', 'profiles'],
    ),
    stages: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9_-]*$' },
      additionalProperties: closed({ state: { type: 'string', minLength: 1 }, errors: { type: 'array', minItems: 1, items: codeRef } }, ['state', 'errors']),
    },
    files: closed({ signedUrls: closed({ ttlSeconds: { type: 'integer', minimum: 1 }, error: codeRef }, ['ttlSeconds', 'error']) }),
    provenance: { type: 'object', additionalProperties: { type: 'string' } },
  },
  ['id', 'routePrefix', 'auth', 'errors', 'validation', 'plans', 'rateLimit'],
);

/** x-sandbox-validation on an operation: the body validation style it uses instead of the API's. */
export const operationValidationSchema = validationStyle;

// validateSchema: false — the schema is ours and fixed (test/openapi/policy.test.ts checks it
// against the meta-schema); compiling the 2020-12 meta-schema here was half of start-up's CPU.
// optimize: false — the check runs once per spec, so optimising its code costs more than it saves.
// Compiled on first use: a start whose x-sandbox blocks passed before skips it (start-cache.ts).
let compiled: ValidateFunction | undefined;
function policyCheck(): ValidateFunction {
  if (compiled) return compiled;
  const ajv: Ajv2020 = createAjv({ allErrors: true, strict: false, validateSchema: false, code: { optimize: false } });
  ajv.addFormat('regex', { validate: (s: string) => { try { new RegExp(s); return true; } catch { return false; } } });
  return (compiled = ajv.compile(policySchema));
}
const checkPolicy = (raw: unknown): boolean => policyCheck()(raw);

export class SpecError extends Error {
  override name = 'SpecError';
}

/** One schema problem in words that name the key: the misspelt one, or the values allowed. */
export function describeProblem(e: ErrorObject, root = 'x-sandbox'): string {
  const at = `${root}${e.instancePath.replaceAll('/', '.')}`;
  const params = e.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (e.keyword === 'additionalProperties' && params.additionalProperty) return `${at}.${params.additionalProperty} is not a known key (a typo?)`;
  if (e.keyword === 'enum' && params.allowedValues) return `${at} must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at} ${e.message}`;
}

/**
 * Read and check `x-sandbox`; throws SpecError naming every problem. `passes` may answer the
 * schema check from an earlier start (start-cache.ts); it runs the check itself when it cannot.
 */
export function readPolicy(raw: unknown, where: string, passes: (schema: object, value: unknown, check: () => boolean) => boolean = (_s, _v, check) => check()): ApiPolicy {
  if (!passes(policySchema, raw, () => checkPolicy(raw))) {
    checkPolicy(raw);
    const problems = (compiled!.errors ?? []).map((e) => describeProblem(e));
    throw new SpecError(`${where}: invalid x-sandbox block:\n  ${problems.join('\n  ')}`);
  }
  const x = raw as Record<string, any>;
  const catalogue: Record<string, CatalogueEntry> = x.errors.catalogue;
  const validationBody = x.validation.body;
  const policy: ApiPolicy = {
    id: x.id,
    routePrefix: x.routePrefix.replace(/\/+$/, '') || '/',
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
      malformedRequest: x.errors.malformedRequest ?? x.validation.invalidJson,
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
    jsonBodies: { alsoAccept: x.jsonBodies?.alsoAccept ?? [], untyped: x.jsonBodies?.untyped ?? 'refuse' },
    browsers: { cors: x.browsers?.cors ?? true, crossSite: x.browsers?.crossSite ?? 'allow', refusedCode: x.browsers?.refusedCode },
    credits: x.credits ? { ...x.credits, rounding: x.credits.rounding ?? 'ceil' } : undefined,
    renderLimits: x.renderLimits,
    bounds: { accounts: x.bounds?.accounts, finishedJobs: x.bounds?.finishedJobs, fileBytes: x.bounds?.fileBytes, resources: x.bounds?.resources ?? {} },
    webhooks: {
      retryDelaysSeconds: x.webhooks?.retryDelaysSeconds ?? [],
      timeoutSeconds: x.webhooks?.timeoutSeconds ?? 10,
      signature: x.webhooks?.signature ? { encoding: 'hex', ...x.webhooks.signature } : undefined,
    },
    timing: x.timing,
    stages: x.stages,
    files: x.files,
    provenance: x.provenance ?? {},
  };
  if (!policy.plans.catalogue[policy.plans.default]) {
    throw new SpecError(`${where}: x-sandbox.plans.default "${policy.plans.default}" is not in plans.catalogue`);
  }
  if (policy.timing) {
    const { profiles } = policy.timing;
    if (!profiles[policy.timing.default]) throw new SpecError(`${where}: x-sandbox.timing.default "${policy.timing.default}" is not in timing.profiles`);
    for (const [name, holds] of Object.entries(profiles)) {
      for (const [state, hold] of Object.entries(holds)) {
        if (Array.isArray(hold) && hold[0] > hold[1]) throw new SpecError(`${where}: x-sandbox.timing.profiles.${name}.${state}: the range [${hold.join(', ')}] ends before it starts`);
      }
    }
  }
  // Every code the engine may emit must be in the catalogue: that is what keeps responses documented.
  const used = [
    ...Object.values(policy.auth.errors),
    policy.errors.routeNotFound, policy.errors.methodNotAllowed, policy.errors.payloadTooLarge,
    policy.errors.unsupportedMediaType, policy.errors.malformedRequest, policy.errors.internal, policy.validation.invalidJson,
    policy.validation.body.code, policy.validation.body.missingRequired, policy.validation.parameters,
    policy.rateLimit.exceeded.code, policy.concurrency.code, policy.browsers.refusedCode, policy.renderLimits?.code,
    policy.files?.signedUrls?.error,
    ...Object.values(policy.bounds.resources).map((r) => r.code),
  ].filter((c): c is string => typeof c === 'string');
  const missing = [...new Set(used)].filter((c) => !catalogue[c]);
  if (missing.length) throw new SpecError(`${where}: codes used by x-sandbox but missing from errors.catalogue: ${missing.join(', ')}`);
  return policy;
}
