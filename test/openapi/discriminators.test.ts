// Discriminator mappings: required (typed clients read tags from them) and checked against the
// branches' own tags at load; validators get the document without them (Ajv refuses `mapping`).
import { describe, expect, it } from 'vitest';
import { checkDiscriminators, withoutMappings } from '../../src/openapi/discriminators.ts';

const doc = (mapping?: Record<string, string>) => ({
  components: {
    schemas: {
      Shape: { type: 'object', required: ['kind'], discriminator: { propertyName: 'kind', ...(mapping ? { mapping } : {}) }, oneOf: [{ $ref: '#/components/schemas/Circle' }, { $ref: '#/components/schemas/Box' }] },
      Circle: { type: 'object', properties: { kind: { const: 'circle' } } },
      Box: { type: 'object', properties: { kind: { enum: ['box', 'square'] } } },
    },
  },
});

describe('checkDiscriminators', () => {
  it('accepts a mapping that names every tag of every branch', () => {
    expect(checkDiscriminators(doc({ circle: '#/components/schemas/Circle', box: '#/components/schemas/Box', square: '#/components/schemas/Box' }))).toEqual([]);
  });

  it('refuses a missing mapping, a missing tag, a wrong target and a tag no branch has', () => {
    expect(checkDiscriminators(doc())).toEqual([expect.stringMatching(/Shape\/discriminator: no mapping/)]);
    const problems = checkDiscriminators(doc({ circle: '#/components/schemas/Box', box: '#/components/schemas/Box', oval: '#/components/schemas/Circle' }));
    expect(problems).toEqual([
      expect.stringMatching(/tag "circle" must map to #\/components\/schemas\/Circle/),
      expect.stringMatching(/tag "square" must map to #\/components\/schemas\/Box/),
      expect.stringMatching(/no branch has kind "oval"/),
    ]);
  });

  it('withoutMappings leaves the original alone', () => {
    const d = doc({ circle: '#/components/schemas/Circle', box: '#/components/schemas/Box', square: '#/components/schemas/Box' });
    const stripped = withoutMappings(d);
    expect((stripped.components.schemas.Shape.discriminator as { mapping?: unknown }).mapping).toBeUndefined();
    expect(d.components.schemas.Shape.discriminator).toHaveProperty('mapping');
  });
});
