// The router as a pure function: operations in, (API, operation, params) or the reason there is
// no match out. Small hand-made APIs, plus the real specs for the cases they were built for.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Router } from '../../src/engine/router.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import type { HttpMethod, Operation } from '../../src/openapi/operations.ts';
import { SPEC_DIR } from '../../src/paths.ts';

interface Api {
  name: string;
  prefix: string;
}

function op(method: HttpMethod, servedPath: string, operationId = `${method} ${servedPath}`): Operation {
  return { operationId, method, path: servedPath, servedPath, parameters: [], scopes: null, routeLimits: {}, responses: {}, raw: {} };
}

const outer: Api = { name: 'outer', prefix: '/api' };
const inner: Api = { name: 'inner', prefix: '/api/v1' };
const control: Api = { name: 'control', prefix: '/__sandbox' };

const router = new Router<Api>([
  {
    api: outer,
    operations: [
      op('post', '/api/render'),
      op('get', '/api/render/{id}', 'getRender'),
      op('get', '/api/render/schema', 'getSchema'),
      op('delete', '/api/render/{id}', 'deleteRender'),
      op('get', '/api/jobs/{job_id}/files/{name}', 'getFile'),
    ],
  },
  { api: inner, operations: [op('get', '/api/v1/videos'), op('post', '/api/v1/videos'), op('get', '/api/v1/videos/{id}', 'getVideo')] },
  { api: control, operations: [op('post', '/__sandbox/reset')] },
]);

const matched = (method: string, path: string) => {
  const r = router.match(method, path);
  if (r.kind !== 'match') throw new Error(`${method} ${path}: ${r.kind}`);
  return { api: r.api.name, op: r.op.operationId, params: r.params };
};

describe('Router.match', () => {
  it('the longest prefix owns a path: /api/v1/… is inner even where outer has no route', () => {
    expect(matched('get', '/api/v1/videos')).toEqual({ api: 'inner', op: 'get /api/v1/videos', params: {} });
    expect(matched('get', '/api/v1/videos/abc')).toEqual({ api: 'inner', op: 'getVideo', params: { id: 'abc' } });
    // The prefix itself belongs to inner, which serves nothing there.
    const r = router.match('get', '/api/v1');
    expect(r).toMatchObject({ kind: 'not-found', owned: true });
    expect(r.api).toBe(inner);
    // A longer segment that merely starts with the prefix is not under it.
    const v10 = router.match('get', '/api/v10/videos');
    expect(v10.api).toBe(outer);
    expect(v10).toMatchObject({ kind: 'not-found', owned: true });
  });

  it('a literal segment beats a template whatever the declaration order (/render/schema vs /render/{id})', () => {
    expect(matched('get', '/api/render/schema')).toMatchObject({ op: 'getSchema', params: {} });
    expect(matched('get', '/api/render/r_1')).toEqual({ api: 'outer', op: 'getRender', params: { id: 'r_1' } });
    // Another method at the literal path falls through to the template that serves it.
    expect(matched('delete', '/api/render/schema')).toEqual({ api: 'outer', op: 'deleteRender', params: { id: 'schema' } });
  });

  it('trailing slashes are ignored; the root stays the root', () => {
    expect(matched('post', '/api/render/')).toMatchObject({ op: 'post /api/render' });
    expect(matched('get', '/api/render/r_1//')).toMatchObject({ op: 'getRender', params: { id: 'r_1' } });
    expect(router.match('get', '/')).toMatchObject({ kind: 'not-found', owned: false });
  });

  it('params are percent-decoded; a bad escape is kept as sent', () => {
    expect(matched('get', '/api/render/a%20b').params).toEqual({ id: 'a b' });
    expect(matched('get', '/api/render/caf%C3%A9').params).toEqual({ id: 'café' });
    // An encoded slash stays inside its segment and is decoded into the param.
    expect(matched('get', '/api/render/a%2Fb').params).toEqual({ id: 'a/b' });
    expect(matched('get', '/api/render/100%').params).toEqual({ id: '100%' });
    expect(matched('get', '/api/render/%E0%A4%A').params).toEqual({ id: '%E0%A4%A' });
    expect(matched('get', '/api/jobs/j%201/files/out%2Emp4').params).toEqual({ job_id: 'j 1', name: 'out.mp4' });
  });

  it('a template segment matches exactly one non-empty segment', () => {
    expect(router.match('get', '/api/jobs/j1/files')).toMatchObject({ kind: 'not-found', owned: true });
    expect(router.match('get', '/api/jobs/j1/files/a/b')).toMatchObject({ kind: 'not-found', owned: true });
    expect(router.match('get', '/api/jobs//files/a')).toMatchObject({ kind: 'not-found', owned: true });
  });

  it('regex characters in a template are literal', () => {
    const r = new Router<Api>([{ api: outer, operations: [op('get', '/api/v1.0/items'), op('get', '/api/a+b')] }]);
    expect(r.match('get', '/api/v1.0/items').kind).toBe('match');
    expect(r.match('get', '/api/v1x0/items').kind).toBe('not-found');
    expect(r.match('get', '/api/a+b').kind).toBe('match');
    expect(r.match('get', '/api/aab').kind).toBe('not-found');
  });

  it('HEAD is answered by the GET operation', () => {
    expect(matched('head', '/api/render/schema')).toMatchObject({ op: 'getSchema' });
    expect(matched('head', '/api/v1/videos/v1')).toMatchObject({ op: 'getVideo', params: { id: 'v1' } });
  });

  it('a served path with another method is 405 listing what it serves, with HEAD for GET and OPTIONS', () => {
    const r = router.match('put', '/api/render/r_1');
    expect(r.kind).toBe('method-not-allowed');
    if (r.kind !== 'method-not-allowed') return;
    expect(r.api).toBe(outer);
    expect([...r.allow].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS']);
    expect(r.allow.at(-1)).toBe('OPTIONS');
    // A path served by POST only: no HEAD in the list.
    const post = router.match('get', '/api/render');
    expect(post).toEqual({ kind: 'method-not-allowed', api: outer, allow: ['POST', 'OPTIONS'] });
    // HEAD on a POST-only path is a 405 too (there is no GET to answer it).
    expect(router.match('head', '/api/render').kind).toBe('method-not-allowed');
    // Each method once, even when several templates serve it.
    const schema = router.match('patch', '/api/render/schema');
    if (schema.kind !== 'method-not-allowed') throw new Error(schema.kind);
    expect(new Set(schema.allow).size).toBe(schema.allow.length);
    expect([...schema.allow].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS']);
  });

  it('not found: owned under an API’s prefix, not owned outside every prefix', () => {
    expect(router.match('get', '/api/nothing/here')).toEqual({ kind: 'not-found', api: outer, owned: true });
    expect(router.match('get', '/api')).toEqual({ kind: 'not-found', api: outer, owned: true });
    expect(router.match('get', '/__sandbox/nope')).toEqual({ kind: 'not-found', api: control, owned: true });
    const stray = router.match('get', '/elsewhere');
    expect(stray).toMatchObject({ kind: 'not-found', owned: false });
    const prefixLookalike = router.match('get', '/apiary');
    expect(prefixLookalike).toMatchObject({ kind: 'not-found', owned: false });
    // Outside every prefix, the answer is in one API's envelope, always the same one.
    expect(stray.api).toBe(prefixLookalike.api);
  });

  it('only the owner’s routes are tried: outer never answers under inner’s prefix', () => {
    const r = new Router<Api>([
      { api: outer, operations: [op('get', '/api/{anything}/videos', 'catchAll')] },
      { api: inner, operations: [op('post', '/api/v1/other')] },
    ]);
    expect(r.match('get', '/api/v2/videos')).toMatchObject({ kind: 'match', params: { anything: 'v2' } });
    expect(r.match('get', '/api/v1/videos')).toMatchObject({ kind: 'not-found', api: inner, owned: true });
  });
});

describe('Router.methodsAt and served', () => {
  it('lists the methods of a served path (for OPTIONS and CORS), none elsewhere', () => {
    expect([...router.methodsAt('/api/render/x')].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS']);
    expect(router.methodsAt('/api/v1/videos/')).toEqual(['GET', 'HEAD', 'POST', 'OPTIONS']);
    expect(router.methodsAt('/__sandbox/reset')).toEqual(['POST', 'OPTIONS']);
    expect(router.methodsAt('/api/nowhere')).toEqual([]);
    expect(router.methodsAt('/elsewhere')).toEqual([]);
  });

  it('served() names every prefix, shortest first', () => {
    expect(router.served((a) => a.name)).toBe('/api (outer), /api/v1 (inner), /__sandbox (control)');
  });

  it('owner(): the longest prefix that contains the path', () => {
    expect(router.owner('/api/v1/videos')).toBe(inner);
    expect(router.owner('/api/v1')).toBe(inner);
    expect(router.owner('/api/v1x')).toBe(outer);
    expect(router.owner('/__sandbox')).toBe(control);
  });

  // A root-mounted API owns its own not-found paths (its 404 does not list the other prefixes).
  it('an API mounted at "/" owns its not-found paths', () => {
    const r = new Router<Api>([{ api: { name: 'root', prefix: '/' }, operations: [op('get', '/things')] }]);
    expect(r.match('get', '/things').kind).toBe('match');
    expect(r.match('get', '/missing')).toMatchObject({ kind: 'not-found', owned: true });
  });
});

describe('Router over the real specs', () => {
  const specs = ['phantomflow.yaml', 'sketchpen.yaml'].map((f) => loadSpec(join(SPEC_DIR, f)));
  const real = new Router(specs.map((spec) => ({ api: { prefix: spec.policy.routePrefix, id: spec.policy.id }, operations: spec.operations })));
  const at = (method: string, path: string) => {
    const r = real.match(method, path);
    return r.kind === 'match' ? `${r.api.id} ${r.op.operationId} ${JSON.stringify(r.params)}` : `${r.api.id} ${r.kind}`;
  };

  it('routes every operation of both specs to itself, with its template filled in', () => {
    let n = 0;
    for (const spec of specs) {
      for (const o of spec.operations) {
        const names: string[] = [];
        const path = o.servedPath.replace(/\{([^}]+)\}/g, (_m, name: string) => (names.push(name), `v-${name}`));
        const r = real.match(o.method, path);
        expect(r.kind, `${o.method} ${path}`).toBe('match');
        if (r.kind !== 'match') continue;
        expect(r.op.operationId).toBe(o.operationId);
        expect(r.params).toEqual(Object.fromEntries(names.map((name) => [name, `v-${name}`])));
        n++;
      }
    }
    expect(n).toBe(specs.reduce((s, spec) => s + spec.operations.length, 0));
  });

  it('PhantomFlow’s /api/render/schema is not a job id; Sketchpen owns /api/v1', () => {
    expect(at('get', '/api/render/schema')).toMatch(/^phantomflow \w+ \{\}$/);
    expect(at('get', '/api/jobs/schema')).toMatch(/^phantomflow \w+ \{"job_id":"schema"\}$/);
    expect(at('get', '/api/v1/account')).toMatch(/^sketchpen \w+ \{\}$/);
    expect(at('get', '/api/account')).toMatch(/^phantomflow \w+ \{\}$/);
    expect(at('get', '/api/v1/render/schema')).toBe('sketchpen not-found');
  });
});
