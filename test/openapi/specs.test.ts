// The specs are the source of truth: they must lint clean, load, and their examples must validate.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { withoutMappings } from '../../src/openapi/discriminators.ts';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/openapi/load.ts';
import { Validators } from '../../src/engine/validate/validators.ts';
import { ROOT, SPEC_DIR } from '../../src/paths.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const specFiles = readdirSync(SPEC_DIR).filter((f) => f.endsWith('.yaml')).map((f) => join(SPEC_DIR, f));

describe('OpenAPI documents', () => {
  it('lint with zero errors (Spectral, spectral:oas)', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/spectral'), ['lint', '--ruleset', join(ROOT, '.spectral.yaml'), '--format', 'json', '--quiet', ...specFiles], { encoding: 'utf8' });
    const results = JSON.parse(r.stdout || '[]') as { severity: number; code: string; path: string[]; source: string }[];
    const errors = results.filter((x) => x.severity === 0);
    expect(errors.map((e) => `${e.source}: ${e.code} at ${e.path.join('.')}`)).toEqual([]);
    expect(specFiles.length).toBeGreaterThanOrEqual(2);
  }, 120_000); // Spectral takes seconds alone, far longer on a loaded machine

  for (const file of specFiles) {
    describe(file.split('/').pop()!, () => {
      const spec = loadSpec(file);

      it('loads, with a checked x-sandbox policy and unique operationIds', () => {
        expect(spec.policy.id).toMatch(/^[a-z]/);
        expect(new Set(spec.operations.map((o) => o.operationId)).size).toBe(spec.operations.length);
      });

      it('compiles a validator for every operation', () => {
        const validators = new Validators(spec);
        for (const op of spec.operations) expect(() => validators.get(op.operationId)).not.toThrow();
      });

      it('has examples that validate against their own schemas', () => {
        const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
        addFormats(ajv);
        ajv.addSchema(withoutMappings(spec.doc), 'urn:spec:doc');
        const failures: string[] = [];
        let checked = 0;
        // Walk every media type object (request bodies, responses, webhooks) that has a schema.
        const walk = (node: any, pointer: string[]) => {
          if (!node || typeof node !== 'object') return;
          if (node.schema && (node.example !== undefined || node.examples)) {
            const schemaPointer = '#/' + [...pointer, 'schema'].map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
            const check = ajv.getSchema(`urn:spec:doc${schemaPointer}`) ?? ajv.compile({ $ref: `urn:spec:doc${schemaPointer}` });
            const examples: [string, unknown][] = node.example !== undefined ? [['example', node.example]] : Object.entries<any>(node.examples).map(([k, v]) => [k, v.$ref ? undefined : v.value]);
            for (const [name, value] of examples) {
              if (value === undefined) continue;
              checked++;
              if (!check(value)) failures.push(`${pointer.join('/')} ${name}: ${ajv.errorsText(check.errors)}`);
            }
          }
          for (const [k, v] of Object.entries(node)) if (k !== 'schema' && typeof v === 'object') walk(v, [...pointer, k]);
        };
        walk(spec.doc.paths, ['paths']);
        walk(spec.doc.webhooks, ['webhooks']);
        walk(spec.doc.components?.responses, ['components', 'responses']);
        expect(failures).toEqual([]);
        expect(checked).toBeGreaterThan(5);
      });
    });
  }
});
