// Files the APIs produce (renders, thumbnails), served at /files/<api id>/<file name> from that
// API's data directory. Kept out of the spec-driven request path (no key: the URLs are unguessable,
// like a CDN's), but answered in the owning API's error envelope. Only plain file names are
// served: no directories, no dot-dot, and the resolved path must stay inside the data directory.
// An API that declares `x-sandbox.files.signedUrls` hands out pre-signed links instead: the path
// plus `expires` (Unix seconds, sandbox clock) and an HMAC `signature` over both; an expired,
// altered or unsigned link is refused with that API's declared error (403).
// Every answer carries a request id (the API's header, and the error body's field where the API
// puts one) and CORS; files are not rate limited, so no rate-limit headers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { ApiError } from '../../core/errors.ts';
import { renderError } from '../envelope.ts';
import { createRequestIds } from '../request-id.ts';
import { corsHeaders, sendJson } from './respond.ts';
import { serveFile } from './serve-file.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';

export const FILES_PREFIX = '/files';

export interface FileRoot {
  policy: ApiPolicy;
  dir: string;
  /** links to this root must be signed (x-sandbox.files.signedUrls) */
  signer?: UrlSigner;
}

export type LinkCheck = { ok: true } | { ok: false; reason: 'expired' | 'invalid'; expiredAt?: number };

/** Signs and checks links to files: `path?expires=…&signature=…`, valid for ttlSeconds. */
export interface UrlSigner {
  readonly ttlSeconds: number;
  /** `path` (as served, e.g. /files/<api>/<name>) with its expiry and signature appended */
  sign(path: string): string;
  check(path: string, query: URLSearchParams): LinkCheck;
}

export function createUrlSigner(secret: Buffer, ttlSeconds: number, now: () => number): UrlSigner {
  const mac = (path: string, expires: string) => createHmac('sha256', secret).update(`${path}\n${expires}`).digest('hex').slice(0, 32);
  return {
    ttlSeconds,
    sign(path) {
      const expires = String(Math.floor(now() / 1000) + ttlSeconds);
      return `${path}?expires=${expires}&signature=${mac(path, expires)}`;
    },
    check(path, query) {
      const expires = query.get('expires') ?? '';
      const given = Buffer.from(query.get('signature') ?? '', 'utf8');
      const wanted = Buffer.from(mac(path, expires), 'utf8');
      if (!/^\d{1,12}$/.test(expires) || given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'invalid' };
      const at = Number(expires) * 1000;
      return now() >= at ? { ok: false, reason: 'expired', expiredAt: at } : { ok: true };
    },
  };
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)*$/;

/**
 * A handler for `/files/<api>/<name>`; returns false when the path is not under /files (the
 * caller passes the request on).
 */
export function createFilesHandler(roots: Map<string, FileRoot>, requestId: () => string = createRequestIds()) {
  return function handleFiles(req: IncomingMessage, res: ServerResponse): boolean {
    // Every request passes here first: a string test, not a URL parse, decides it is not ours.
    const raw = req.url ?? '/';
    // An absolute-form target (a proxy's "GET http://host/files/…") is served by its path.
    const target = raw.startsWith('/') ? raw : raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    if (!target.startsWith(FILES_PREFIX)) return false;
    const end = target.search(/[?#]/);
    const pathname = end === -1 ? target : target.slice(0, end);
    if (pathname !== FILES_PREFIX && !pathname.startsWith(`${FILES_PREFIX}/`)) return false;
    // Only our own paths get this far, so parsing their query (a signed link's) costs the rest nothing.
    const url = { pathname, searchParams: new URLSearchParams(target[end] === '?' ? target.slice(end + 1).split('#')[0] : '') };
    const [, , apiId = '', ...rest] = url.pathname.split('/');
    const root = roots.get(apiId) ?? [...roots.values()][0];
    if (!root) return false;
    const id = requestId();
    const own = { [root.policy.errors.requestId.header]: id, ...corsHeaders([root.policy.errors.requestId.header]) };
    const fail = (code: string, message: string, headers: Record<string, string> = {}, status?: number) => {
      const r = renderError(root.policy, new ApiError(code, message, { headers, status }), id);
      sendJson(res, r.status, { ...own, ...r.headers }, r.body, req.method === 'HEAD');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(root.policy.errors.methodNotAllowed, `Method ${req.method} is not allowed on ${url.pathname}; allowed: GET, HEAD.`, { Allow: 'GET, HEAD' }, 405);
      return true;
    }
    let name = '';
    try {
      name = decodeURIComponent(rest.join('/'));
    } catch {
      name = '';
    }
    const notFound = () => fail(root.policy.errors.routeNotFound, `No file at ${url.pathname}.`);
    if (!roots.has(apiId) || !SAFE_NAME.test(name)) {
      notFound();
      return true;
    }
    const link = root.signer?.check(url.pathname, url.searchParams);
    if (link && !link.ok) {
      const code = root.policy.files?.signedUrls?.error ?? root.policy.errors.routeNotFound;
      const message =
        link.reason === 'expired'
          ? `This link expired at ${new Date(link.expiredAt!).toISOString()}; fetch the resource again from the API for a fresh one.`
          : 'This link is not valid: its signature does not match (links are pre-signed and must be used unchanged).';
      fail(code, message, {}, 403);
      return true;
    }
    const base = resolve(root.dir);
    const file = resolve(base, name);
    if (!file.startsWith(base + sep)) {
      notFound();
      return true;
    }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      notFound();
      return true;
    }
    serveFile(req, res, file, { ...own, ...corsHeaders(['Content-Range', 'Accept-Ranges', 'Content-Length', 'ETag', root.policy.errors.requestId.header]) });
    return true;
  };
}
