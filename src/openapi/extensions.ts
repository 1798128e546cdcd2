// Every x- extension of a document, checked at load (decision 002): each known extension has a
// place it may stand and a schema its value must match; an unknown or misplaced one is an error,
// so a typo (x-sandbox-ratelimit) fails loudly instead of being ignored. x-sandbox itself is
// checked by policy.ts; its catalogue and provenance labels are what the others refer to.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseLimit } from './limit-wording.ts';
import { describeProblem, operationValidationSchema, type ApiPolicy } from './policy.ts';

type Place = 'root' | 'operation' | 'response' | 'other';

interface Extension {
  places: Place[];
  check(value: unknown, policy: ApiPolicy): string | undefined;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validationCheck = ajv.compile(operationValidationSchema);

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
const schemaCheck = (schema: object): Extension['check'] => {
  const check = ajv.compile(schema);
  return (v) => (check(v) ? undefined : (check.errors ?? []).map((e) => describeProblem(e, 'value')).join('; '));
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
    check: (v, policy) => {
      if (!validationCheck(v)) return ajv.errorsText(validationCheck.errors);
      const codes = [(v as { code: string }).code, (v as { missingRequired?: string }).missingRequired].filter((c): c is string => !!c);
      const unknown = codes.filter((c) => !policy.errors.catalogue[c]);
      return unknown.length ? `names codes not in the catalogue: ${unknown.join(', ')}` : undefined;
    },
  },
  ...Object.fromEntries(Object.entries(contractSchemas).map(([name, schema]) => [name, { places: ['operation'] as Place[], check: schemaCheck(schema) }])),
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every problem with the document's x- extensions, as "where: what" lines. */
export function checkExtensions(doc: Record<string, unknown>, policy: ApiPolicy): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, pointer: string[], place: Place) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, [...pointer, String(i)], 'other'));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const at = [...pointer, key];
      if (key.startsWith('x-')) {
        const ext = EXTENSIONS[key];
        const where = `/${at.join('/')}`;
        if (!ext) problems.push(`${where}: unknown extension ${key} (known: ${Object.keys(EXTENSIONS).join(', ')})`);
        else if (!ext.places.includes(place)) problems.push(`${where}: ${key} does not belong here (it goes on: ${ext.places.join(', ')})`);
        else {
          const problem = ext.check(value, policy);
          if (problem) problems.push(`${where}: ${key} ${problem}`);
        }
        continue;
      }
      visit(value, at, placeOf(pointer, key));
    }
  };
  visit(doc, [], 'root');
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
