// The example scripts under fixtures/scripts are valid movie scripts and render.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Validators } from '../../../src/engine/validate/validators.ts';
import { createRenderer, DEFAULT_FIXTURES_DIR } from '../../../src/apis/phantomflow/render/index.ts';
import { loadSpec } from '../../../src/openapi/load.ts';
import { SPEC_DIR } from '../../../src/paths.ts';

const dir = join(DEFAULT_FIXTURES_DIR, 'scripts');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const validators = new Validators(loadSpec(join(SPEC_DIR, 'phantomflow.yaml')));
const out = mkdtempSync(join(tmpdir(), 'fixture-scripts-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('covers every element type', () => {
  const types = new Set(files.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).scenes.flatMap((s: any) => (s.elements ?? []).map((e: any) => e.type))));
  expect([...types].sort()).toEqual(['audio', 'image', 'text', 'video']);
});

for (const file of files) {
  it(`${file} validates against MovieScript and renders`, async () => {
    const script = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    expect(() => validators.checkSchema('#/components/schemas/MovieScript', script, { code: 'SCHEMA_VALIDATION_ERROR', style: 'path' })).not.toThrow();
    const r = await createRenderer({ outputDir: out }).render(script, { jobId: file.replace('.json', '') });
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
  });
}
