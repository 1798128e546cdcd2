// Ajv, loaded on first use. Loading it (a hundred modules) is a noticeable part of start-up, and a
// start whose spec checks pass from the cache (start-cache.ts) needs no Ajv before the first request
// that validates something; the validators' background warm-up loads it otherwise.
import { createRequire } from 'node:module';
import type { Ajv2020, Options } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);
let Ajv: typeof Ajv2020 | undefined;
let formats: ((ajv: Ajv2020) => void) | undefined;

export function createAjv(options: Options, withFormats = false): Ajv2020 {
  Ajv ??= (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020;
  const ajv = new Ajv(options);
  if (withFormats) (formats ??= (require('ajv-formats') as { default: (ajv: Ajv2020) => void }).default)(ajv);
  return ajv;
}
