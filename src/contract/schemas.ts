// JSON Schema validation against the spec's own schemas (Ajv 2020 + formats), compiled on first
// use per pointer. The checker's own instance: it shares no code path with the server it judges.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { withoutMappings } from '../openapi/discriminators.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

function absolutize(node: unknown, baseId: string): unknown {
  if (Array.isArray(node)) return node.map((n) => absolutize(n, baseId));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? baseId + v : absolutize(v, baseId);
  return out;
}

export interface SchemaProblem {
  /** dot path of the offending value ('' for the root) */
  path: string;
  message: string;
}

export class SchemaBook {
  private readonly ajv: Ajv2020;
  private readonly cache = new WeakMap<object, ValidateFunction>();
  private readonly baseId: string;

  constructor(doc: object, id: string) {
    this.baseId = `urn:contract:${id}`;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true, validateSchema: false, coerceTypes: false, useDefaults: false });
    addFormats(this.ajv);
    // Ajv validates a discriminator by its branches' tags and refuses a `mapping` (which is for
    // typed-client generators): compile copies without mappings.
    this.ajv.addSchema(withoutMappings(doc) as any, this.baseId);
  }

  private compiled(schema: object): ValidateFunction {
    let v = this.cache.get(schema);
    if (!v) {
      v = this.ajv.compile(withoutMappings(absolutize(schema, this.baseId)) as object);
      this.cache.set(schema, v);
    }
    return v;
  }

  /** Problems of a value against a schema node of the document (inline or $ref), [] when valid. */
  problems(schema: object, value: unknown): SchemaProblem[] {
    const check = this.compiled(schema);
    if (check(value)) return [];
    return (check.errors ?? []).map((e: ErrorObject) => ({
      path: e.instancePath.slice(1).replaceAll('/', '.'),
      message: `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}${e.keyword === 'additionalProperties' ? ` (${(e.params as any).additionalProperty})` : ''}${e.keyword === 'enum' ? ` (${JSON.stringify((e.params as any).allowedValues)})` : ''}`,
    }));
  }

  valid(schema: object, value: unknown): boolean {
    return this.compiled(schema)(value) === true;
  }
}
