// Ajv errors → problems: where in the value each one is, what kind it is, with the noise of union
// branches dropped. The API's validation style (styles/) words them.
import type { ErrorObject } from 'ajv';

export type Segment = string | number;

export interface Problem {
  /** location inside the value, e.g. ['scenes', 0, 'duration'] */
  at: Segment[];
  keyword: string;
  /** true when a required property is missing (it is then the last segment of `at`) */
  missing: boolean;
  error: ErrorObject;
  data: unknown;
  /** for a failed discriminator: the tag values the schema accepts */
  allowed?: unknown[];
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : 'float';
  return typeof value;
}

function parsePointer(pointer: string, data: unknown): Segment[] {
  if (!pointer) return [];
  const out: Segment[] = [];
  let node: any = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const seg: Segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    node = node?.[seg as any];
  }
  return out;
}

function valueAt(data: unknown, at: Segment[]): unknown {
  let node: any = data;
  for (const seg of at) node = node?.[seg as any];
  return node;
}

/** Ajv errors → problems with data locations; noise from branches of anyOf/oneOf/if is dropped. */
export function toProblems(errors: ErrorObject[], data: unknown, tagValues?: (e: ErrorObject) => unknown[] | undefined): Problem[] {
  // Combinator summaries ("must match exactly one schema in oneOf") only repeat what the branch
  // errors already say, except when nothing more specific exists at or below that location.
  let specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
  // In a union (string | object …), a branch of the wrong type also reports "Expected string":
  // when another branch says something about the same value or inside it, that is the real problem.
  specific = specific.filter(
    (e) => e.keyword !== 'type' || !specific.some((o) => o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/'))),
  );
  const chosen = specific.length ? specific : errors;
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of chosen) {
    const base = parsePointer(error.instancePath, data);
    let at = base;
    let missing = false;
    if (error.keyword === 'required') {
      at = [...base, (error.params as any).missingProperty];
      missing = true;
    } else if (error.keyword === 'additionalProperties') {
      at = [...base, (error.params as any).additionalProperty];
    } else if (error.keyword === 'discriminator') {
      at = [...base, (error.params as any).tag];
    }
    const key = `${error.keyword}|${at.join('.')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const discriminator = error.keyword === 'discriminator';
    problems.push({
      at,
      keyword: error.keyword,
      missing,
      error,
      data: valueAt(data, discriminator ? at : base),
      allowed: discriminator ? tagValues?.(error) : undefined,
    });
  }
  return problems;
}

export const quoteList = (values: unknown[], sep: string) => values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v))).join(sep);

