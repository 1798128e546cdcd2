// Rendering an error in the owning API's envelope: the catalogue gives status and default message,
// the policy says where the request id goes. The one place an error body is written.
import { ApiError, PlainApiError } from '../core/errors.ts';
import type { ApiPolicy } from '../openapi/policy.ts';

export interface RenderedError {
  status: number;
  /** the catalogue code (undefined for a plain-string error) */
  code?: string;
  headers: Record<string, string>;
  body: unknown;
}

export function renderError(policy: ApiPolicy, err: unknown, requestId: string): RenderedError {
  if (err instanceof PlainApiError) {
    return { status: err.status, headers: err.headers, body: { error: err.message } };
  }
  const apiErr =
    err instanceof ApiError ? err : new ApiError(policy.errors.internal, 'An unexpected error occurred in the sandbox.');
  const entry = policy.errors.catalogue[apiErr.code] ?? policy.errors.catalogue[policy.errors.internal]!;
  const error: Record<string, unknown> = { code: apiErr.code, message: apiErr.message || entry.message, ...apiErr.extra };
  const field = policy.errors.requestId.field;
  if (field) error[field] = requestId;
  return { status: apiErr.status ?? entry.status, code: apiErr.code, headers: apiErr.headers, body: { error } };
}
