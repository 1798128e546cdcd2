// Which specs a sandbox serves: every openapi/*.yaml with an x-sandbox block (or the files given),
// narrowed by --api; the control API's own spec is kept apart. And the accounts fixture.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FIXTURES_DIR, SPEC_DIR } from '../paths.ts';
import type { ApiSpec } from '../openapi/load.ts';
import { sharedSpec } from './spec-cache.ts';
import type { AccountFixture } from '../tenancy/accounts.ts';

/** The control API's own spec (/__sandbox), served whatever else is. */
export const CONTROL_SPEC = join(SPEC_DIR, 'sandbox-admin.yaml');

export function defaultSpecFiles(dir = SPEC_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => resolve(f) !== CONTROL_SPEC && /^x-sandbox:/m.test(readFileSync(f, 'utf8')));
}

/** The id a spec file's x-sandbox block declares (its first-level `id:` line), read without parsing the document. */
function declaredId(file: string): string | undefined {
  const block = /^x-sandbox:[^\n]*\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)/m.exec(readFileSync(file, 'utf8'))?.[1];
  const indent = block && /^([ \t]+)\S/m.exec(block)?.[1];
  return indent ? new RegExp(`^${indent}id:[ \\t]*['"]?([\\w-]+)`, 'm').exec(block)?.[1] : undefined;
}

/** The API specs to serve: `files` (default: every API spec), only the ids in `only` when given. */
export function loadApiSpecs(files: string[] | undefined, only: string[] | undefined): ApiSpec[] {
  let candidates = (files ?? defaultSpecFiles()).filter((f) => resolve(f) !== CONTROL_SPEC);
  // Asked for some APIs: skip loading the others (loading is most of the start-up), unless a
  // file's id cannot be read without parsing it or an asked-for id is not among those read.
  if (only?.length) {
    const ids = candidates.map(declaredId);
    if (ids.every((id) => id !== undefined) && only.every((id) => ids.includes(id))) candidates = candidates.filter((_, i) => only.includes(ids[i]!));
  }
  let specs = candidates.map((f) => sharedSpec(f));
  if (only?.length) {
    const unknown = only.filter((id) => !specs.some((s) => s.policy.id === id));
    if (unknown.length) throw new Error(`unknown API ${unknown.join(', ')}; available: ${specs.map((s) => s.policy.id).join(', ')}`);
    specs = specs.filter((s) => only.includes(s.policy.id));
  }
  if (!specs.length) throw new Error('no API to serve');
  return specs;
}

/** Pre-defined accounts by API id ({"<api id>": [AccountFixture…]}); none when the file is absent. */
export function loadFixtures(file: string | undefined): Record<string, AccountFixture[]> {
  const path = file ?? join(FIXTURES_DIR, 'accounts.json');
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8'));
}
