// The validation styles an API can declare (x-sandbox.validation.body.style). A new style is one
// file here exporting how to word problems and how an injected error of that style looks.
import type { ApiError } from '../../../core/errors.ts';
import type { ValidationStyle } from '../../../openapi/policy.ts';
import type { Problem, Segment } from '../problems.ts';
import { detailsError, sampleDetailsFields } from './fastapi-details.ts';
import { pathError, samplePathFields } from './zod-path.ts';

/** Build the API's validation error from problems, in its declared style. */
export function validationError(problems: Problem[], root: string, style: ValidationStyle, prefix: Segment[] = []): ApiError {
  return style.style === 'details' ? detailsError(problems, root, style) : pathError(problems, style, prefix);
}

/** The fields an injected validation error carries in `style`, blaming the field `at` in `root`. */
export function sampleFields(style: ValidationStyle['style'], at: Segment[], root: string): Record<string, unknown> {
  return style === 'details' ? sampleDetailsFields(at, root) : samplePathFields(at);
}
