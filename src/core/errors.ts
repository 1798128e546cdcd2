// Errors as values: an ApiError names a catalogue code; the envelope is rendered from the API's
// policy, so the engine never writes an API's error shape by hand.
import type { ApiPolicy } from '../openapi/policy.ts';

export interface ApiErrorOptions {
  /** fields added to the error object (path, required, balance, details, …) */
  extra?: Record<string, unknown>;
  /** response headers that belong to this error (Allow, Retry-After, …) */
  headers?: Record<string, string>;
  /** override the catalogue status (fault injection of an arbitrary status) */
  status?: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly status?: number;
  constructor(
    readonly code: string,
    message?: string,
    options: ApiErrorOptions = {},
  ) {
    // API errors are expected outcomes, not bugs: capturing a stack on every 4xx would cost more
    // than the rest of the request.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? '');
    Error.stackTraceLimit = limit;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
    this.status = options.status;
  }
}

/** An error whose body is a bare string (`{"error": "Rate limit exceeded: 10 per 1 day"}`). */
export class PlainApiError extends Error {
  override name = 'PlainApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface RenderedError {
  status: number;
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
  return { status: apiErr.status ?? entry.status, headers: apiErr.headers, body: { error } };
}
