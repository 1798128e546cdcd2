// Negative cases: one broken constraint at a time in the body (from a valid body) and in query
// parameters, each expected to be rejected with the validation code at the right location.
import type { Operation } from '../../openapi/operations.ts';
import { mutations } from '../generate/negative.ts';
import type { Session } from '../session.ts';
import { schemaBookOf } from '../spec-schemas.ts';
import { aValidBody, defaultParameters, fillPath, jsonBody } from './common.ts';
import { cleanUp } from './positive.ts';

const MAX_PER_OPERATION = 40;

export async function negativePhase(s: Session, op: Operation): Promise<void> {
  const random = s.random.fork(`negative:${op.operationId}`);
  const params = defaultParameters(s, op, random);
  const book = schemaBookOf(s.profile);
  const policy = s.profile.spec.policy;
  const style = s.profile.validationStyle(op);
  const path = fillPath(op.path, params.path);
  const body = jsonBody(op);

  if (body?.schema) {
    const base = aValidBody(s, op, random);
    if (base !== undefined && book.valid(body.schema, base)) {
      let list = mutations(s.profile.doc, body.schema, base, (schema, value) => book.valid(schema as object, value)).filter((m) => !book.valid(body.schema!, m.value));
      if (list.length > MAX_PER_OPERATION) list = list.sort(() => random.next() - 0.5).slice(0, MAX_PER_OPERATION);
      for (const m of list) {
        const expectCode = m.keyword === 'required' && style.missingRequired ? style.missingRequired : style.code;
        const res = await s.exchange(op, { method: op.method, path, query: params.query, json: m.value }, { kind: 'negative', location: 'body', keyword: m.keyword, at: m.at, expectCode, label: m.description });
        await cleanUp(s, op, res.status, res.json);
      }
    }
  }

  for (const p of op.parameters.filter((x) => x.in === 'query')) {
    const schema: any = p.schema;
    const bad: [string, string][] = [];
    if (schema.type === 'integer' || schema.type === 'number') bad.push(['type', 'not-a-number']);
    if (typeof schema.minimum === 'number') bad.push(['minimum', String(schema.minimum - 1)]);
    if (typeof schema.maximum === 'number') bad.push(['maximum', String(schema.maximum + 1)]);
    if (Array.isArray(schema.enum)) bad.push(['enum', 'contract-not-in-enum']);
    for (const [keyword, value] of bad) {
      if (book.valid(p.schema, keyword === 'type' ? value : Number(value)) && keyword !== 'enum') continue;
      await s.exchange(
        op,
        { method: op.method, path, query: { ...params.query, [p.name]: value }, json: body ? aValidBody(s, op, random) : undefined },
        { kind: 'negative', location: 'query', keyword, at: [p.name], expectCode: policy.validation.parameters, label: `query ${p.name}=${value} (${keyword})` },
      );
    }
  }
}
