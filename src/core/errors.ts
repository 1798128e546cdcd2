// Errors as values: an ApiError names a catalogue code, a PlainApiError carries a bare message.
// Every layer throws them; only the engine renders them, in the owning API's envelope
// (src/engine/envelope.ts), so no module writes an API's error shape by hand.

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
