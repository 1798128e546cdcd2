// Bodies a JSON operation must refuse: JSON that does not parse, a media type it does not take
// (the spec's unsupported-media-type code), a body over x-sandbox.maxBodyBytes (payload-too-large).
import type { Operation } from '../../openapi/operations.ts';
import type { Session } from '../session.ts';
import { aValidBody, defaultParameters, fillPath, jsonBody } from './common.ts';

const oversizedSent = new WeakSet<Session>();

export async function malformedPhase(s: Session, op: Operation): Promise<void> {
  if (!jsonBody(op)) return;
  const params = defaultParameters(s, op, s.random.fork(`malformed:${op.operationId}`));
  for (const raw of ['{"unterminated": ', '{not json}']) {
    await s.exchange(op, { method: op.method, path: fillPath(op.path, params.path), query: params.query, raw }, { kind: 'malformed-json', label: `body ${JSON.stringify(raw)}` });
  }
  const { errors, maxBodyBytes } = s.profile.spec.policy;
  const path = fillPath(op.path, params.path);
  const valid = JSON.stringify(aValidBody(s, op, s.random.fork(`bad-body:${op.operationId}`)) ?? {});
  await s.exchange(op, { method: op.method, path, query: params.query, raw: valid, headers: { 'content-type': 'application/xml' } }, { kind: 'bad-body', problem: 'media-type', expectCode: errors.unsupportedMediaType, label: 'a JSON body sent as application/xml' });
  // One oversized body per run is enough to see the rule (and keeps megabytes off the wire).
  if (maxBodyBytes <= 16 * 1024 * 1024 && !oversizedSent.has(s)) {
    oversizedSent.add(s);
    const big = JSON.stringify({ contract_padding: 'x'.repeat(maxBodyBytes) });
    await s.exchange(op, { method: op.method, path, query: params.query, raw: big }, { kind: 'bad-body', problem: 'too-large', expectCode: errors.payloadTooLarge, label: `a ${big.length}-byte body (limit ${maxBodyBytes})` });
  }
}
