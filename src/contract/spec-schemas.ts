// The profile's schemas, compiled once per API, and the provenance of a schema location: the
// nearest `x-provenance` on the way from a response schema down to the value that failed.
import { deref } from '../openapi/refs.ts';
import type { ApiProfile } from './profile.ts';
import { SchemaBook } from './schemas.ts';

const books = new WeakMap<object, SchemaBook>();

export function schemaBookOf(profile: ApiProfile): SchemaBook {
  let b = books.get(profile.doc);
  if (!b) books.set(profile.doc, (b = new SchemaBook(profile.doc, profile.id)));
  return b;
}

/** The innermost x-provenance along a dot path (`data.0.status`) inside a schema, if any. */
export function schemaProvenance(profile: ApiProfile, schemaIn: unknown, dotPath: string): string | undefined {
  let found: string | undefined;
  let node: any = schemaIn;
  const note = (n: any) => {
    if (n && typeof n === 'object' && typeof n['x-provenance'] === 'string') found = n['x-provenance'];
  };
  const resolve = (n: any): any => {
    let cur = n;
    for (let i = 0; i < 16 && cur && typeof cur === 'object' && typeof cur.$ref === 'string'; i++) {
      note(cur);
      cur = deref(profile.doc, { $ref: cur.$ref });
    }
    note(cur);
    return cur;
  };
  node = resolve(node);
  for (const seg of dotPath ? dotPath.split('.') : []) {
    if (!node || typeof node !== 'object') break;
    const branches = [...(node.allOf ?? []), ...(node.oneOf ?? []), ...(node.anyOf ?? [])].map(resolve);
    const candidates = [node, ...branches];
    const next = candidates
      .map((c: any) => (/^\d+$/.test(seg) ? c?.items : c?.properties?.[seg]))
      .find((n: unknown) => n !== undefined);
    if (next === undefined) break;
    node = resolve(next);
  }
  return found;
}
