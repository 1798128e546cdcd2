// Files the APIs produce (renders, thumbnails), served at /files/<api id>/<file name> from that
// API's data directory. Kept out of the spec-driven request path (no key: the URLs are unguessable,
// like a CDN's), but answered in the owning API's error envelope. Only plain file names are
// served: no directories, no dot-dot, and the resolved path must stay inside the data directory.
// Every answer carries a request id (the API's header) and CORS; files are not rate limited, so
// no rate-limit headers.
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { ApiError } from '../../core/errors.ts';
import { renderError } from '../envelope.ts';
import { corsHeaders, sendJson } from './respond.ts';
import { serveFile } from './serve-file.ts';
import type { ApiPolicy } from '../../openapi/policy.ts';

export const FILES_PREFIX = '/files';

export interface FileRoot {
  policy: ApiPolicy;
  dir: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)*$/;

/**
 * A handler for `/files/<api>/<name>`; returns false when the path is not under /files (the
 * caller passes the request on).
 */
export function createFilesHandler(roots: Map<string, FileRoot>, requestId: () => string = () => '') {
  return function handleFiles(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (url.pathname !== FILES_PREFIX && !url.pathname.startsWith(`${FILES_PREFIX}/`)) return false;
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
