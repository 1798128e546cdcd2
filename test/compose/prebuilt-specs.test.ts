// The prebuilt copies of the specs (dist/specs, written by `npm run build`) load into the same
// spec as the YAML, and are ignored as soon as the YAML is not the text they were made from.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSpecFast, writePrebuiltSpecs } from '../../src/compose/prebuilt-specs.ts';
import { CONTROL_SPEC, defaultSpecFiles } from '../../src/compose/specs.ts';
import { loadSpec } from '../../src/openapi/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'prebuilt-specs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const view = (s: ReturnType<typeof loadSpec>) => ({ doc: s.doc, policy: s.policy, mount: s.mount, operations: s.operations });

it('a prebuilt copy loads into exactly the spec the YAML gives', () => {
  const files = [...defaultSpecFiles(), CONTROL_SPEC];
  expect(writePrebuiltSpecs(files, join(dir, 'specs'))).toEqual(files);
  for (const f of files) expect(view(loadSpecFast(f, join(dir, 'specs'))), f).toEqual(view(loadSpec(f)));
});

it('an edited YAML is parsed again, not served from its stale copy', () => {
  const yaml = join(dir, 'sandbox-admin.yaml');
  copyFileSync(CONTROL_SPEC, yaml);
  writePrebuiltSpecs([yaml], join(dir, 'own'));
  const copy = join(dir, 'own', 'sandbox-admin.yaml.json');
  // The copy is used while it matches: prove it by giving it a title the YAML does not have.
  const prebuilt = JSON.parse(readFileSync(copy, 'utf8'));
  prebuilt.doc.info.title = 'from the copy';
  writeFileSync(copy, JSON.stringify(prebuilt));
  expect(loadSpecFast(yaml, join(dir, 'own')).doc.info.title).toBe('from the copy');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('title: video-api-sandbox control API', 'title: edited'));
  expect(loadSpecFast(yaml, join(dir, 'own')).doc.info.title).toBe('edited');
});

it('a document JSON cannot carry (an unquoted date) gets no copy', () => {
  const yaml = join(dir, 'dated.yaml');
  // An example's timestamp without quotes: js-yaml reads a Date, JSON would give back a string.
  writeFileSync(yaml, readFileSync(CONTROL_SPEC, 'utf8').replace("now: '2025-01-01T12:00:00.000Z'", 'now: 2025-01-01T12:00:00.000Z'));
  expect(loadSpec(yaml).doc.paths['/__sandbox/health'].get.responses['200'].content['application/json'].example.clock.now).toBeInstanceOf(Date);
  expect(writePrebuiltSpecs([yaml], join(dir, 'dated'))).toEqual([]);
});
