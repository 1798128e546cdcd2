// src/contract must not import the sandbox's stateful parts: it also runs against real services.
// It may use core primitives, the spec loader (src/openapi), media probing (src/media) and paths.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

const FORBIDDEN = ['src/sandbox.ts', 'src/compose', 'src/control', 'src/apis', 'src/tenancy', 'src/jobs', 'src/webhooks', 'src/faults', 'src/engine'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('src/contract imports nothing stateful of the sandbox, directly or through what it imports', () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string, via: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      const rel = relative(ROOT, target);
      if (FORBIDDEN.some((f) => rel === f || rel.startsWith(`${f}/`))) problems.push(`${[...via, relative(ROOT, file)].join(' → ')} → ${rel}`);
      else if (target.endsWith('.ts')) visit(target, [...via, relative(ROOT, file)]);
    }
  };
  for (const f of files(join(ROOT, 'src/contract'))) visit(f, []);
  expect(problems).toEqual([]);
  expect(seen.size).toBeGreaterThan(20);
});
