// The options of a contract run, their defaults, and the usage errors they can raise. Safe
// defaults: against a base URL that is not a sandbox only `read` and `write` cases run, gently
// paced; spend and destructive cases need --include (or --destructive).
import { COST_CLASSES, type CostClass } from './types.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ContractOptions {
  /** API id (x-sandbox.id of the spec): phantomflow, sketchpen */
  api: string;
  /** the base URL a client configures (PhantomFlow http://127.0.0.1:4010, Sketchpen …/api/v1) */
  baseUrl: string;
  key: string;
  /** a second account's key, for tenant isolation (provisioned automatically on a sandbox) */
  secondKey?: string;
  /** the spec to check against; default openapi/<api>.yaml */
  spec?: string;
  seed?: number;
  checks?: string[];
  excludeChecks?: string[];
  operations?: string[];
  /** cost classes beyond the defaults */
  include?: CostClass[];
  destructive?: boolean;
  maxRequests?: number;
  /** 0 = unpaced; default 0 against a sandbox, 2 otherwise */
  maxRps?: number;
  /** per request, ms */
  timeoutMs?: number;
  /** how long a job may take to finish, ms */
  jobTimeoutMs?: number;
  minCoverage?: number;
  /** a host this machine can be reached on by the API, to receive webhooks */
  webhookHost?: string;
  /** the sandbox control API's admin token, when it has one */
  adminToken?: string;
  /** run with a live key (never spend or destructive unless included) */
  allowLiveKey?: boolean;
  /** generated cases per operation and kind; default 2 */
  examplesPerOperation?: number;
}

export interface ResolvedOptions extends Required<Omit<ContractOptions, 'secondKey' | 'spec' | 'checks' | 'excludeChecks' | 'operations' | 'include' | 'minCoverage' | 'webhookHost' | 'adminToken' | 'maxRps'>> {
  secondKey?: string;
  spec?: string;
  checks?: string[];
  excludeChecks?: string[];
  operations?: string[];
  include: CostClass[];
  minCoverage?: number;
  webhookHost?: string;
  adminToken?: string;
  maxRps?: number;
}

export function parseCostClasses(text: string): CostClass[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((c) => !COST_CLASSES.includes(c as CostClass));
  if (bad.length) throw new UsageError(`unknown cost class ${bad.join(', ')}: use ${COST_CLASSES.join(', ')}`);
  return list as CostClass[];
}

export function resolveOptions(o: ContractOptions): ResolvedOptions {
  if (!o.api) throw new UsageError('--api is required (the x-sandbox.id of a spec in openapi/, or of --spec FILE)');
  if (!o.baseUrl) throw new UsageError('--base-url is required (the base URL a client configures)');
  try {
    const u = new URL(o.baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--base-url ${o.baseUrl} is not an http(s) URL`);
  }
  if (!o.key) throw new UsageError('--key is required');
  const positive = (name: string, v: number | undefined, min = 1) => {
    if (v !== undefined && (!Number.isFinite(v) || v < min)) throw new UsageError(`${name} must be a number ≥ ${min}`);
  };
  positive('--max-requests', o.maxRequests);
  positive('--max-rps', o.maxRps, 0);
  positive('--timeout', o.timeoutMs);
  positive('--seed', o.seed, 0);
  if (o.minCoverage !== undefined && !(o.minCoverage >= 0 && o.minCoverage <= 100)) throw new UsageError('--min-coverage must be a percentage (0–100)');
  return {
    ...o,
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    seed: o.seed ?? 1,
    include: [...new Set([...(o.include ?? []), ...(o.destructive ? (['destructive'] as CostClass[]) : [])])],
    destructive: Boolean(o.destructive),
    maxRequests: o.maxRequests ?? 5000,
    timeoutMs: o.timeoutMs ?? 10_000,
    jobTimeoutMs: o.jobTimeoutMs ?? 60_000,
    allowLiveKey: Boolean(o.allowLiveKey),
    examplesPerOperation: o.examplesPerOperation ?? 2,
  };
}

/** The cost classes a run includes: read + write always; spend by default only on a sandbox. */
export function costClassesFor(o: ResolvedOptions, sandbox: boolean): CostClass[] {
  const base: CostClass[] = sandbox ? ['read', 'write', 'spend'] : ['read', 'write'];
  return [...new Set([...base, ...o.include])].sort((a, b) => COST_CLASSES.indexOf(a) - COST_CLASSES.indexOf(b));
}
