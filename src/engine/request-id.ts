// Request ids: a random prefix per sandbox and a counter — unique, and cheaper than a UUID each.
// One generator serves the request path and the transport's own answers (parser errors, CONNECT).
import { randomUUID } from 'node:crypto';

export function createRequestIds(): () => string {
  const prefix = `req_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let counter = 0;
  return () => `${prefix}${(++counter).toString(36).padStart(8, '0')}`;
}
