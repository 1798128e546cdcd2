// What the checker knows about one API, read from its OpenAPI document and nothing else: the key
// header and key shapes, the error envelope and catalogue, rate-limit headers and the 429 forms,
// validation codes, cost classes, resources (from `links`), jobs (`x-sandbox-job`) and the
// balance view (`x-sandbox-balance`). No API is named here.
import type { ApiSpec } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import type { ValidationStyle } from '../openapi/policy.ts';
import { deref } from '../openapi/refs.ts';
import type { CostClass } from './cost.ts';

export interface LinkView {
  name: string;
  target: Operation;
  /** target parameter name → JSON pointer into the source response body */
  params: Record<string, string>;
}

export interface JobDeclaration {
  read: string;
  status: string;
  success: string[];
  failure: string[];
  error?: string;
  video?: string;
  /** the video URL answers HTTP Range requests (206) */
  ranges?: boolean;
  thumbnail?: string;
  duration?: string;
  requestedDuration?: string;
  frame?: { width: string; height: string };
  aspectRatio?: string;
  requestedAspectRatio?: string;
  cost?: { estimate?: string; remaining?: string; used?: string };
  fault?: { stage: string; code: string };
  actions?: Record<string, string>;
  /** how a run receives the job's webhook: a URL field of the request, or a subscription operation */
  webhook?: { requestField?: string; subscribe?: string; urlField?: string; eventField?: string; event?: string; secretField?: string };
}

/** How a list operation pages (x-sandbox-pagination). */
export interface Pagination {
  items: string;
  limit: string;
  cursor?: { param: string; next: string };
  offset?: { param: string; total?: string };
  /** query parameter → the item field it filters on */
  filters?: Record<string, string>;
}

/** A resource some operation creates, and what the links say can be done with it. */
export interface Resource {
  name: string;
  create: Operation;
  /** status of the create's success response */
  createdStatus: string;
  /** pointer of the id in the created body */
  idPointer: string;
  read?: LinkView;
  update?: LinkView;
  delete?: LinkView;
  list?: LinkView;
  actions: LinkView[];
  job?: JobDeclaration;
}

export interface ApiProfile {
  spec: ApiSpec;
  id: string;
  doc: Record<string, any>;
  /** the key header as the spec spells it */
  keyHeader: string;
  testKeyPattern: RegExp;
  liveKeyPattern?: RegExp;
  envelope?: { root: string[]; code: string; message: string };
  operations: Operation[];
  costOf(op: Operation): CostClass;
  /** documented status keys of an operation ('200', '4XX', 'default') */
  documentedStatuses(op: Operation): string[];
  /** the response object documented for a status (exact, nXX, default) */
  responseFor(op: Operation, status: number): { key: string; response: any } | undefined;
  /** x-error-codes of the documented response for a status */
  errorCodesFor(op: Operation, status: number): string[] | undefined;
  validationStyle(op: Operation): ValidationStyle;
  resources: Resource[];
  jobOf(op: Operation): JobDeclaration | undefined;
  /** the operation whose 200 body shows the balance, and where */
  balance?: { op: Operation; pointer: string };
  /** an operation whose body needs another's result first (a link with requestBody fields) */
  prerequisiteOf(op: Operation): { source: Operation; fields: Record<string, string> } | undefined;
  /** provenance word of an operation (x-provenance), if any */
  provenanceOf(op: Operation | undefined): string | undefined;
}

/** `$response.body#/a/b` → `/a/b`; other expressions are not followed. */
function bodyPointer(expression: unknown): string | undefined {
  if (typeof expression !== 'string') return undefined;
  const m = /^\$response\.body#(\/.*)?$/.exec(expression);
  return m ? (m[1] ?? '') : undefined;
}

export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The value at a JSON pointer (undefined when absent). */
export function at(value: unknown, pointer: string): unknown {
  let node: any = value;
  for (const seg of pointerSegments(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[seg];
  }
  return node;
}

/** Values at a pointer with `*` wildcards over arrays (`/scenes/*\/duration`). */
export function atAll(value: unknown, pointer: string): unknown[] {
  let nodes: unknown[] = [value];
  for (const seg of pointerSegments(pointer)) {
    nodes = nodes.flatMap((n: any) => {
      if (n === null || typeof n !== 'object') return [];
      if (seg === '*') return Array.isArray(n) ? n : Object.values(n);
      return seg in n ? [n[seg]] : [];
    });
  }
  return nodes;
}

function statusKeyFor(responses: Record<string, unknown>, status: number): string | undefined {
  return [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
}

function successResponse(op: Operation): { key: string; response: any } | undefined {
  const key = Object.keys(op.responses).find((k) => /^2/.test(k));
  return key ? { key, response: op.responses[key] } : undefined;
}

export function buildProfile(spec: ApiSpec): ApiProfile {
  const { doc, policy } = spec;
  const schemes: Record<string, any> = doc.components?.securitySchemes ?? {};
  const apiKeyScheme = Object.values(schemes).find((s: any) => s?.type === 'apiKey' && s.in === 'header');
  const keyHeader: string = apiKeyScheme?.name ?? policy.auth.header;
  const byId = new Map(spec.operations.map((o) => [o.operationId, o]));

  const linksOf = (op: Operation): LinkView[] => {
    const success = successResponse(op);
    if (!success) return [];
    const response = deref(doc, success.response);
    return Object.entries<any>(response?.links ?? {}).flatMap(([name, link]) => {
      const target = link?.operationId ? byId.get(link.operationId) : undefined;
      if (!target) return [];
      const params: Record<string, string> = {};
      for (const [param, expr] of Object.entries(link.parameters ?? {})) {
        const p = bodyPointer(expr);
        if (p !== undefined) params[param.replace(/^path\./, '')] = p;
      }
      return [{ name, target, params }];
    });
  };

  const jobOf = (op: Operation) => op.raw['x-sandbox-job'] as JobDeclaration | undefined;

  const resources: Resource[] = [];
  for (const op of spec.operations) {
    const links = linksOf(op);
    if (!links.length) continue;
    const withId = links.filter((l) => Object.keys(l.params).length > 0);
    const idPointer = withId[0] ? Object.values(withId[0].params)[0]! : undefined;
    if (idPointer === undefined) continue;
    const pick = (methods: string[], needsId: boolean) => links.find((l) => methods.includes(l.target.method) && (Object.keys(l.params).length > 0) === needsId);
    const read = pick(['get'], true);
    const update = pick(['put', 'patch'], true);
    const del = pick(['delete'], true);
    const list = pick(['get'], false);
    const actions = links.filter((l) => l !== read && l !== update && l !== del && l !== list && Object.keys(l.params).length > 0);
    resources.push({
      name: op.operationId,
      create: op,
      createdStatus: successResponse(op)!.key,
      idPointer,
      read,
      update,
      delete: del,
      list,
      actions,
      job: jobOf(op),
    });
  }

  const balanceOp = spec.operations.find((o) => typeof o.raw['x-sandbox-balance'] === 'string');
  const env = policy.errors.envelope;

  return {
    spec,
    id: policy.id,
    doc,
    keyHeader,
    testKeyPattern: policy.auth.testKeyPattern,
    liveKeyPattern: policy.auth.liveKeyPattern,
    envelope: env ? { root: pointerSegments(env.root), code: env.code, message: env.message } : undefined,
    operations: spec.operations,
    costOf(op) {
      // A documented 402 means the operation may take credits; anything else that is not a read writes.
      if ('402' in op.responses) return 'spend';
      return op.method === 'get' || op.method === 'head' || op.method === 'options' ? 'read' : 'write';
    },
    documentedStatuses: (op) => Object.keys(op.responses),
    responseFor(op, status) {
      const key = statusKeyFor(op.responses, status);
      return key ? { key, response: deref(doc, op.responses[key]) } : undefined;
    },
    errorCodesFor(op, status) {
      const key = statusKeyFor(op.responses, status);
      const codes = key ? deref(doc, op.responses[key])?.['x-error-codes'] : undefined;
      return Array.isArray(codes) ? codes : undefined;
    },
    validationStyle(op) {
      const override = op.raw['x-sandbox-validation'] as Partial<ValidationStyle> | undefined;
      return override ? { ...policy.validation.body, missingRequired: undefined, ...override } : policy.validation.body;
    },
    resources,
    jobOf,
    balance: balanceOp ? { op: balanceOp, pointer: balanceOp.raw['x-sandbox-balance'] as string } : undefined,
    prerequisiteOf(target) {
      for (const source of spec.operations) {
        const success = successResponse(source);
        const links = Object.values<any>(deref(doc, success?.response)?.links ?? {});
        const link = links.find((l) => l?.operationId === target.operationId && l.requestBody && typeof l.requestBody === 'object');
        if (!link) continue;
        const fields: Record<string, string> = {};
        for (const [field, expr] of Object.entries(link.requestBody)) {
          const p = bodyPointer(expr);
          if (p !== undefined) fields[field] = p;
        }
        return { source, fields };
      }
      return undefined;
    },
    provenanceOf: (op) => (op?.raw['x-provenance'] as string | undefined) ?? undefined,
  };
}

/** The error object of an error body, per the declared envelope (undefined when absent). */
export function errorObject(profile: ApiProfile, body: unknown): Record<string, unknown> | undefined {
  if (!profile.envelope) return undefined;
  let node: any = body;
  for (const seg of profile.envelope.root) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[seg];
  }
  return node && typeof node === 'object' && !Array.isArray(node) ? node : undefined;
}

/** The catalogue code of an error body, if it has one. */
export function errorCode(profile: ApiProfile, body: unknown): string | undefined {
  const obj = errorObject(profile, body);
  const code = obj?.[profile.envelope!.code];
  return typeof code === 'string' ? code : undefined;
}

/** A well-formed key of the API's test-key shape, from the literal prefix of its pattern. */
export function makeTestKey(pattern: RegExp, tag: string): string | undefined {
  const prefix = literalPrefix(pattern.source);
  for (const candidate of [`${prefix}${tag}`, `${prefix}${tag.replace(/[^A-Za-z0-9]/g, '')}`]) {
    if (pattern.test(candidate)) return candidate;
  }
  return undefined;
}

/** The literal text a regex source starts with (`^ve_test_[A-Z…]` → `ve_test_`). */
export function literalPrefix(source: string): string {
  let out = '';
  for (const ch of source.replace(/^\^/, '')) {
    if ('[(.*+?{|\\$'.includes(ch)) break;
    out += ch;
  }
  return out;
}
