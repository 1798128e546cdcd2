// The operations of a spec, flattened into what the router and validators need.
import { deref } from './refs.ts';
import { parseLimit, type WordedLimit } from './limit-wording.ts';
import type { ValidationStyle } from './policy.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Record<string, unknown>;
}

export interface BodySpec {
  required: boolean;
  /** media type → schema (may be a $ref into the document) */
  content: Record<string, { schema?: Record<string, unknown> }>;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** path template as written in the spec, e.g. /jobs/{job_id} */
  path: string;
  /** the path the sandbox serves: mount point + template */
  servedPath: string;
  parameters: ParameterSpec[];
  body?: BodySpec;
  /** null: no auth; [] any valid key; [scopes…]: each needed (role names of the security requirement) */
  scopes: string[] | null;
  /** route limits by plan, from x-sandbox-rate-limit ("10 per 1 day"), on top of the per-minute limit */
  routeLimits: Record<string, WordedLimit>;
  /** the body validation style this operation uses instead of the API's (x-sandbox-validation) */
  validation?: ValidationStyle;
  /** response status codes declared, as strings ('200', '4XX', 'default') */
  responses: Record<string, any>;
  /** the operation object itself, for x- keys read by the engine or API modules */
  raw: Record<string, any>;
}

function mergeParameters(doc: unknown, pathLevel: any[] = [], opLevel: any[] = []): ParameterSpec[] {
  const byKey = new Map<string, ParameterSpec>();
  for (const p of [...pathLevel, ...opLevel].map((p) => deref(doc, p))) {
    byKey.set(`${p.in}:${p.name}`, {
      name: p.name,
      in: p.in,
      required: p.in === 'path' ? true : Boolean(p.required),
      schema: p.schema ?? {},
    });
  }
  return [...byKey.values()];
}

function scopesOf(doc: any, op: any): string[] | null {
  const requirements: Record<string, string[]>[] | undefined = op.security ?? doc.security;
  if (!requirements || requirements.length === 0) return null;
  // An empty requirement object ({}) makes auth optional; treat it as public.
  if (requirements.some((r) => Object.keys(r).length === 0)) return null;
  return [...new Set(requirements.flatMap((r) => Object.values(r).flat()))];
}

export function listOperations(doc: any, mount: string): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const body = op.requestBody ? deref(doc, op.requestBody) : undefined;
      ops.push({
        operationId: op.operationId,
        method,
        path,
        servedPath: (mount + path).replace(/\/{2,}/g, '/'),
        parameters: mergeParameters(doc, item.parameters, op.parameters),
        body: body ? { required: Boolean(body.required), content: body.content ?? {} } : undefined,
        scopes: scopesOf(doc, op),
        routeLimits: Object.fromEntries(Object.entries<string>(op['x-sandbox-rate-limit'] ?? {}).map(([plan, text]) => [plan, parseLimit(text)])),
        validation: op['x-sandbox-validation'],
        responses: op.responses ?? {},
        raw: op,
      });
    }
  }
  return ops;
}
