// Route a request to (API, operation, path params). Built once from the specs' operations.
// An API owns the requests under its routePrefix (longest prefix wins); a path it owns but does
// not serve is its 404, a served path with another method its 405 — both in its own envelope.
import type { Operation } from '../openapi/operations.ts';

interface CompiledRoute<A> {
  api: A;
  op: Operation;
  regex: RegExp;
  names: string[];
  /** literal segments count: literal routes beat templated ones (/render/schema before /render/{id}) */
  literals: number;
}

export type RouteResult<A> =
  | { kind: 'match'; api: A; op: Operation; params: Record<string, string> }
  | { kind: 'method-not-allowed'; api: A; allow: string[] }
  /** owned: the path lies under the API's prefix (else no API claims it and the first answers) */
  | { kind: 'not-found'; api: A; owned: boolean };

function compile(template: string): { regex: RegExp; names: string[]; literals: number } {
  const names: string[] = [];
  let literals = 0;
  const source = template
    .split('/')
    .map((seg) => {
      const m = /^\{([^}]+)\}$/.exec(seg);
      if (m) {
        names.push(m[1]!);
        return '([^/]+)';
      }
      if (seg) literals++;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names, literals };
}

export class Router<A extends { prefix: string }> {
  private routes: CompiledRoute<A>[] = [];
  private apis: A[];

  constructor(entries: { api: A; operations: Operation[] }[]) {
    // Longest prefix first, so /api/v1 (Sketchpen) is tried before /api (PhantomFlow).
    this.apis = entries.map((e) => e.api).sort((a, b) => b.prefix.length - a.prefix.length);
    for (const { api, operations } of entries) {
      for (const op of operations) this.routes.push({ api, op, ...compile(op.servedPath) });
    }
    this.routes.sort((a, b) => b.api.prefix.length - a.api.prefix.length || b.literals - a.literals);
  }

  /** Where each API is served, for 404s outside every API ("/api (phantomflow), …"). */
  served(describe: (api: A) => string): string {
    return [...this.apis].reverse().map((a) => `${a.prefix} (${describe(a)})`).join(', ');
  }

  /** The API that owns a path (for envelopes of unknown routes); the one with the shortest prefix when none does. */
  owner(path: string): A {
    return this.apis.find((a) => owns(a.prefix, path)) ?? this.apis[this.apis.length - 1]!;
  }

  match(method: string, rawPath: string): RouteResult<A> {
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
    const owner = this.owner(path);
    const wanted = method === 'head' ? 'get' : method;
    const allow = new Set<string>();
    for (const r of this.routes) {
      if (r.api !== owner) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.op.method === wanted) {
        const params: Record<string, string> = {};
        r.names.forEach((n, i) => {
          params[n] = safeDecode(m[i + 1]!);
        });
        return { kind: 'match', api: owner, op: r.op, params };
      }
      allow.add(r.op.method.toUpperCase());
      if (r.op.method === 'get') allow.add('HEAD');
    }
    if (allow.size) return { kind: 'method-not-allowed', api: owner, allow: [...allow, 'OPTIONS'] };
    return { kind: 'not-found', api: owner, owned: owns(owner.prefix, path) };
  }

  /** Methods served at a path (for CORS preflight and OPTIONS). */
  methodsAt(rawPath: string): string[] {
    const res = this.match('\u0000', rawPath);
    return res.kind === 'method-not-allowed' ? res.allow : [];
  }
}

/** A prefix owns itself and everything below it ("/" owns every path). */
function owns(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
