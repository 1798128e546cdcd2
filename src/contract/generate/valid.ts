// Generate values that satisfy a schema of the spec, seeded and small: numbers near their lower
// bound, short arrays, strings from the spec's own examples where a pattern or a business rule
// (a voice id, a theme) makes a random string useless. Every URL points back at the base URL's
// origin, so the implementation under test never calls out to third-party hosts.
import { deref } from '../../openapi/refs.ts';
import type { Random } from '../random.ts';

export interface GenerateOptions {
  doc: unknown;
  random: Random;
  /** values seen in the spec's examples, by property name */
  known: Map<string, unknown[]>;
  /** origin URLs are rewritten to (http://127.0.0.1:4010) */
  origin: string;
  /** include optional properties with this probability (0 = required only) */
  optional: number;
}

export class Unsatisfiable extends Error {}

/** A random (version 4 shaped) UUID from the seeded stream. */
export function uuidOf(random: Random): string {
  const h = random.hex(32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16]!, 16) % 4]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Point an http(s) URL at the origin under /__contract/, keeping its path for readability. */
export function rewriteUrl(value: string, origin: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return value;
    if (u.origin === origin) return value;
    return `${origin}/__contract${u.pathname === '/' ? '/' : u.pathname}`;
  } catch {
    return value;
  }
}

/** Rewrite every URL string inside a value (examples are sent as documented, URLs excepted). */
export function rewriteUrls(value: unknown, origin: string): unknown {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? rewriteUrl(value, origin) : value;
  if (Array.isArray(value)) return value.map((v) => rewriteUrls(v, origin));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteUrls(v, origin)]));
  return value;
}

/** Property name → values, from every example value (deep). */
export function collectKnown(values: unknown[], into = new Map<string, unknown[]>()): Map<string, unknown[]> {
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (child !== null && typeof child !== 'object') {
        const list = into.get(k) ?? [];
        if (!list.some((x) => x === child)) list.push(child);
        into.set(k, list);
      }
      walk(child);
    }
  };
  values.forEach(walk);
  return into;
}

function typesOf(schema: any): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties || schema.required) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function matches(pattern: string | undefined, s: string): boolean {
  if (!pattern) return true;
  try {
    return new RegExp(pattern, 'u').test(s);
  } catch {
    return true;
  }
}

function stringFor(schema: any, name: string | undefined, o: GenerateOptions): string {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, 24);
  const fits = (s: string) => s.length >= min && s.length <= max && matches(schema.pattern, s);
  const candidates: unknown[] = [];
  switch (schema.format) {
    case 'uri':
    case 'url':
      candidates.push(`${o.origin}/__contract/${o.random.hex(6)}`);
      break;
    case 'email':
      candidates.push(`contract.${o.random.hex(4)}@example.com`);
      break;
    case 'date-time':
      candidates.push(new Date(Date.UTC(2025, 0, 1 + o.random.int(0, 300))).toISOString());
      break;
    case 'date':
      candidates.push('2025-01-15');
      break;
    case 'uuid':
      candidates.push(uuidOf(o.random));
      break;
  }
  const known = [...(schema.examples ?? []), ...(schema.example !== undefined ? [schema.example] : []), ...(name ? (o.known.get(name) ?? []) : [])];
  const shuffled = known.filter((k) => typeof k === 'string').sort(() => o.random.next() - 0.5);
  candidates.push(...shuffled.map((k) => rewriteUrls(k, o.origin)));
  if (schema.default !== undefined) candidates.push(schema.default);
  const word = `contract ${o.random.hex(6)}`;
  candidates.push(word, word.replace(' ', '_'), o.random.hex(Math.max(min, 8)), 'x'.repeat(Math.max(min, 1)));
  for (const c of candidates) if (typeof c === 'string' && fits(c)) return c;
  throw new Unsatisfiable(`no string fits ${JSON.stringify({ pattern: schema.pattern, min, max })}`);
}

function numberFor(schema: any, integer: boolean, o: GenerateOptions): number {
  const step = integer ? 1 : 0.5;
  let lo = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + step : 0);
  let hi = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - step : lo + 100);
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  if (hi < lo) throw new Unsatisfiable('empty number range');
  // Small values: renders stay short, page sizes small.
  const top = Math.min(hi, lo + (integer ? 4 : 3));
  const v = lo + o.random.next() * (top - lo);
  return integer ? Math.round(v) : Math.round(v * 10) / 10 || lo;
}

export function generate(schemaIn: unknown, o: GenerateOptions, name?: string, depth = 0): unknown {
  const schema: any = deref(o.doc, schemaIn) ?? {};
  if (depth > 12) throw new Unsatisfiable('schema too deep');
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return o.random.pick(schema.enum);
  if (Array.isArray(schema.allOf)) {
    const merged: any = { ...schema, allOf: undefined };
    for (const part of schema.allOf) {
      const p: any = deref(o.doc, part);
      merged.properties = { ...merged.properties, ...p.properties };
      merged.required = [...(merged.required ?? []), ...(p.required ?? [])];
      merged.type ??= p.type;
    }
    return generate(merged, o, name, depth + 1);
  }
  const branches = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(branches)) {
    // Prefer branches that are not placeholders for something else (a string where an object fits).
    const branch = o.random.pick(branches);
    const merged = { ...deref<any>(o.doc, branch), ...(schema.properties && !deref<any>(o.doc, branch).properties ? { properties: schema.properties } : {}) };
    return generate(merged, o, name, depth + 1);
  }
  const types = typesOf(schema).filter((t) => t !== 'null');
  const type = types.length ? o.random.pick(types) : typesOf(schema).includes('null') ? 'null' : 'object';
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return o.random.chance(0.5);
    case 'integer':
      return numberFor(schema, true, o);
    case 'number':
      return numberFor(schema, false, o);
    case 'string':
      return stringFor(schema, name, o);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 2, min + 2);
      const n = o.random.int(min, Math.max(min, Math.min(max, min + 1)));
      const out: unknown[] = [];
      for (let i = 0; i < n * 3 && out.length < n; i++) {
        const item = generate(schema.items ?? {}, o, name, depth + 1);
        if (schema.uniqueItems && out.some((x) => JSON.stringify(x) === JSON.stringify(item))) continue;
        out.push(item);
      }
      if (out.length < min) throw new Unsatisfiable('cannot fill array');
      return out;
    }
    default: {
      const out: Record<string, unknown> = {};
      const required: string[] = schema.required ?? [];
      for (const [prop, sub] of Object.entries<any>(schema.properties ?? {})) {
        if (deref<any>(o.doc, sub)?.readOnly) continue;
        if (!required.includes(prop) && !o.random.chance(o.optional)) continue;
        out[prop] = generate(sub, o, prop, depth + 1);
      }
      for (const prop of required) if (!(prop in out)) out[prop] = generate({}, o, prop, depth + 1);
      const extra = schema.additionalProperties;
      if (extra && typeof extra === 'object' && o.random.chance(o.optional)) {
        const keyName = stringFor({ ...(schema.propertyNames ?? {}), minLength: 1 }, undefined, o).replace(/\W/g, '_');
        out[/^[A-Za-z_]/.test(keyName) ? keyName : `k_${keyName}`] = generate(extra, o, undefined, depth + 1);
      }
      return out;
    }
  }
}
