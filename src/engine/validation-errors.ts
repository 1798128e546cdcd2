// Turn Ajv errors into an API's validation style (policy `validation.body.style`):
//  - path:    one error, a message in the vendor's words (Zod's wording, which PhantomFlow's
//             documented example uses) and a dot path: "Expected number, received string" at scenes.0.duration
//  - details: FastAPI/pydantic `details: [{loc, msg, type}]`, every problem listed
import type { ErrorObject } from 'ajv';

export type Segment = string | number;

export interface Problem {
  /** location inside the value, e.g. ['scenes', 0, 'duration'] */
  at: Segment[];
  keyword: string;
  /** true when a required property is missing (it is then the last segment of `at`) */
  missing: boolean;
  error: ErrorObject;
  data: unknown;
  /** for a failed discriminator: the tag values the schema accepts */
  allowed?: unknown[];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : 'float';
  return typeof value;
}

function parsePointer(pointer: string, data: unknown): Segment[] {
  if (!pointer) return [];
  const out: Segment[] = [];
  let node: any = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const seg: Segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    node = node?.[seg as any];
  }
  return out;
}

function valueAt(data: unknown, at: Segment[]): unknown {
  let node: any = data;
  for (const seg of at) node = node?.[seg as any];
  return node;
}

/** Ajv errors → problems with data locations; noise from branches of anyOf/oneOf/if is dropped. */
export function toProblems(errors: ErrorObject[], data: unknown, tagValues?: (e: ErrorObject) => unknown[] | undefined): Problem[] {
  // Combinator summaries ("must match exactly one schema in oneOf") only repeat what the branch
  // errors already say, except when nothing more specific exists at or below that location.
  let specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
  // In a union (string | object …), a branch of the wrong type also reports "Expected string":
  // when another branch says something about the same value or inside it, that is the real problem.
  specific = specific.filter(
    (e) => e.keyword !== 'type' || !specific.some((o) => o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/'))),
  );
  const chosen = specific.length ? specific : errors;
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of chosen) {
    const base = parsePointer(error.instancePath, data);
    let at = base;
    let missing = false;
    if (error.keyword === 'required') {
      at = [...base, (error.params as any).missingProperty];
      missing = true;
    } else if (error.keyword === 'additionalProperties') {
      at = [...base, (error.params as any).additionalProperty];
    } else if (error.keyword === 'discriminator') {
      at = [...base, (error.params as any).tag];
    }
    const key = `${error.keyword}|${at.join('.')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const discriminator = error.keyword === 'discriminator';
    problems.push({
      at,
      keyword: error.keyword,
      missing,
      error,
      data: valueAt(data, discriminator ? at : base),
      allowed: discriminator ? tagValues?.(error) : undefined,
    });
  }
  return problems;
}

const quoteList = (values: unknown[], sep: string) => values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v))).join(sep);

/** Zod's wording, as in PhantomFlow's documented example. */
export function pathStyleMessage(p: Problem): string {
  const params = p.error.params as any;
  switch (p.keyword) {
    case 'required':
      return 'Required';
    case 'type': {
      const expected = String(params.type).split(',').join(' | ');
      const received = typeName(p.data);
      if (expected === 'integer' && received === 'float') return 'Expected integer, received float';
      return `Expected ${expected}, received ${received === 'float' ? 'number' : received}`;
    }
    case 'enum':
      return `Invalid enum value. Expected ${quoteList(params.allowedValues, ' | ')}, received ${JSON.stringify(p.data)?.replaceAll('"', "'")}`;
    case 'const':
      return `Invalid literal value, expected ${JSON.stringify(params.allowedValue)}`;
    case 'discriminator':
      if (params.error === 'tag' && p.data === undefined) return 'Required';
      return p.allowed?.length
        ? `Invalid discriminator value. Expected ${quoteList(p.allowed, ' | ')}, received ${JSON.stringify(p.data)?.replaceAll('"', "'")}`
        : `Invalid discriminator value ${JSON.stringify(p.data)}`;
    case 'minimum':
      return `Number must be greater than or equal to ${params.limit}`;
    case 'exclusiveMinimum':
      return `Number must be greater than ${params.limit}`;
    case 'maximum':
      return `Number must be less than or equal to ${params.limit}`;
    case 'exclusiveMaximum':
      return `Number must be less than ${params.limit}`;
    case 'minLength':
      return params.limit === 1 ? 'String must not be empty' : `String must contain at least ${params.limit} character(s)`;
    case 'maxLength':
      return `String must contain at most ${params.limit} character(s)`;
    case 'minItems':
      return `Array must contain at least ${params.limit} element(s)`;
    case 'maxItems':
      return `Array must contain at most ${params.limit} element(s)`;
    case 'pattern':
      return `Invalid string: must match pattern ${params.pattern}`;
    case 'format':
      return `Invalid ${params.format}`;
    case 'additionalProperties':
      return `Unrecognized key: '${params.additionalProperty}'`;
    case 'uniqueItems':
      return 'Array items must be unique';
    case 'minProperties':
      return `Object must have at least ${params.limit} propert${params.limit === 1 ? 'y' : 'ies'}`;
    default:
      return p.error.message ? `Invalid value: ${p.error.message}` : 'Invalid value';
  }
}

export function dotPath(at: Segment[]): string {
  return at.join('.');
}

export interface Detail {
  loc: Segment[];
  msg: string;
  type: string;
}

/** pydantic v2's wording and error types, as FastAPI answers them. */
export function detailOf(p: Problem, root: string): Detail {
  const params = p.error.params as any;
  const loc = [root, ...p.at];
  const d = (msg: string, type: string): Detail => ({ loc, msg, type });
  switch (p.keyword) {
    case 'required':
      return d('Field required', 'missing');
    case 'type': {
      const t = String(params.type).split(',')[0];
      const names: Record<string, [string, string]> = {
        string: ['a valid string', 'string_type'],
        integer: ['a valid integer', 'int_type'],
        number: ['a valid number', 'float_type'],
        boolean: ['a valid boolean', 'bool_type'],
        array: ['a valid list', 'list_type'],
        object: ['a valid dictionary', 'dict_type'],
        null: ['None', 'none_required'],
      };
      const [what, type] = names[t!] ?? [`of type ${t}`, 'type_error'];
      return d(`Input should be ${what}`, type);
    }
    case 'enum': {
      const values: unknown[] = params.allowedValues;
      const list = values.length > 1 ? `${quoteList(values.slice(0, -1), ', ')} or ${quoteList(values.slice(-1), '')}` : quoteList(values, '');
      return d(`Input should be ${list}`, 'enum');
    }
    case 'const':
      return d(`Input should be ${quoteList([params.allowedValue], '')}`, 'literal_error');
    case 'minimum':
      return d(`Input should be greater than or equal to ${params.limit}`, 'greater_than_equal');
    case 'exclusiveMinimum':
      return d(`Input should be greater than ${params.limit}`, 'greater_than');
    case 'maximum':
      return d(`Input should be less than or equal to ${params.limit}`, 'less_than_equal');
    case 'exclusiveMaximum':
      return d(`Input should be less than ${params.limit}`, 'less_than');
    case 'minLength':
      return d(`String should have at least ${params.limit} character${params.limit === 1 ? '' : 's'}`, 'string_too_short');
    case 'maxLength':
      return d(`String should have at most ${params.limit} character${params.limit === 1 ? '' : 's'}`, 'string_too_long');
    case 'minItems':
      return d(`List should have at least ${params.limit} item${params.limit === 1 ? '' : 's'}`, 'too_short');
    case 'maxItems':
      return d(`List should have at most ${params.limit} item${params.limit === 1 ? '' : 's'}`, 'too_long');
    case 'pattern':
      return d(`String should match pattern '${params.pattern}'`, 'string_pattern_mismatch');
    case 'format':
      return d(params.format === 'uri' ? 'Input should be a valid URL' : `Input should be a valid ${params.format}`, params.format === 'uri' ? 'url_parsing' : 'value_error');
    case 'additionalProperties':
      return d('Extra inputs are not permitted', 'extra_forbidden');
    case 'discriminator':
      return d(`Input tag ${JSON.stringify(p.data)} found using '${params.tag}' does not match any of the expected tags`, 'union_tag_invalid');
    default:
      return d(p.error.message ?? 'Invalid value', 'value_error');
  }
}
