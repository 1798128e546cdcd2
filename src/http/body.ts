// Read a request body with a size cap, and parse it as the operation expects.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';
import type { ApiPolicy } from '../spec/policy.ts';

export class BodyTooLarge extends Error {}

/** Collect the body; rejects with BodyTooLarge as soon as the cap is passed (without buffering more). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume(); // drain the rest unbuffered
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Parse a body for a JSON operation. A body without a content type, or with a JSON, text/plain or
 * form-urlencoded one (curl -d's default), is read as JSON; multipart and other binary types are
 * refused as unsupported media.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, policy: ApiPolicy, required: boolean): unknown {
  const type = mediaTypeOf(contentType);
  const jsonish = type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/plain' || type === 'application/x-www-form-urlencoded';
  if (!jsonish) {
    throw new ApiError(policy.errors.unsupportedMediaType, `Content-Type ${type} is not supported here; send application/json.`);
  }
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

/**
 * The body of an operation that declares one: read under the size cap, then parsed as JSON for a
 * JSON operation, or kept as bytes in one of the declared media types (multipart uploads).
 */
export async function readOperationBody(
  req: IncomingMessage,
  policy: ApiPolicy,
  required: boolean,
  accepts: { expectsJson: boolean; mediaTypes: string[] },
  maxBytes: number,
): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBytes);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    // The status is the catalogue's (Sketchpen documents a 400 here). A body up to a few times the
    // cap is read to its end and discarded, so the client can finish sending and read the answer;
    // beyond that the connection is closed.
    const declared = Number(req.headers['content-length']);
    const linger = Number.isFinite(declared) && declared <= 4 * maxBytes;
    throw new ApiError(policy.errors.payloadTooLarge, `Request body exceeds the sandbox limit of ${maxBytes} bytes.`, {
      headers: linger ? {} : { Connection: 'close' },
    });
  }
  if (accepts.expectsJson) return parseJsonBody(raw, req.headers['content-type'], policy, required);
  const type = mediaTypeOf(req.headers['content-type']);
  if (raw.length && !accepts.mediaTypes.includes(type)) {
    throw new ApiError(policy.errors.unsupportedMediaType, `Content-Type ${type || '(none)'} is not supported here; send ${accepts.mediaTypes.join(' or ')}.`);
  }
  return raw;
}
