// Every x- extension of a document, checked at load (decision 002): each known extension has a
// place it may stand and a schema its value must match; an unknown or misplaced one is an error,
// so a typo (x-sandbox-ratelimit) fails loudly instead of being ignored. x-sandbox itself is
// checked by policy.ts; its catalogue and provenance labels are what the others refer to.
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';
import { parseLimit } from './limit-wording.ts';
import { describeProblem, operationValidationSchema, type ApiPolicy } from './policy.ts';

type Place = 'root' | 'operation' | 'response' | 'other';

/** Answers a schema check, possibly from an earlier start (see start-cache.ts); runs `check` when it cannot. */
export type SchemaPasses = (schema: object, value: unknown, check: () => boolean) => boolean;

interface Extension {
  places: Place[];
  check(value: unknown, policy: ApiPolicy, passes: SchemaPasses): string | undefined;
}

// Built on first use, as in policy.ts.
let ajv: Ajv2020 | undefined;
const ajvInstance = (): Ajv2020 => (ajv ??= createAjv({ allErrors: true, strict: false, validateSchema: false, code: { optimize: false } }));
let compiled: ValidateFunction | undefined;
const validationCheck = (v: unknown): boolean => (compiled ??= ajvInstance().compile(operationValidationSchema))(v);

// Declarations the contract checker reads from an operation (decision 030): where a balance, a
// page or a job's status and outputs are in a response, as JSON pointers.
const pointer = { type: 'string', pattern: '^(/[^/]+)*$' };
const codeRef = { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' };
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });
const contractSchemas: Record<string, object> = {
  'x-sandbox-balance': pointer,
  'x-sandbox-pagination': closed(
    {
      items: pointer,
      limit: { type: 'string', minLength: 1 },
      cursor: closed({ param: { type: 'string' }, next: pointer }, ['param', 'next']),
      offset: closed({ param: { type: 'string' }, total: pointer }, ['param']),
      filters: { type: 'object', additionalProperties: pointer },
    },
    ['items', 'limit'],
  ),
  'x-sandbox-job': closed(
    {
      read: { type: 'string', minLength: 1 },
      status: pointer,
      success: { type: 'array', minItems: 1, items: { type: 'string' } },
      failure: { type: 'array', items: { type: 'string' } },
      error: pointer,
      video: pointer,
      thumbnail: pointer,
      audio: pointer,
      duration: pointer,
      requestedDuration: { type: 'string', pattern: '^(/([^/]+|\\*))+$' },
      frame: closed({ width: pointer, height: pointer }, ['width', 'height']),
      aspectRatio: pointer,
      ranges: { type: 'boolean' },
      requestedAspectRatio: pointer,
      cost: closed({ estimate: pointer, remaining: pointer, used: pointer }),
      fault: closed({ stage: { type: 'string' }, code: codeRef }, ['stage', 'code']),
      actions: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      webhook: closed({
        requestField: pointer,
        subscribe: { type: 'string', minLength: 1 },
        urlField: pointer,
        eventField: pointer,
        event: { type: 'string' },
        secretField: pointer,
      }),
    },
    ['read', 'status', 'success', 'failure'],
  ),
};
// Compiled on first use, and only when no earlier start saw the same value pass (start-cache.ts).
const schemaCheck = (schema: object): Extension['check'] => {
  let check: ValidateFunction | undefined;
  const run = (v: unknown) => (check ??= ajvInstance().compile(schema))(v);
  return (v, _policy, passes) => {
    if (passes(schema, v, () => run(v))) return undefined;
    run(v);
    return (check!.errors ?? []).map((e) => describeProblem(e, 'value')).join('; ');
  };
};

const EXTENSIONS: Record<string, Extension> = {
  'x-sandbox': { places: ['root'], check: () => undefined },
  'x-provenance': {
    places: ['operation', 'response', 'other'],
    check: (v, policy) => {
      const labels = Object.keys(policy.provenance);
      return typeof v === 'string' && labels.includes(v) ? undefined : `must be one of x-sandbox.provenance's labels (${labels.join(', ') || 'none declared'})`;
    },
  },
  'x-error-codes': {
    places: ['response'],
    check: (v, policy) => {
      if (!Array.isArray(v) || !v.length) return 'must be a non-empty list of catalogue codes';
      const unknown = v.filter((c) => typeof c !== 'string' || !policy.errors.catalogue[c]);
      return unknown.length ? `names codes not in the catalogue: ${unknown.join(', ')}` : undefined;
    },
  },
  'x-sandbox-rate-limit': {
    places: ['operation'],
    check: (v, policy) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must map plan names to limits such as "10 per 1 day"';
      for (const [plan, text] of Object.entries(v)) {
        if (!policy.plans.catalogue[plan]) return `names plan "${plan}", not in x-sandbox.plans`;
        try {
          parseLimit(String(text));
        } catch (err) {
          return (err as Error).message;
        }
      }
      return undefined;
    },
  },
  'x-sandbox-validation': {
    places: ['operation'],
    check: (v, policy, passes) => {
      if (!passes(operationValidationSchema, v, () => validationCheck(v))) {
        validationCheck(v);
        return ajv!.errorsText(compiled!.errors);
      }
      const codes = [(v as { code: string }).code, (v as { missingRequired?: string }).missingRequired].filter((c): c is string => !!c);
      const unknown = codes.filter((c) => !policy.errors.catalogue[c]);
      return unknown.length ? `names codes not in the catalogue: ${unknown.join(', ')}` : undefined;
    },
  },
  ...Object.fromEntries(Object.entries(contractSchemas).map(([name, schema]) => [name, { places: ['operation'] as Place[], check: schemaCheck(schema) }])),
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every problem with the document's x- extensions, as "where: what" lines. */
export function checkExtensions(doc: Record<string, unknown>, policy: ApiPolicy, passes: SchemaPasses = (_s, _v, check) => check()): string[] {
  const problems: string[] = [];
  // One path stack, pushed and popped, rather than a new array per node: this walks every node of
  // every document at each start.
  const pointer: string[] = [];
  const visit = (node: unknown, place: Place) => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => {
        pointer.push(String(i));
        visit(n, 'other');
        pointer.pop();
      });
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const key in node) {
      const value = (node as Record<string, unknown>)[key];
      if (key.startsWith('x-')) {
        const ext = EXTENSIONS[key];
        const where = `/${[...pointer, key].join('/')}`;
        if (!ext) problems.push(`${where}: unknown extension ${key} (known: ${Object.keys(EXTENSIONS).join(', ')})`);
        else if (!ext.places.includes(place)) problems.push(`${where}: ${key} does not belong here (it goes on: ${ext.places.join(', ')})`);
        else {
          const problem = ext.check(value, policy, passes);
          if (problem) problems.push(`${where}: ${key} ${problem}`);
        }
        continue;
      }
      const childPlace = placeOf(pointer, key);
      pointer.push(key);
      visit(value, childPlace);
      pointer.pop();
    }
  };
  visit(doc, 'root');
  return problems;
}

/** What kind of object sits under `key` of the object at `pointer`. */
function placeOf(pointer: string[], key: string): Place {
  const parent = pointer[pointer.length - 1];
  const grand = pointer[pointer.length - 2];
  if (METHODS.has(key) && (grand === 'paths' || grand === 'webhooks')) return 'operation';
  if (parent === 'responses' || (grand === 'components' && pointer[pointer.length - 1] === 'responses')) return 'response';
  return 'other';
}
