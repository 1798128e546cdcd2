// Local JSON-pointer references inside one spec document (`#/components/...`).

export function decodePointer(ref: string): string[] {
  if (!ref.startsWith('#')) throw new Error(`only local references are supported, got ${ref}`);
  // The common case (`#/components/schemas/Name`) has nothing to decode.
  if (ref.startsWith('#/') && !/[~%]/.test(ref)) return ref.slice(2).split('/');
  return ref
    .slice(1)
    .split('/')
    .filter((s, i) => i > 0 || s !== '')
    .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function resolvePointer(doc: unknown, ref: string): unknown {
  let node: any = doc;
  for (const key of decodePointer(ref)) {
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable reference ${ref}`);
    node = node[key];
  }
  return node;
}

/** Follow `$ref` chains on a node (parameters, responses, request bodies, headers). */
export function deref<T = any>(doc: unknown, node: any): T {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (++seen > 32) throw new Error(`reference cycle at ${node.$ref}`);
    node = resolvePointer(doc, node.$ref);
  }
  return node as T;
}

/** Keywords OpenAPI adds to JSON Schema: a standard validator in strict mode refuses them. */
const OPENAPI_ONLY = new Set(['discriminator', 'xml', 'externalDocs', 'example', 'nullable']);

/**
 * Formats the sandbox validates (ajv-formats) as patterns a validator without format support
 * compiles: close approximations (the server stays the judge); the format is named in `$comment`.
 */
const FORMAT_PATTERNS: Record<string, string> = {
  uri: '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]*$',
  email: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
};

/**
 * A standalone, plain JSON Schema (2020-12) for one schema of the spec: the schema itself plus
 * every component schema it reaches, moved under `$defs`; no OpenAPI-only keywords and no
 * formats, so that `new Ajv2020()` compiles it as it is. Clients can validate locally with it.
 */
export function bundleSchema(doc: unknown, ref: string, meta: { $id?: string; title?: string } = {}): Record<string, unknown> {
  const prefix = '#/components/schemas/';
  const defs: Record<string, unknown> = {};
  const rewrite = (node: any): any => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    const extra: unknown[] = [];
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(prefix)) {
        const name = v.slice(prefix.length);
        if (!(name in defs)) {
          defs[name] = true; // placeholder breaks cycles
          defs[name] = rewrite(resolvePointer(doc, v));
        }
        out.$ref = `#/$defs/${name}`;
      } else if (k.startsWith('x-') || OPENAPI_ONLY.has(k) || k === 'examples') {
        continue; // spec-only annotations; keep the client schema lean
      } else if (k === 'format' && typeof v === 'string') {
        const pattern = FORMAT_PATTERNS[v];
        out.$comment = `format: ${v}${pattern ? ' (checked here by an approximate pattern)' : ''}`;
        if (pattern && typeof node.pattern === 'string') extra.push({ pattern });
        else if (pattern) out.pattern = pattern;
      } else {
        out[k] = rewrite(v);
      }
    }
    if (extra.length) out.allOf = [...((out.allOf as unknown[]) ?? []), ...extra];
    return out;
  };
  const root = rewrite(resolvePointer(doc, ref));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(meta.$id ? { $id: meta.$id } : {}),
    ...(meta.title ? { title: meta.title } : {}),
    ...root,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}
