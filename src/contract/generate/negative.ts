// Negative data: take a valid value and break exactly one constraint of its schema at one place —
// a type, a required property, an enum, a bound, a length, a pattern, a format, an array size,
// an unknown property. Each mutation says which keyword it broke and where, so a check can ask
// for the right code and the right path. Callers keep only mutations the schema really rejects.
import { deref } from '../../openapi/refs.ts';

export type Segment = string | number;

export interface Mutation {
  keyword: string;
  /** where the broken value is (for `required`: the missing property; for extra keys: that key) */
  at: Segment[];
  value: unknown;
  description: string;
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

function setAt(root: unknown, path: Segment[], fn: (parent: any, key: Segment) => void): unknown {
  const copy = clone(root);
  if (path.length === 0) throw new Error('cannot mutate the root in place');
  let node: any = copy;
  for (const seg of path.slice(0, -1)) node = node[seg];
  fn(node, path[path.length - 1]!);
  return copy;
}

function typeAllows(types: string[], v: unknown): boolean {
  if (typeof v === 'number') return types.includes('number') || (Number.isInteger(v) && types.includes('integer'));
  if (typeof v === 'string') return types.includes('string');
  if (typeof v === 'boolean') return types.includes('boolean');
  if (Array.isArray(v)) return types.includes('array');
  if (v === null) return types.includes('null');
  return types.includes('object');
}

function typesOf(schema: any): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  return [];
}

/** Does `value` fit `schema` (shallow-deep enough to pick the branch of a oneOf/anyOf)? */
export type Fits = (schema: unknown, value: unknown) => boolean;

export function mutations(doc: unknown, schemaIn: unknown, root: unknown, fits: Fits): Mutation[] {
  const out: Mutation[] = [];
  const put = (keyword: string, at: Segment[], value: unknown, description: string) => out.push({ keyword, at, value, description });
  const replace = (at: Segment[], v: unknown) => (at.length ? setAt(root, at, (p, k) => (p[k] = v)) : v);

  const walk = (schemaNode: unknown, value: unknown, at: Segment[], depth: number) => {
    if (depth > 10) return;
    const schema: any = deref(doc, schemaNode);
    if (!schema || typeof schema !== 'object') return;
    const where = at.join('.') || '(body)';

    // Combinators: descend into the branch this value takes.
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (!Array.isArray(schema[key])) continue;
      const branch = schema[key].find((b: unknown) => fits(b, value));
      if (branch) walk(branch, value, at, depth + 1);
      const tag = schema.discriminator?.propertyName;
      if (tag && value && typeof value === 'object' && tag in (value as object)) {
        put('discriminator', [...at, tag], replace([...at, tag], 'contract_unknown_kind'), `${where}.${tag}: unknown kind`);
      }
    }
    if (Array.isArray(schema.allOf)) for (const part of schema.allOf) walk(part, value, at, depth + 1);

    const types = typesOf(schema);
    if (types.length && value !== undefined && at.length) {
      const wrong = [12345, 'not-a-valid-value', true, { not: 'expected' }, ['x']].find((w) => !typeAllows(types, w));
      if (wrong !== undefined) put('type', at, replace(at, wrong), `${where}: ${JSON.stringify(wrong)} where ${types.join('|')} is expected`);
      if (types.includes('integer') && !types.includes('number') && typeof value === 'number') {
        put('type', at, replace(at, Math.trunc(value) + 0.5), `${where}: a fraction where an integer is expected`);
      }
    }
    if (Array.isArray(schema.enum) && at.length && typeof value === 'string') {
      put('enum', at, replace(at, 'contract-not-in-enum'), `${where}: a value outside the enum`);
    }
    if (schema.const !== undefined && at.length && typeof schema.const === 'string') {
      put('const', at, replace(at, `${schema.const}_contract`), `${where}: not the constant ${JSON.stringify(schema.const)}`);
    }
    if (typeof value === 'number' && at.length) {
      if (typeof schema.minimum === 'number') put('minimum', at, replace(at, schema.minimum - 1), `${where}: below the minimum ${schema.minimum}`);
      if (typeof schema.exclusiveMinimum === 'number') put('exclusiveMinimum', at, replace(at, schema.exclusiveMinimum), `${where}: equal to the exclusive minimum ${schema.exclusiveMinimum}`);
      if (typeof schema.maximum === 'number') put('maximum', at, replace(at, schema.maximum + 1), `${where}: above the maximum ${schema.maximum}`);
      if (typeof schema.exclusiveMaximum === 'number') put('exclusiveMaximum', at, replace(at, schema.exclusiveMaximum), `${where}: equal to the exclusive maximum ${schema.exclusiveMaximum}`);
    }
    if (typeof value === 'string' && at.length) {
      if (typeof schema.minLength === 'number' && schema.minLength > 0) put('minLength', at, replace(at, 'x'.repeat(schema.minLength - 1)), `${where}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && schema.maxLength < 100_000) put('maxLength', at, replace(at, 'x'.repeat(schema.maxLength + 1)), `${where}: longer than ${schema.maxLength}`);
      if (typeof schema.pattern === 'string') {
        let re: RegExp | undefined;
        try {
          re = new RegExp(schema.pattern, 'u');
        } catch {
          re = undefined;
        }
        const bad = re ? ['!!', ' ', '@@@ not matching', '{}'].find((c) => !re!.test(c) && c.length >= (schema.minLength ?? 0) && c.length <= (schema.maxLength ?? Infinity)) : undefined;
        if (bad !== undefined) put('pattern', at, replace(at, bad), `${where}: does not match ${schema.pattern}`);
      }
      const badFormat: Record<string, string> = { uri: 'not a uri', email: 'not-an-email', 'date-time': 'yesterday', date: '15/01/2025', uuid: 'not-a-uuid' };
      if (schema.format && badFormat[schema.format]) put('format', at, replace(at, badFormat[schema.format]), `${where}: not a valid ${schema.format}`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && schema.minItems > 0 && at.length) put('minItems', at, replace(at, value.slice(0, schema.minItems - 1)), `${where}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && schema.maxItems <= 200 && value.length > 0 && !schema.uniqueItems && at.length) {
        put('maxItems', at, replace(at, Array.from({ length: schema.maxItems + 1 }, () => clone(value[0]))), `${where}: more than ${schema.maxItems} items`);
      }
      if (schema.uniqueItems && value.length > 0 && at.length) put('uniqueItems', at, replace(at, [...value, clone(value[0])]), `${where}: a repeated item`);
      if (value.length > 0 && schema.items) walk(schema.items, value[0], [...at, 0], depth + 1);
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      for (const req of schema.required ?? []) {
        if (req in obj) {
          const missing = setAt(at.length ? root : { root }, at.length ? [...at, req] : ['root', req], (p, k) => delete p[k]);
          put('required', [...at, req], at.length ? missing : (missing as any).root, `${where}: required ${req} missing`);
        }
      }
      if (schema.additionalProperties === false) {
        const extra = 'contract_unexpected';
        const added = at.length ? setAt(root, at, (p, k) => (p[k] = { ...p[k], [extra]: 1 })) : { ...obj, [extra]: 1 };
        put('additionalProperties', [...at, extra], added, `${where}: unknown property ${extra}`);
      }
      for (const [prop, sub] of Object.entries<any>(schema.properties ?? {})) {
        if (prop in obj) walk(sub, obj[prop], [...at, prop], depth + 1);
      }
    }
  };
  walk(schemaIn, root, [], 0);
  // The same break at the same place from two routes (allOf + properties) counts once.
  const seen = new Set<string>();
  return out.filter((m) => {
    const k = `${m.keyword}|${m.at.join('.')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
