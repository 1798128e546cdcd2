// Requests a browser marks as coming from another site, refused for runtimes whose spec says so
// (x-sandbox.browsers.crossSite: refuse — the control API). A page elsewhere could otherwise make
// the browser send requests that need no preflight (a form post, text/plain). Programs send
// neither header and pass; the sandbox's own pages are same-origin and pass. So does a request
// carrying Authorization or an X- header: a page cannot add one without a preflight, and no
// preflight is granted (a proxy in front of the sandbox may well add an Origin) — the runtime's
// guard judges its credential.
import { ApiError } from '../../core/errors.ts';
import type { Exchange } from '../exchange.ts';

/** Why the request is cross-site, or undefined when it is not (or no browser sent it). */
export function crossSiteReason(headers: Record<string, string | string[] | undefined>): string | undefined {
  if (headers.authorization !== undefined || Object.keys(headers).some((h) => h.startsWith('x-'))) return undefined;
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${site}`;
  const origin = headers.origin;
  if (typeof origin !== 'string') return undefined;
  let host: string | undefined;
  try {
    host = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== String(headers.host ?? '').toLowerCase()) return `Origin ${origin} is not this sandbox`;
  return undefined;
}

export function crossSite(ex: Exchange): void {
  const { browsers } = ex.policy;
  if (browsers.crossSite !== 'refuse' || ex.method === 'options') return;
  const reason = crossSiteReason(ex.req.headers);
  if (reason) throw new ApiError(browsers.refusedCode!, `Cross-site requests to this API are refused (${reason}).`);
}
