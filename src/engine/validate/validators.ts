// Request validation, compiled once per operation at start-up: one validator per parameter
// location (path, query, header) and one for the body, all reading the spec's own schemas.
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from '../../openapi/ajv.ts';
import { deref } from '../../openapi/refs.ts';
import { withoutMappings } from '../../openapi/discriminators.ts';
import type { ApiSpec } from '../../openapi/load.ts';
import type { Operation, ParameterSpec } from '../../openapi/operations.ts';
import type { ValidationStyle } from '../../openapi/policy.ts';
import { toProblems } from './problems.ts';
import { validationError } from './styles/index.ts';


type Location = 'path' | 'query' | 'header';

export interface RawRequestParts {
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  header: Record<string, string | string[] | undefined>;
}

export interface OperationValidator {
  /** Validates and coerces parameters in place; throws the API's validation error. */
  parameters(parts: RawRequestParts): void;
  /** Validates a parsed JSON body; throws the API's validation error. */
  body(value: unknown): void;
  /** Validates a multipart/form-data body (fields as strings, files as binary strings) against its schema. */
  form(value: Record<string, string>): void;
  /** JSON body expected (false for multipart or bodiless operations) */
  expectsJson: boolean;
  /** the media types the operation accepts */
  mediaTypes: string[];
}

/** Rewrite local refs to point into the registered document, so inline schemas resolve. */
function absolutize(node: unknown, baseId: string): unknown {
  if (Array.isArray(node)) return node.map((n) => absolutize(n, baseId));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? baseId + v : absolutize(v, baseId);
  }
  return out;
}

function makeAjv(doc: object, baseId: string, coerce: boolean): Ajv2020 {
  const ajv = createAjv({
    strict: false,
    allErrors: true,
    verbose: true, // errors carry their schema: discriminator messages list the accepted tags
    discriminator: true,
    validateSchema: false,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: false,
  }, true);
  // Ajv tells branches apart by their own tags and refuses OpenAPI's `mapping` (checked at load).
  ajv.addSchema(withoutMappings(doc) as any, baseId);
  return ajv;
}

function isJsonMediaType(mt: string): boolean {
  return mt === 'application/json' || /\+json$/.test(mt) || mt === '*/*';
}

function styleFor(spec: ApiSpec, op: Operation): ValidationStyle {
  return op.validation ?? spec.policy.validation.body;
}

function locationSchema(params: ParameterSpec[], where: Location): object | undefined {
  const list = params.filter((p) => p.in === where);
  if (!list.length) return undefined;
  const name = (p: ParameterSpec) => (where === 'header' ? p.name.toLowerCase() : p.name);
  return {
    type: 'object',
    properties: Object.fromEntries(list.map((p) => [name(p), p.schema])),
    required: list.filter((p) => p.required).map(name),
  };
}

/**
 * Validators for every operation of a spec. Each is compiled on first use (Ajv code generation is
 * the slowest part of start-up); warm() compiles the rest in the background once the server
 * listens, and the spec tests compile them all, so a bad schema cannot hide until a request.
 */
export { validationError };

export class Validators {
  private readonly compiled = new Map<string, OperationValidator>();
  private readonly responseChecks = new Map<string, ValidateFunction | null>();
  private readonly baseId: string;
  // Built on first use: registering a whole spec with Ajv is a noticeable part of start-up.
  private bodyAjvInstance?: Ajv2020;
  private paramAjvInstance?: Ajv2020;

  constructor(private readonly spec: ApiSpec) {
    this.baseId = `urn:video-api-sandbox:${spec.policy.id}`;
  }

  private get bodyAjv(): Ajv2020 {
    return (this.bodyAjvInstance ??= makeAjv(this.spec.doc, this.baseId, false));
  }

  private get paramAjv(): Ajv2020 {
    return (this.paramAjvInstance ??= makeAjv(this.spec.doc, this.baseId, true));
  }

  get(operationId: string): OperationValidator {
    let v = this.compiled.get(operationId);
    if (!v) {
      v = this.compile(this.spec.operation(operationId));
      this.compiled.set(operationId, v);
    }
    return v;
  }

  /** Operations whose request validators are compiled so far. */
  get compiledCount(): number {
    return this.compiled.size;
  }

  /** Compile every operation's validators, one per macrotask so requests are not held up. */
  async warm(signal?: AbortSignal): Promise<void> {
    for (const op of this.spec.operations) {
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) return;
      this.get(op.operationId);
    }
  }

  /**
   * Check a response against the operation's documented responses: the status must be declared
   * (exactly, as nXX, or default) and a JSON body must match its schema. Returns the problem, if any.
   */
  checkResponse(operationId: string, status: number, body: unknown): string | undefined {
    const op = this.spec.operation(operationId);
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in op.responses);
    if (!key) return `${operationId}: status ${status} is not documented`;
    const cacheKey = `${operationId} ${key}`;
    let check = this.responseChecks.get(cacheKey);
    if (check === undefined) {
      const response = deref(this.spec.doc, op.responses[key]);
      const schema = response?.content?.['application/json']?.schema;
      check = schema ? this.bodyAjv.compile(absolutize(schema, this.baseId) as object) : null;
      this.responseChecks.set(cacheKey, check);
    }
    if (check && body !== undefined && !check(body)) {
      return `${operationId} ${status}: body does not match the spec: ${this.bodyAjv.errorsText(check.errors)}`;
    }
    return undefined;
  }

  /** The body validation style of one operation (its `x-sandbox-validation`, else the API's). */
  styleOf(operationId: string): ValidationStyle {
    return styleFor(this.spec, this.spec.operation(operationId));
  }

  /** Validate a value against a component schema (e.g. a filled-in template against MovieScript). */
  checkSchema(ref: string, value: unknown, style: ValidationStyle, root = 'body'): void {
    const check = this.bodyAjv.getSchema(this.baseId + ref) ?? this.bodyAjv.compile({ $ref: this.baseId + ref });
    if (!check(value)) throw validationError(toProblems(check.errors ?? [], value, this.tagValues), root, style);
  }

  // The tag values a failed discriminator accepts, read from its oneOf branches.
  private readonly tagValues = (e: ErrorObject): unknown[] | undefined => {
    const parent = e.parentSchema as { oneOf?: unknown[] } | undefined;
    const tag = (e.params as { tag?: string }).tag;
    if (!parent?.oneOf || !tag) return undefined;
    return parent.oneOf.flatMap((branch: any) => {
      const b = deref(this.spec.doc, typeof branch?.$ref === 'string' ? { $ref: branch.$ref.replace(this.baseId, '') } : branch);
      const prop = (b as any)?.properties?.[tag];
      return prop?.const !== undefined ? [prop.const] : (prop?.enum ?? []);
    });
  };

  private compile(op: Operation): OperationValidator {
    // The Ajv instances are built on first need: an operation without parameters or body needs neither.
    const { spec, baseId } = this;
    const paramStyle: ValidationStyle = { ...spec.policy.validation.body, code: spec.policy.validation.parameters, missingRequired: undefined };
    const byLocation = (['path', 'query', 'header'] as const)
      .map((where) => {
        const schema = locationSchema(op.parameters, where);
        return schema ? { where, check: this.paramAjv.compile(absolutize(schema, baseId) as object) } : undefined;
      })
      .filter((v): v is { where: Location; check: ValidateFunction } => Boolean(v));

    const mediaTypes = Object.keys(op.body?.content ?? {});
    const jsonType = mediaTypes.find(isJsonMediaType);
    const jsonSchema = jsonType ? op.body!.content[jsonType]!.schema : undefined;
    const checkBody = jsonSchema ? this.bodyAjv.compile(absolutize(jsonSchema, baseId) as object) : undefined;
    const formSchema = op.body?.content['multipart/form-data']?.schema;
    const checkForm = formSchema ? this.bodyAjv.compile(absolutize(formSchema, baseId) as object) : undefined;
    const style = styleFor(spec, op);
    const tagValues = this.tagValues;

    return {
      expectsJson: Boolean(jsonType),
      mediaTypes,
      parameters(parts) {
        for (const { where, check } of byLocation) {
          const data = parts[where];
          if (!check(data)) throw validationError(toProblems(check.errors ?? [], data), where, paramStyle);
        }
      },
      body(value) {
        if (!checkBody) return;
        if (!checkBody(value)) throw validationError(toProblems(checkBody.errors ?? [], value, tagValues), 'body', style);
      },
      form(value) {
        if (checkForm && !checkForm(value)) throw validationError(toProblems(checkForm.errors ?? [], value, tagValues), 'body', style);
      },
    };
  }
}
