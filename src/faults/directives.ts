// Fault directives: the one vocabulary shared by the per-request header
// (`X-Sandbox-Fault: latency=200,error=INTERNAL_ERROR`) and a fault rule's `action`
// ({"latency": 200, "error": "INTERNAL_ERROR"}). Parsing only: what each directive does to a
// response is apply.ts's business; which requests a rule hits is rules.ts's.

export const FAULT_HEADER = 'x-sandbox-fault';

/** Longest latency / slow body the sandbox accepts (wall-clock ms). */
export const MAX_DELAY_MS = 120_000;

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

const CODE = /^[A-Z][A-Z0-9_]*$/;

/** "2000", "2000ms", "2s", "1.5s" → ms */
function parseMs(text: string, path: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(text.trim());
  if (!m) throw new DirectiveError(`${path}: expected a duration in milliseconds (e.g. 2000, 2000ms or 2s), got "${text}"`, path);
  const ms = Number(m[1]) * (m[2]?.toLowerCase() === 's' ? 1000 : 1);
  return checkMs(ms, path);
}

function checkMs(ms: unknown, path: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new DirectiveError(`${path}: expected a non-negative number of milliseconds`, path);
  if (ms > MAX_DELAY_MS) throw new DirectiveError(`${path}: at most ${MAX_DELAY_MS} ms`, path);
  return Math.round(ms);
}

function parseStatus(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 200 || n > 599) {
    throw new DirectiveError(`${path}: expected an HTTP status from 200 to 599, got ${JSON.stringify(value)}`, path);
  }
  return n;
}

function parseCode(value: unknown, path: string): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!CODE.test(code)) throw new DirectiveError(`${path}: expected an error code such as INTERNAL_ERROR, got ${JSON.stringify(value)}`, path);
  return code;
}

/** A latency: ms, "100..500" (uniform), or {dist, …}. */
export function parseLatency(value: unknown, path: string): LatencySpec {
  if (typeof value === 'number') return { dist: 'fixed', ms: checkMs(value, path) };
  if (typeof value === 'string') {
    const range = /^\s*(\d+)\s*(?:\.\.|-)\s*(\d+)\s*$/.exec(value);
    if (range) return uniform(Number(range[1]), Number(range[2]), path);
    return { dist: 'fixed', ms: parseMs(value, path) };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DirectiveError(`${path}: expected milliseconds or {"dist": "fixed" | "uniform" | "lognormal", …}`, path);
  }
  const v = value as Record<string, unknown>;
  switch (v.dist ?? 'fixed') {
    case 'fixed':
      return { dist: 'fixed', ms: checkMs(v.ms, `${path}.ms`) };
    case 'uniform':
      return uniform(checkMs(v.min, `${path}.min`), checkMs(v.max, `${path}.max`), path);
    case 'lognormal': {
      const median = checkMs(v.median ?? v.ms, `${path}.median`);
      const sigma = v.sigma ?? 0.5;
      if (typeof sigma !== 'number' || !(sigma >= 0) || sigma > 5) throw new DirectiveError(`${path}.sigma: expected a number from 0 to 5`, `${path}.sigma`);
      const max = v.max === undefined ? MAX_DELAY_MS : checkMs(v.max, `${path}.max`);
      return { dist: 'lognormal', median, sigma, max };
    }
    default:
      throw new DirectiveError(`${path}.dist: expected fixed, uniform or lognormal, got ${JSON.stringify(v.dist)}`, `${path}.dist`);
  }
}

function uniform(min: number, max: number, path: string): LatencySpec {
  checkMs(min, path);
  checkMs(max, path);
  if (min > max) throw new DirectiveError(`${path}: min (${min}) is above max (${max})`, path);
  return { dist: 'uniform', min, max };
}

function checkCombination(a: RequestFaultAction, path: string): RequestFaultAction {
  const others = [a.error && 'error', a.status && 'status', a.malformed && 'malformed', a.truncate && 'truncate', a.slowMs !== undefined && 'slow'].filter(Boolean);
  if (a.connection && others.length) {
    throw new DirectiveError(`${path}: ${a.connection} closes the connection before any response, so it cannot be combined with ${others.join(', ')}`, path);
  }
  if (!a.latency && !a.error && !a.status && !a.connection && !a.malformed && !a.truncate && a.slowMs === undefined) {
    throw new DirectiveError(`${path}: no fault directive given (error, status, latency, reset, empty, malformed, truncate, slow)`, path);
  }
  return a;
}

/**
 * The X-Sandbox-Fault header: comma-separated directives —
 * error=CODE, status=NNN, latency=MS | MIN..MAX, reset, empty, malformed, truncate, slow=MS.
 */
export function parseFaultHeader(text: string, path = 'X-Sandbox-Fault'): RequestFaultAction {
  const action: RequestFaultAction = { kind: 'request' };
  const connection = (c: 'reset' | 'empty') => {
    if (action.connection && action.connection !== c) throw new DirectiveError(`${path}: reset and empty exclude each other`, path);
    action.connection = c;
  };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : part.slice(eq + 1).trim();
    const need = () => {
      if (value === undefined || value === '') throw new DirectiveError(`${path}: ${name} needs a value (${name}=…)`, path);
      return value;
    };
    switch (name) {
      case 'error':
        action.error = parseCode(need(), `${path} error`);
        break;
      case 'status':
        action.status = parseStatus(need(), `${path} status`);
        break;
      case 'latency':
      case 'delay':
        action.latency = parseLatency(need(), `${path} latency`);
        break;
      case 'slow':
        action.slowMs = parseMs(need(), `${path} slow`);
        break;
      case 'reset':
      case 'empty':
        connection(name);
        break;
      case 'malformed':
      case 'truncate':
        action[name] = true;
        break;
      default:
        throw new DirectiveError(
          `${path}: unknown directive "${name}"; use error=CODE, status=NNN, latency=MS, reset, empty, malformed, truncate or slow=MS`,
          path,
        );
    }
  }
  return checkCombination(action, path);
}

const REQUEST_KEYS = ['error', 'status', 'message', 'latency', 'reset', 'empty', 'malformed', 'truncate', 'slow'];
const WEBHOOK_KINDS: WebhookMisbehaviour[] = ['drop', 'duplicate', 'reorder', 'bad_signature', 'delay'];

/** A rule's `action`: the header's directives as an object (or the header string itself), a pipeline or a webhook fault. */
export function parseAction(value: unknown, path = 'action'): FaultAction {
  if (typeof value === 'string') return parseFaultHeader(value, path);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DirectiveError(`${path}: expected an object`, path);
  const v = value as Record<string, unknown>;
  const unknownKeys = (allowed: string[]) => Object.keys(v).filter((k) => !allowed.includes(k));

  if ('stage' in v) {
    const extra = unknownKeys(['stage', 'fail', 'message', 'delay']);
    if (extra.length) throw new DirectiveError(`${path}: a pipeline fault takes stage, fail, message and delay; not ${extra.join(', ')}`, `${path}.${extra[0]}`);
    if (typeof v.stage !== 'string' || !/^(\*|[a-z][a-z0-9_-]*)$/i.test(v.stage)) throw new DirectiveError(`${path}.stage: expected a stage name such as render`, `${path}.stage`);
    const action: PipelineFaultAction = { kind: 'pipeline', stage: v.stage };
    if (v.fail !== undefined) {
      if (v.message !== undefined && typeof v.message !== 'string') throw new DirectiveError(`${path}.message: expected a string`, `${path}.message`);
      action.fail = { code: parseCode(v.fail, `${path}.fail`), ...(typeof v.message === 'string' ? { message: v.message } : {}) };
    }
    if (v.delay !== undefined) action.delayMs = checkStageDelay(v.delay, `${path}.delay`);
    if (!action.fail && action.delayMs === undefined) throw new DirectiveError(`${path}: a pipeline fault needs fail (a code) or delay (ms)`, path);
    return action;
  }

  if ('webhook' in v) {
    const extra = unknownKeys(['webhook', 'delay']);
    if (extra.length) throw new DirectiveError(`${path}: a webhook fault takes webhook and delay; not ${extra.join(', ')}`, `${path}.${extra[0]}`);
    const list = Array.isArray(v.webhook) ? v.webhook : [v.webhook];
    const kinds = list.map((k, i) => {
      if (!WEBHOOK_KINDS.includes(k as WebhookMisbehaviour)) {
        throw new DirectiveError(`${path}.webhook: expected ${WEBHOOK_KINDS.join(', ')}, got ${JSON.stringify(k)}`, Array.isArray(v.webhook) ? `${path}.webhook.${i}` : `${path}.webhook`);
      }
      return k as WebhookMisbehaviour;
    });
    if (!kinds.length) throw new DirectiveError(`${path}.webhook: name at least one misbehaviour`, `${path}.webhook`);
    const action: WebhookFaultAction = { kind: 'webhook', webhook: [...new Set(kinds)] };
    if (v.delay !== undefined) action.delayMs = checkStageDelay(v.delay, `${path}.delay`);
    if (kinds.includes('delay') && action.delayMs === undefined) throw new DirectiveError(`${path}.delay: webhook "delay" needs delay (ms)`, `${path}.delay`);
    if (action.delayMs !== undefined && !action.webhook.includes('delay')) action.webhook.push('delay');
    return action;
  }

  const extra = unknownKeys(REQUEST_KEYS);
  if (extra.length) {
    throw new DirectiveError(`${path}: unknown directive ${extra.join(', ')}; use ${REQUEST_KEYS.join(', ')}, or stage (pipeline) or webhook`, `${path}.${extra[0]}`);
  }
  const action: RequestFaultAction = { kind: 'request' };
  if (v.error !== undefined) action.error = parseCode(v.error, `${path}.error`);
  if (v.status !== undefined) action.status = parseStatus(v.status, `${path}.status`);
  if (v.message !== undefined) {
    if (typeof v.message !== 'string') throw new DirectiveError(`${path}.message: expected a string`, `${path}.message`);
    action.message = v.message;
  }
  if (v.latency !== undefined) action.latency = parseLatency(v.latency, `${path}.latency`);
  if (v.slow !== undefined) action.slowMs = typeof v.slow === 'string' ? parseMs(v.slow, `${path}.slow`) : checkMs(v.slow, `${path}.slow`);
  for (const flag of ['reset', 'empty', 'malformed', 'truncate'] as const) {
    const f = v[flag];
    if (f === undefined || f === false) continue;
    if (f !== true) throw new DirectiveError(`${path}.${flag}: expected true`, `${path}.${flag}`);
    if (flag === 'reset' || flag === 'empty') {
      if (action.connection) throw new DirectiveError(`${path}: reset and empty exclude each other`, path);
      action.connection = flag;
    } else action[flag] = true;
  }
  return checkCombination(action, path);
}

/** Longest pipeline-stage or webhook delay (sandbox ms; a manual clock skips it). */
export const MAX_STAGE_DELAY_MS = 86_400_000;

function checkStageDelay(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new DirectiveError(`${path}: expected a non-negative number of milliseconds`, path);
  if (value > MAX_STAGE_DELAY_MS) throw new DirectiveError(`${path}: at most ${MAX_STAGE_DELAY_MS} ms (a day)`, path);
  return Math.round(value);
}

/** Prism's `Prefer: code=404, example=name, dynamic=true`; other preferences are ignored (RFC 7240). */
export interface PreferDirectives {
  code?: number;
  example?: string;
  dynamic?: boolean;
}

export function parsePrefer(header: string | string[] | undefined): PreferDirectives | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  const out: PreferDirectives = {};
  for (const raw of text.split(/[,;]/)) {
    const [name = '', value = ''] = raw.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    switch (name.toLowerCase()) {
      case 'code':
        out.code = parseStatus(value, 'Prefer code');
        break;
      case 'example':
        if (value) out.example = value;
        break;
      case 'dynamic':
        out.dynamic = value === '' || value === 'true';
        break;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** The action written back as the header would say it (logs, rule listings). */
export function describeAction(a: FaultAction): string {
  if (a.kind === 'pipeline') {
    return [`stage=${a.stage}`, a.fail && `fail=${a.fail.code}`, a.delayMs !== undefined && `delay=${a.delayMs}`].filter(Boolean).join(',');
  }
  if (a.kind === 'webhook') return [`webhook=${a.webhook.join('+')}`, a.delayMs !== undefined && `delay=${a.delayMs}`].filter(Boolean).join(',');
  const l = a.latency;
  const latency = !l ? undefined : l.dist === 'fixed' ? `latency=${l.ms}` : l.dist === 'uniform' ? `latency=${l.min}..${l.max}` : `latency=lognormal(${l.median},${l.sigma})`;
  return [latency, a.error && `error=${a.error}`, a.status && `status=${a.status}`, a.connection, a.malformed && 'malformed', a.truncate && 'truncate', a.slowMs !== undefined && `slow=${a.slowMs}`]
    .filter(Boolean)
    .join(',');
}
