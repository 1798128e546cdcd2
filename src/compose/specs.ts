// Which specs a sandbox serves: every openapi/*.yaml with an x-sandbox block (or the files given),
// narrowed by --api; the control API's own spec is kept apart. And the accounts fixture.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FIXTURES_DIR, ROOT, SPEC_DIR } from '../paths.ts';
import { StartCache } from '../openapi/start-cache.ts';
import { loadSpec, type ApiSpec } from '../openapi/load.ts';
import type { AccountFixture } from '../tenancy/accounts.ts';

/** The control API's own spec (/__sandbox), served whatever else is. */
export const CONTROL_SPEC = join(SPEC_DIR, 'sandbox-admin.yaml');

/** Parsed specs kept as JSON between starts (keyed by the YAML's content; see start-cache.ts). */
export const SPEC_CACHE = new StartCache(join(ROOT, 'node_modules/.cache/video-api-sandbox/specs'));

export function defaultSpecFiles(dir = SPEC_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => resolve(f) !== CONTROL_SPEC && /^x-sandbox:/m.test(readFileSync(f, 'utf8')));
}

/** The API specs to serve: `files` (default: every API spec), only the ids in `only` when given. */
export function loadApiSpecs(files: string[] | undefined, only: string[] | undefined): ApiSpec[] {
  let specs = (files ?? defaultSpecFiles()).filter((f) => resolve(f) !== CONTROL_SPEC).map((f) => loadSpec(f, { cache: SPEC_CACHE }));
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
