// What several phases need from an operation: its JSON body schema and documented examples,
// valid bodies (examples first, then generated ones the schema accepts), parameter values, and
// the path with its parameters filled in.
import type { Operation, ParameterSpec } from '../../openapi/operations.ts';
import { deref } from '../../openapi/refs.ts';
import { collectKnown, generate, rewriteUrls, Unsatisfiable } from '../generate/valid.ts';
import type { ApiProfile } from '../profile.ts';
import type { Random } from '../random.ts';
import type { Session } from '../session.ts';
import { schemaBookOf } from '../spec-schemas.ts';

export function jsonBody(op: Operation): { schema?: object; required: boolean; examples: { name: string; value: unknown }[] } | undefined {
  if (!op.body) return undefined;
  const type = Object.keys(op.body.content).find((t) => /json/i.test(t));
  if (!type) return undefined;
  const media: any = op.body.content[type];
  const examples: { name: string; value: unknown }[] = [];
  if (media.example !== undefined) examples.push({ name: 'example', value: media.example });
  for (const [name, ex] of Object.entries<any>(media.examples ?? {})) if (ex && 'value' in ex) examples.push({ name, value: ex.value });
  return { schema: media.schema, required: op.body.required, examples };
}

const knownCache = new WeakMap<object, Map<string, unknown[]>>();

/** Property values seen anywhere in the spec's examples (requests and responses). */
export function knownValues(profile: ApiProfile): Map<string, unknown[]> {
  let known = knownCache.get(profile.doc);
  if (known) return known;
  const values: unknown[] = [];
  const walk = (node: unknown, key?: string) => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n));
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'example') values.push(v);
      else if (k === 'examples' && key !== 'properties') {
        if (Array.isArray(v)) values.push(...v);
        else if (v && typeof v === 'object') for (const e of Object.values<any>(v)) values.push(deref(profile.doc, e)?.value);
      } else walk(v, k);
    }
  };
  walk(profile.doc.paths);
  walk(profile.doc.components?.examples);
  known = collectKnown(values);
  knownCache.set(profile.doc, known);
  return known;
}

/** Documented examples (URLs pointed back at the base URL's origin) that the schema accepts. */
export function exampleBodies(s: Session, op: Operation): { label: string; value: unknown }[] {
  const body = jsonBody(op);
  if (!body) return [];
  return body.examples.map((e) => ({ label: `example "${e.name}"`, value: rewriteUrls(e.value, s.origin) }));
}

/** Generated bodies the schema accepts (at most n, seeded). */
export function generatedBodies(s: Session, op: Operation, n: number, random: Random, optional = 0.5): unknown[] {
  const body = jsonBody(op);
  if (!body?.schema) return [];
  const book = schemaBookOf(s.profile);
  const out: unknown[] = [];
  for (let tries = 0; out.length < n && tries < n * 12; tries++) {
    try {
      const v = generate(body.schema, { doc: s.profile.doc, random, known: knownValues(s.profile), origin: s.origin, optional });
      if (book.valid(body.schema, v) && !out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    } catch (err) {
      if (!(err instanceof Unsatisfiable)) throw err;
    }
  }
  return out;
}

/** A valid body: the first example the schema accepts, else a generated one. */
export function aValidBody(s: Session, op: Operation, random: Random): unknown {
  const body = jsonBody(op);
  if (!body) return undefined;
  const book = schemaBookOf(s.profile);
  const ex = exampleBodies(s, op).find((e) => !body.schema || book.valid(body.schema, e.value));
  return ex ? ex.value : generatedBodies(s, op, 1, random, 0)[0];
}

/** A value for a parameter: its example when it fits, else a generated one. */
export function parameterValue(s: Session, p: ParameterSpec, random: Random, raw?: any): string | undefined {
  const spec = raw ?? {};
  const book = schemaBookOf(s.profile);
  const example = spec.example ?? (p.schema as any)?.example ?? (p.schema as any)?.examples?.[0];
  if (example !== undefined && book.valid(p.schema, example)) return String(example);
  try {
    const v = generate(p.schema, { doc: s.profile.doc, random, known: knownValues(s.profile), origin: s.origin, optional: 0 });
    return book.valid(p.schema, v) ? String(v) : undefined;
  } catch {
    return undefined;
  }
}

/** The raw parameter objects of an operation (for their `example`). */
export function rawParameters(profile: ApiProfile, op: Operation): Map<string, any> {
  const item = profile.doc.paths?.[op.path] ?? {};
  const all = [...(item.parameters ?? []), ...(op.raw.parameters ?? [])].map((p) => deref<any>(profile.doc, p));
  return new Map(all.map((p) => [`${p.in}:${p.name}`, p]));
}

export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? `missing-${name}`));
}

/** Path parameters from their examples (or generated), and required query parameters. */
export function defaultParameters(s: Session, op: Operation, random: Random): { path: Record<string, string>; query: Record<string, string> } {
  const raw = rawParameters(s.profile, op);
  const path: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const p of op.parameters) {
    if (p.in === 'path') path[p.name] = parameterValue(s, p, random, raw.get(`path:${p.name}`)) ?? 'x';
    if (p.in === 'query' && p.required) {
      const v = parameterValue(s, p, random, raw.get(`query:${p.name}`));
      if (v !== undefined) query[p.name] = v;
    }
  }
  return { path, query };
}

/** Header and query values an operation requires beyond the key (rare), left to the caller. */
export function needsAuth(op: Operation): boolean {
  return op.scopes !== null;
}
