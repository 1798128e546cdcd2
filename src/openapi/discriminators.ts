// OpenAPI discriminators: their `mapping` is what typed-client generators read for the tag values
// (without one they use component names: type "TextElement" instead of "text"). Ajv validates by
// the branches' own `const`/`enum` tags and refuses `mapping`, so the load checks that the two
// agree, and validators get the document without mappings.
import { resolvePointer } from './refs.ts';

interface Discriminator {
  propertyName: string;
  mapping?: Record<string, string>;
}

/** Calls `each` on every schema with a discriminator, with its JSON pointer (built only then: this walks whole documents). */
function visit(node: unknown, path: string[], each: (schema: Record<string, any>, at: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      path.push(String(i));
      visit(n, path, each);
      path.pop();
    });
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, any>;
  if (obj.discriminator && typeof obj.discriminator === 'object') each(obj, ['#', ...path.map((k) => k.replaceAll('~', '~0').replaceAll('/', '~1'))].join('/'));
  for (const k in obj) {
    path.push(k);
    visit(obj[k], path, each);
    path.pop();
  }
}

/** The tag values a branch schema accepts for `property` (its const or enum). */
function tagsOf(doc: unknown, branch: any, property: string): unknown[] {
  const schema = typeof branch?.$ref === 'string' ? resolvePointer(doc, branch.$ref) : branch;
  const prop = (schema as any)?.properties?.[property];
  if (prop?.const !== undefined) return [prop.const];
  return Array.isArray(prop?.enum) ? prop.enum : [];
}

/** Problems with discriminators: a missing mapping, or one that disagrees with the branches' tags. */
export function checkDiscriminators(doc: unknown): string[] {
  const problems: string[] = [];
  visit(doc, [], (schema, at) => {
    const d = schema.discriminator as Discriminator;
    const branches: any[] = schema.oneOf ?? schema.anyOf ?? [];
    const expected = new Map<string, string>();
    for (const b of branches) {
      if (typeof b?.$ref !== 'string') {
        problems.push(`${at}: a discriminated branch must be a $ref (a mapping cannot name an inline schema)`);
        continue;
      }
      for (const tag of tagsOf(doc, b, d.propertyName)) expected.set(String(tag), b.$ref);
    }
    if (!d.mapping) {
      problems.push(`${at}/discriminator: no mapping (generated clients would use component names as tags)`);
      return;
    }
    for (const [tag, ref] of expected) {
      if (d.mapping[tag] !== ref) problems.push(`${at}/discriminator/mapping: tag "${tag}" must map to ${ref}`);
    }
    for (const tag of Object.keys(d.mapping)) {
      if (!expected.has(tag)) problems.push(`${at}/discriminator/mapping: no branch has ${d.propertyName} "${tag}"`);
    }
  });
  return problems;
}

/** A copy of the document without discriminator mappings (for Ajv, which validates by the branches' tags). */
export function withoutMappings<T>(doc: T): T {
  const copy = structuredClone(doc);
  visit(copy, [], (schema) => {
    delete (schema.discriminator as Discriminator).mapping;
  });
  return copy;
}
