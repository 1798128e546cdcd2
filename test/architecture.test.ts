// The import rules of ARCHITECTURE.md, read from the source: no import cycles (type imports
// included), each folder imports only the layers beneath it, and the generic folders never name
// an API in code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.ts';

const SRC = join(ROOT, 'src');

/** Which top-level parts of src/ each part may import (besides itself). Files at src/ root are parts too. */
const MAY_IMPORT: Record<string, string[]> = {
  'paths.ts': [],
  core: [],
  openapi: ['core'],
  tenancy: ['core', 'openapi'],
  faults: ['core', 'openapi'],
  media: ['core', 'paths.ts'],
  jobs: ['core'],
  webhooks: ['core', 'openapi', 'faults'],
  engine: ['core', 'openapi', 'tenancy', 'faults'],
  control: ['core', 'openapi', 'tenancy', 'faults', 'engine', 'paths.ts'],
  contract: ['core', 'openapi', 'media', 'paths.ts'],
  apis: ['core', 'openapi', 'tenancy', 'faults', 'engine', 'jobs', 'webhooks', 'media', 'paths.ts'],
  compose: ['core', 'openapi', 'tenancy', 'faults', 'engine', 'control', 'paths.ts'],
  'sandbox.ts': ['core', 'openapi', 'tenancy', 'faults', 'engine', 'control', 'compose', 'apis', 'paths.ts'],
  'index.ts': ['*'],
  'cli.ts': ['*'],
};

/** Folders that make up the generic engine: no API is named in their code. */
const GENERIC = ['core', 'openapi', 'tenancy', 'faults', 'engine', 'jobs', 'webhooks', 'media', 'control', 'compose', 'contract'];
const API_NAMES = /phantomflow|sketchpen|ve_test|sk_test/i;
const API_CODES = /\b(RENDER_FAILED|MAX_CONCURRENT_VIDEOS|INSUFFICIENT_CREDITS)\b/;

const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
const files = walk(SRC).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'));
const partOf = (file: string) => relative(SRC, file).split('/')[0]!;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    out.push(resolve(dirname(file), m[1] ?? m[2]!));
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('architecture', () => {
  it('every part of src/ is known to the import rules', () => {
    const parts = [...new Set(files.map(partOf))];
    expect(parts.filter((p) => !(p in MAY_IMPORT))).toEqual([]);
  });

  it('each part imports only the layers beneath it', () => {
    const broken: string[] = [];
    for (const [file, deps] of graph) {
      const from = partOf(file);
      const allowed = MAY_IMPORT[from] ?? [];
      for (const dep of deps) {
        const to = partOf(dep);
        if (to !== from && !allowed.includes('*') && !allowed.includes(to)) broken.push(`${relative(ROOT, file)} → ${relative(ROOT, dep)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('the generic engine never names an API in its code', () => {
    const named: string[] = [];
    for (const file of files.filter((f) => GENERIC.includes(partOf(f)))) {
      // Comments may give an example; code may not depend on one.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
      code.split('\n').forEach((line, i) => {
        if (API_NAMES.test(line) || API_CODES.test(line)) named.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(named).toEqual([]);
  });
});
