// The fault vocabulary: what a fault does, as parsed from the X-Sandbox-Fault header or a rule's
// action. One kind per target — an HTTP request, a job's lifecycle stage, a webhook delivery.
// The directives themselves are defined one per file in catalogue/.

export type LatencySpec =
  | { dist: 'fixed'; ms: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'lognormal'; median: number; sigma: number; max?: number };

/** What a fault does to one HTTP request. Every field is optional; several combine. */
export interface RequestFaultAction {
  kind: 'request';
  /** wait this long (wall clock) before processing; the response is otherwise normal */
  latency?: LatencySpec;
  /** answer with this catalogue code, its documented status and envelope */
  error?: string;
  /** answer with this status (with `error`: override the code's status) */
  status?: number;
  /** message for the injected error instead of the catalogue's */
  message?: string;
  /** reset: RST the connection (ECONNRESET); empty: close it without a response */
  connection?: 'reset' | 'empty';
  /** the response body is broken JSON (status and headers normal) */
  malformed?: boolean;
  /** Content-Length announces the full body, half is sent, then the connection closes */
  truncate?: boolean;
  /** the body is dribbled out over this many ms */
  slowMs?: number;
}

/** Fail or slow down a job's lifecycle stage (FaultHooks.pipeline). */
export interface PipelineFaultAction {
  kind: 'pipeline';
  /** the stage name (render, image, audio, …) or '*' for any */
  stage: string;
  fail?: { code: string; message?: string };
  /** sandbox milliseconds added to the stage */
  delayMs?: number;
}

export type WebhookMisbehaviour = 'drop' | 'duplicate' | 'reorder' | 'bad_signature' | 'delay';

/** Misdeliver a webhook (FaultHooks.webhook). */
export interface WebhookFaultAction {
  kind: 'webhook';
  webhook: WebhookMisbehaviour[];
  /** sandbox milliseconds the delivery is held back */
  delayMs?: number;
}

export type FaultAction = RequestFaultAction | PipelineFaultAction | WebhookFaultAction;

/** A directive that cannot be understood; `path` points into the rule body (or names the header). */
export class DirectiveError extends Error {
  override name = 'DirectiveError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * One request directive (Toxiproxy's "one file per toxic"): its names in the header and in a rule's
 * action object, how each is parsed into the action, and how it is described back.
 */
export interface RequestDirective {
  /** the names it answers to in X-Sandbox-Fault (error, latency/delay, …) */
  header: string[];
  /** the keys it reads from a rule's action object */
  keys: string[];
  /** header form: `value` is undefined for a bare flag (reset, truncate) */
  fromHeader(action: RequestFaultAction, name: string, value: string | undefined, path: string): void;
  /** object form: `v` is the whole action object */
  fromObject(action: RequestFaultAction, v: Record<string, unknown>, path: string): void;
  /** the header text for this directive of `action`, if it has one */
  describe(action: RequestFaultAction): string | undefined;
}
