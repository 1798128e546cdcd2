// A curl command line that sends exactly the request a check judged, for the failure report.
import type { SentRequest } from './types.ts';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function curlOf(req: SentRequest): string {
  const parts = ['curl', '-sS', '-i'];
  if (req.method !== 'GET') parts.push('-X', req.method);
  parts.push(quote(req.url));
  for (const [k, v] of Object.entries(req.headers)) parts.push('-H', quote(`${k}: ${v}`));
  if (req.body !== undefined) parts.push('--data-raw', quote(req.body));
  return parts.join(' ');
}
