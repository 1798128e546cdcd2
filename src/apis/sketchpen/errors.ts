// Sketchpen's own refusals, in the words of the seed and the spec's examples: not found per kind
// of resource, wrong state, duplicates, and 422s in the FastAPI `details` form.
import { ApiError } from '../../core/errors.ts';

export const notFound = (what: 'Video' | 'Scene' | 'Asset' | 'Callback') => new ApiError('NOT_FOUND', `${what} not found`);
export const invalidState = (message: string) => new ApiError('INVALID_STATE', message);
export const conflict = (message: string) => new ApiError('CONFLICT', message);

/** A 422 VALIDATION_ERROR blaming one field, like the engine's schema errors. */
export function invalidField(loc: (string | number)[], msg: string, type = 'value_error'): ApiError {
  return new ApiError('VALIDATION_ERROR', `${loc.join('.')}: ${msg}`, { extra: { details: [{ loc, msg, type }] } });
}

/** Catalogue codes this module raises itself; checked against the spec at start-up. */
export const OWN_CODES = ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT', 'VALIDATION_ERROR', 'INSUFFICIENT_CREDITS', 'MAX_CONCURRENT_VIDEOS'];
