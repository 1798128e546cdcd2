// What a control method throws when the control API refuses: its status and the fields of its
// error envelope (code, message, the failing field's path), and which call it was.

export class SandboxControlError extends Error {
  override name = 'SandboxControlError';
  constructor(
    /** the HTTP status the control API answered (400, 401, 404, …) */
    readonly status: number,
    /** the catalogue code of the control API (VALIDATION_ERROR, NOT_FOUND, UNAUTHORIZED, …) */
    readonly code: string,
    message: string,
    /** the failing field, dot-separated (`action.explode`), when the error names one */
    readonly path: string | undefined,
    /** the call, e.g. `POST /__sandbox/faults` */
    readonly endpoint: string,
  ) {
    super(message);
  }

  /** From a control API error body (`{"error": {code, message, path?}}`) or whatever came instead. */
  static from(status: number, body: unknown, endpoint: string): SandboxControlError {
    const error = (body as { error?: { code?: unknown; message?: unknown; path?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
    const message = typeof error?.message === 'string' ? error.message : `${endpoint} answered ${status}`;
    return new SandboxControlError(status, code, message, typeof error?.path === 'string' ? error.path : undefined, endpoint);
  }
}
