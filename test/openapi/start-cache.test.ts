// What start-up reuses from the last start: parsed specs by the YAML's content, and passes of a
// schema check by schema and value. Nothing stale may ever be reused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { StartCache } from '../../src/openapi/start-cache.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'start-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StartCache', () => {
  it('parses a text once; an edited text is parsed afresh', () => {
    const cache = new StartCache(join(dir, 'a'));
    let parses = 0;
    const parse = (t: string) => (parses++, parseYaml(t));
    expect(cache.parse('a: 1\nb: [x, y]\n', parse)).toEqual({ a: 1, b: ['x', 'y'] });
    expect(new StartCache(join(dir, 'a')).parse('a: 1\nb: [x, y]\n', parse)).toEqual({ a: 1, b: ['x', 'y'] });
    expect(parses).toBe(1);
    expect(cache.parse('a: 2\nb: [x, y]\n', parse)).toEqual({ a: 2, b: ['x', 'y'] });
    expect(parses).toBe(2);
  });

  it('does not cache what JSON cannot hold (a YAML date stays a Date)', () => {
    const cache = new StartCache(join(dir, 'b'));
    let parses = 0;
    const parse = (t: string) => (parses++, parseYaml(t));
    const first = cache.parse('when: 2025-01-01\n', parse) as { when: unknown };
    const second = cache.parse('when: 2025-01-01\n', parse) as { when: unknown };
    expect(first.when).toBeInstanceOf(Date);
    expect(second.when).toBeInstanceOf(Date);
    expect(parses).toBe(2);
  });

  it('remembers passes only: a failing check runs every time, a passing one once per schema and value', () => {
    const cache = new StartCache(join(dir, 'c'));
    const schema = { type: 'object' };
    let runs = 0;
    const failing = () => (runs++, false);
    const passing = () => (runs++, true);
    expect(cache.passes(schema, { v: 1 }, failing)).toBe(false);
    expect(cache.passes(schema, { v: 1 }, failing)).toBe(false);
    expect(runs).toBe(2);
    expect(cache.passes(schema, { v: 2 }, passing)).toBe(true);
    expect(cache.passes(schema, { v: 2 }, passing)).toBe(true);
    expect(runs).toBe(3);
    // another value, or another schema, is checked again
    expect(cache.passes(schema, { v: 3 }, passing)).toBe(true);
    expect(cache.passes({ type: 'array' }, { v: 2 }, passing)).toBe(true);
    expect(runs).toBe(5);
  });

  it('a spec loaded through the cache is the same spec, and a broken x-sandbox block is still refused', () => {
    const cache = new StartCache(join(dir, 'd'));
    const file = join(SPEC_DIR, 'sketchpen.yaml');
    const plain = loadSpec(file);
    loadSpec(file, { cache });
    const cached = loadSpec(file, { cache });
    expect(cached.doc).toEqual(plain.doc);
    expect(cached.policy.id).toBe('sketchpen');
    expect(cached.operations.map((o) => o.operationId)).toEqual(plain.operations.map((o) => o.operationId));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'openapi: 3.1.0\ninfo: {title: x, version: "1"}\npaths: {}\nx-sandbox:\n  id: broken\n  routePrefx: /x\n');
    for (let i = 0; i < 2; i++) expect(() => loadSpec(broken, { cache })).toThrow(/routePrefx is not a known key/);
  });
});
