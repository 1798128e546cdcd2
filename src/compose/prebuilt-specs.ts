// Specs parsed at build time: YAML parsing is most of a cold start-up (js-yaml runs unoptimised the
// first time), JSON.parse is native. `npm run build` writes dist/specs/<file>.json with the hash
// of the YAML it came from; at load, a copy is used only when that hash matches the file as it is
// now, and only when the JSON round trip gave back exactly the parsed document (YAML can hold
// values JSON cannot, such as dates). Anything else is parsed from the YAML as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { load as parseYaml } from 'js-yaml';
import { loadSpec, specFromDocument, type ApiSpec } from '../openapi/load.ts';
import { ROOT } from '../paths.ts';

export const PREBUILT_DIR = join(ROOT, 'dist', 'specs');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const prebuiltPath = (file: string, dir: string) => join(dir, `${basename(file)}.json`);

/** Load a spec from its prebuilt copy when that copy is of this very text, else from the YAML. */
export function loadSpecFast(file: string, dir = PREBUILT_DIR): ApiSpec {
  const copy = prebuiltPath(file, dir);
  if (existsSync(copy)) {
    const prebuilt = JSON.parse(readFileSync(copy, 'utf8')) as { sha256: string; doc: unknown };
    if (prebuilt.sha256 === sha256(readFileSync(file, 'utf8'))) return specFromDocument(prebuilt.doc, file);
  }
  return loadSpec(file);
}

/** Write the prebuilt copies of `files` (checked first: a spec that does not load is not copied). */
export function writePrebuiltSpecs(files: string[], dir = PREBUILT_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    loadSpec(file);
    const text = readFileSync(file, 'utf8');
    const doc = parseYaml(text);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(doc)), doc)) continue;
    writeFileSync(prebuiltPath(file, dir), JSON.stringify({ sha256: sha256(text), doc }));
    written.push(file);
  }
  return written;
}
