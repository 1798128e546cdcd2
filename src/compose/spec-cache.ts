// Loaded specs shared by every sandbox of the process. Loading one (YAML, the x-sandbox policy,
// every x- extension checked) is most of createSandbox()'s cost, and nothing changes a spec once
// it is loaded: each is deep-frozen, so sharing it cannot carry state from one sandbox to another
// (a write would throw). Keyed by path, size and modification time, so an edited file is reloaded.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiSpec } from '../openapi/load.ts';
import { loadSpecFast } from './prebuilt-specs.ts';

const loaded = new Map<string, { stamp: string; spec: ApiSpec }>();

function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  // RegExps (key patterns) keep their writable lastIndex; functions are the spec's own lookups.
  if (!value || typeof value !== 'object' || value instanceof RegExp || seen.has(value)) return value;
  seen.add(value);
  for (const v of Object.values(value)) deepFreeze(v, seen);
  return Object.freeze(value);
}

export function sharedSpec(file: string): ApiSpec {
  const path = resolve(file);
  const st = statSync(path);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = loaded.get(path);
  if (hit?.stamp === stamp) return hit.spec;
  const spec = deepFreeze(loadSpecFast(file));
  loaded.set(path, { stamp, spec });
  return spec;
}
