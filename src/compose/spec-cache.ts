// Loaded specs, shared by every sandbox of the process and kept between starts. Loading one (YAML,
// the x-sandbox policy, every x- extension checked) is most of a start's cost:
//  - within a process, nothing changes a spec once loaded: each is deep-frozen, so sharing it cannot
//    carry state from one sandbox to another (a write would throw). Keyed by path, size and
//    modification time, so an edited file is reloaded;
//  - between starts, the parsed documents and passed schema checks come from the start cache
//    (src/openapi/start-cache.ts, keyed by content), filled by the build's `check` run.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSpec, type ApiSpec } from '../openapi/load.ts';
import { StartCache } from '../openapi/start-cache.ts';
import { ROOT } from '../paths.ts';

/** Parsed specs, passed schema checks and mock answers kept between starts. */
export const SPEC_CACHE = new StartCache(join(ROOT, 'node_modules/.cache/video-api-sandbox/specs'));

const loaded = new Map<string, { stamp: string; spec: ApiSpec }>();

function deepFreeze<T>(value: T): T {
  // RegExps (key patterns) keep their writable lastIndex; functions are the spec's own lookups.
  // An object is frozen before its children, so "frozen" marks it as seen (shared nodes, cycles).
  if (!value || typeof value !== 'object' || value instanceof RegExp || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key in value) deepFreeze(value[key]);
  return value;
}

export function sharedSpec(file: string): ApiSpec {
  const path = resolve(file);
  const st = statSync(path);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = loaded.get(path);
  if (hit?.stamp === stamp) return hit.spec;
  const spec = deepFreeze(loadSpec(file, { cache: SPEC_CACHE }));
  loaded.set(path, { stamp, spec });
  return spec;
}
