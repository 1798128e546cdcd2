// The `path` validation style: one error, a message in Zod's words (PhantomFlow's documented
// example uses them) and a dot path — "Expected number, received string" at scenes.0.duration.
import { ApiError } from '../../../core/errors.ts';
import type { ValidationStyle } from '../../../openapi/policy.ts';
import { quoteList, typeName, type Problem, type Segment } from '../problems.ts';

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

/** The API's error for the first problem. */
export function pathError(problems: Problem[], style: ValidationStyle, prefix: Segment[] = []): ApiError {
  const first = problems[0]!;
  const at = [...prefix, ...first.at];
  const code = first.missing && style.missingRequired ? style.missingRequired : style.code;
  const message = first.missing && style.missingRequired ? `Missing required field: ${dotPath(at)}` : pathStyleMessage(first);
  return new ApiError(code, message, { extra: { path: dotPath(at) } });
}

/** The extra fields of an injected error in this style, blaming `at`. */
export function samplePathFields(at: Segment[]): Record<string, unknown> {
  return { path: dotPath(at) };
}
