// The request body of an operation that declares one: read under the size cap, parsed as JSON for
// a JSON operation, as a form for multipart/form-data (fields and files), or kept as bytes in
// another declared media type; then validated against the operation's schema.
// Every refusal is the API's own catalogue code with the catalogue's status.
import { ApiError } from '../../core/errors.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';
import type { Exchange } from '../exchange.ts';
import { formAsObject, MultipartError, parseMultipart } from '../transport/multipart.ts';
import { BodyTooLarge, mediaTypeOf, readBody } from '../transport/read-body.ts';

/**
 * A body for a JSON operation: application/json or a +json type, plus what the spec's
 * x-sandbox.jsonBodies lets through (form-urlencoded for `curl -d`, no Content-Type); anything
 * else is the API's unsupported-media-type answer. An empty body needs no type.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, policy: ApiPolicy, required: boolean): unknown {
  const type = mediaTypeOf(contentType);
  const { alsoAccept, untyped } = policy.jsonBodies;
  const jsonish = type === 'application/json' || type.endsWith('+json') || alsoAccept.includes(type) || (type === '' && (untyped === 'json' || raw.length === 0));
  if (!jsonish) throw new ApiError(policy.errors.unsupportedMediaType, `Content-Type must be application/json (got ${type || 'none'}).`);
  const text = raw.toString('utf8');
  if (text.trim() === '') {
    if (required) throw new ApiError(policy.validation.invalidJson, 'Request body is required: send a JSON object.');
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(policy.validation.invalidJson, `Request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function body(maxBodyOverride: number | undefined) {
  // Operations without a body return at once, without a promise to await.
  return (ex: Exchange): void | Promise<void> => (ex.op!.body ? readValidated(ex, maxBodyOverride) : undefined);
}

async function readValidated(ex: Exchange, maxBodyOverride: number | undefined): Promise<void> {
  const op = ex.op!;
  const body = op.body!;
  const { policy, req } = ex;
  const validator = ex.api.validators.get(op.operationId);
  const maxBytes = maxBodyOverride ?? policy.maxBodyBytes;
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBytes);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    // A body up to a few times the cap is read to its end and discarded, so the client can
    // finish sending and read the answer; beyond that the connection is closed.
    const declared = Number(req.headers['content-length']);
    const linger = Number.isFinite(declared) && declared <= 4 * maxBytes;
    throw new ApiError(policy.errors.payloadTooLarge, `Request body exceeds the sandbox limit of ${maxBytes} bytes.`, { headers: linger ? {} : { Connection: 'close' } });
  }
  if (validator.expectsJson) {
    ex.body = parseJsonBody(raw, req.headers['content-type'], policy, body.required);
    if (ex.body !== undefined || body.required) validator.body(ex.body);
    return;
  }
  const type = mediaTypeOf(req.headers['content-type']);
  if (raw.length && !validator.mediaTypes.includes(type)) {
    throw new ApiError(policy.errors.unsupportedMediaType, `Content-Type ${type || '(none)'} is not supported here; send ${validator.mediaTypes.join(' or ')}.`);
  }
  if (type === 'multipart/form-data' || (!raw.length && validator.mediaTypes.includes('multipart/form-data'))) {
    if (!raw.length) {
      if (body.required) throw new ApiError(policy.validation.invalidJson, 'Request body is required: send multipart/form-data.');
      return;
    }
    try {
      ex.body = parseMultipart(raw, req.headers['content-type']);
    } catch (err) {
      if (!(err instanceof MultipartError)) throw err;
      throw new ApiError(policy.validation.invalidJson, `Request body is not valid multipart/form-data: ${err.message}.`);
    }
    validator.form(formAsObject(ex.body as ReturnType<typeof parseMultipart>));
    return;
  }
  ex.body = raw;
}
