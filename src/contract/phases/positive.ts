// Positive cases: every documented example, then generated valid data, per operation. Anything a
// positive case creates is deleted again through the resource's delete link (cost class write).
import type { Operation } from '../../openapi/operations.ts';
import { at } from '../profile.ts';
import type { Session } from '../session.ts';
import { defaultParameters, exampleBodies, fillPath, generatedBodies, jsonBody, parameterValue } from './common.ts';

/** A free-text string parameter (an opaque cursor): only a value the API handed out is valid. */
function opaque(schema: any): boolean {
  return schema?.type === 'string' && !schema.enum && !schema.format && !schema.pattern && schema.example === undefined && !schema.examples;
}

export async function cleanUp(s: Session, op: Operation, status: number, body: unknown): Promise<void> {
  const resource = s.profile.resources.find((r) => r.create === op);
  if (!resource?.delete || status < 200 || status >= 300) return;
  const params = Object.fromEntries(Object.entries(resource.delete.params).map(([k, p]) => [k, String(at(body, p))]));
  await s.exchange(resource.delete.target, { method: 'delete', path: fillPath(resource.delete.target.path, params) }, { kind: 'plain', label: 'clean-up of a created resource' });
}

export async function positivePhase(s: Session, op: Operation, source: 'example' | 'generated'): Promise<void> {
  const random = s.random.fork(`${source}:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const body = jsonBody(op);
  const cases: { label: string; value?: unknown }[] = [];
  if (source === 'example') {
    if (body) cases.push(...exampleBodies(s, op));
    else cases.push({ label: 'documented parameters' });
  } else if (body?.schema) {
    generatedBodies(s, op, s.options.examplesPerOperation, random).forEach((v, i) => cases.push({ label: `generated body #${i + 1}`, value: v }));
  } else if (op.parameters.some((p) => p.in === 'query')) {
    // Generated optional query parameters, one set per case.
    for (let i = 0; i < s.options.examplesPerOperation; i++) cases.push({ label: `generated query #${i + 1}` });
  }
  for (const c of cases) {
    const query = { ...params.query };
    if (source === 'generated' && c.value === undefined) {
      for (const p of op.parameters.filter((x) => x.in === 'query' && !x.required)) {
        if (!random.chance(0.6) || opaque(p.schema)) continue;
        const v = parameterValue(s, p, random);
        if (v !== undefined) query[p.name] = v;
      }
    }
    const res = await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query, json: c.value }, { kind: 'positive', source, label: c.label });
    await cleanUp(s, op, res.status, res.json);
  }
}
