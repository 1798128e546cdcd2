// Load an API's OpenAPI document once at start-up: parse, check, and derive what the engine needs.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import { listOperations, type Operation } from './operations.ts';
import { readPolicy, SpecError, type ApiPolicy } from './policy.ts';
import type { StartCache } from './start-cache.ts';
import { checkExtensions, type SchemaPasses } from './extensions.ts';
import { deref } from './refs.ts';
import { checkDiscriminators } from './discriminators.ts';

export interface ApiSpec {
  file: string;
  /** the parsed document, never mutated */
  doc: Record<string, any>;
  policy: ApiPolicy;
  /** path of servers[0].url: where the API's paths are mounted in the sandbox ('' for none) */
  mount: string;
  operations: Operation[];
  operation(operationId: string): Operation;
}

function mountOf(doc: any): string {
  const url: string | undefined = doc.servers?.[0]?.url;
  if (!url) return '';
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return url.startsWith('/') ? url.replace(/\/+$/, '') : '';
  }
}

/** Cross-checks between the catalogue and the responses that standard linters cannot make. */
function checkConsistency(doc: any, policy: ApiPolicy, operations: Operation[], where: string): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const op of operations) {
    if (seen.has(op.operationId)) problems.push(`duplicate operationId ${op.operationId}`);
    seen.add(op.operationId);
    for (const [status, response] of Object.entries(op.responses)) {
      for (const [name, link] of Object.entries<any>(deref(doc, response)?.links ?? {})) {
        if (link?.operationId && !operations.some((o) => o.operationId === link.operationId)) problems.push(`${op.operationId} ${status}: link ${name} names no operation ${link.operationId}`);
      }
    }
    const job = op.raw['x-sandbox-job'] as { read?: string; actions?: Record<string, string> } | undefined;
    const links = Object.values(op.responses).flatMap((r) => Object.keys(deref(doc, r)?.links ?? {}));
    for (const name of [job?.read, ...Object.values(job?.actions ?? {})]) {
      if (name !== undefined && !links.includes(name)) problems.push(`${op.operationId}: x-sandbox-job names link ${name}, which no response of the operation declares`);
    }
    for (const [status, response] of Object.entries(op.responses)) {
      const codes: unknown = deref(doc, response)?.['x-error-codes'];
      if (!Array.isArray(codes)) continue;
      for (const code of codes) {
        const entry = policy.errors.catalogue[code];
        if (!entry) problems.push(`${op.operationId} ${status}: x-error-codes names ${code}, not in the catalogue`);
        else if (String(entry.status) !== status) problems.push(`${op.operationId} ${status}: ${code} is documented as ${entry.status}`);
      }
    }
  }
  problems.push(...checkDiscriminators(doc));
  if (problems.length) throw new SpecError(`${where}:\n  ${problems.join('\n  ')}`);
}

// js-yaml is loaded on first use: a start that finds every spec in the start cache needs no YAML parser.
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('js-yaml') as typeof import('js-yaml')).load(text);

export function loadSpec(file: string, options: { cache?: StartCache } = {}): ApiSpec {
  const where = basename(file);
  let doc: any;
  try {
    const text = readFileSync(file, 'utf8');
    doc = options.cache ? options.cache.parse(text, (t) => parseYaml(t)) : parseYaml(text);
  } catch (err) {
    throw new SpecError(`${where}: cannot read: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || !/^3\.1\.\d+$/.test(String(doc.openapi))) {
    throw new SpecError(`${where}: not an OpenAPI 3.1 document`);
  }
  const passes: SchemaPasses | undefined = options.cache ? (schema, value, check) => options.cache!.passes(schema, value, check) : undefined;
  const policy = readPolicy(doc['x-sandbox'], where, passes);
  const extensionProblems = checkExtensions(doc, policy, passes);
  if (extensionProblems.length) throw new SpecError(`${where}: invalid x- extensions:\n  ${extensionProblems.join('\n  ')}`);
  const mount = mountOf(doc);
  const operations = listOperations(doc, mount);
  checkConsistency(doc, policy, operations, where);
  const byId = new Map(operations.map((o) => [o.operationId, o]));
  return {
    file,
    doc,
    policy,
    mount,
    operations,
    operation(id) {
      const op = byId.get(id);
      if (!op) throw new SpecError(`${where}: no operation ${id}`);
      return op;
    },
  };
}
