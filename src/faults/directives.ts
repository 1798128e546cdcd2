// Fault directives: the one vocabulary (catalogue/) read in two forms — the per-request header
// (`X-Sandbox-Fault: latency=200,error=INTERNAL_ERROR`) and a fault rule's `action`
// ({"latency": 200, "error": "INTERNAL_ERROR"}). Parsing only: what a directive does to a response
// is the engine's business (src/engine/stages/faults.ts); which requests a rule hits is rules.ts's.
import { DirectiveError, type FaultAction, type RequestFaultAction } from './actions.ts';
import { describeStage, describeWebhook, parseStageAction, parseWebhookAction, REQUEST_DIRECTIVES } from './catalogue/index.ts';

export * from './actions.ts';
export { MAX_DELAY_MS, MAX_STAGE_DELAY_MS, parseLatency } from './catalogue/index.ts';

export const FAULT_HEADER = 'x-sandbox-fault';

const OBJECT_KEYS = REQUEST_DIRECTIVES.flatMap((d) => d.keys);

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
 * error=CODE, status=NNN, latency=MS | MIN..MAX | lognormal(MEDIAN,SIGMA[,MAX]), reset, empty,
 * malformed, truncate, slow=MS. A comma inside parentheses belongs to its directive.
 */
export function parseFaultHeader(text: string, path = 'X-Sandbox-Fault'): RequestFaultAction {
  const action: RequestFaultAction = { kind: 'request' };
  for (const raw of text.split(/,(?![^(]*\))/)) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : part.slice(eq + 1).trim();
    const directive = REQUEST_DIRECTIVES.find((d) => d.header.includes(name));
    if (!directive) {
      throw new DirectiveError(
        `${path}: unknown directive "${name}"; use error=CODE, status=NNN, latency=MS, reset, empty, malformed, truncate or slow=MS`,
        path,
      );
    }
    directive.fromHeader(action, name, value, path);
  }
  return checkCombination(action, path);
}

/** A rule's `action`: the header's directives as an object (or the header string itself), a pipeline or a webhook fault. */
export function parseAction(value: unknown, path = 'action'): FaultAction {
  if (typeof value === 'string') return parseFaultHeader(value, path);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DirectiveError(`${path}: expected an object`, path);
  const v = value as Record<string, unknown>;
  if ('stage' in v) return parseStageAction(v, path);
  if ('webhook' in v) return parseWebhookAction(v, path);
  const extra = Object.keys(v).filter((k) => !OBJECT_KEYS.includes(k));
  if (extra.length) {
    throw new DirectiveError(`${path}: unknown directive ${extra.join(', ')}; use ${OBJECT_KEYS.join(', ')}, or stage (pipeline) or webhook`, `${path}.${extra[0]}`);
  }
  const action: RequestFaultAction = { kind: 'request' };
  for (const d of REQUEST_DIRECTIVES) d.fromObject(action, v, path);
  return checkCombination(action, path);
}

/** The action written back as the header would say it (logs, rule listings). */
export function describeAction(a: FaultAction): string {
  if (a.kind === 'pipeline') return describeStage(a);
  if (a.kind === 'webhook') return describeWebhook(a);
  return REQUEST_DIRECTIVES.map((d) => d.describe(a)).filter(Boolean).join(',');
}
