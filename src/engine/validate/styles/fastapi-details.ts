// The `details` validation style: FastAPI/pydantic `details: [{loc, msg, type}]`, every problem
// listed, in pydantic v2's wording and error types (Sketchpen's 422s).
import { ApiError } from '../../../core/errors.ts';
import type { ValidationStyle } from '../../../openapi/policy.ts';
import { quoteList, type Problem, type Segment } from '../problems.ts';

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

/** The API's error listing every problem; `root` is the location (body, query, path, header). */
export function detailsError(problems: Problem[], root: string, style: ValidationStyle): ApiError {
  const details = problems.map((p) => detailOf(p, root));
  const d0 = details[0]!;
  return new ApiError(style.code, `${d0.loc.join('.')}: ${d0.msg}`, { extra: { details } });
}

/** The extra fields of an injected error in this style, blaming `at` in `root`. */
export function sampleDetailsFields(at: Segment[], root: string): Record<string, unknown> {
  return { details: [{ loc: [root, ...at], msg: 'Value error, injected by the sandbox', type: 'value_error' }] };
}
