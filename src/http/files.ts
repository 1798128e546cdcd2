// Files the APIs produce (renders, thumbnails), served at /files/<api id>/<file name> from that
// API's data directory. Kept out of the spec-driven pipeline (no key: the URLs are unguessable,
// like a CDN's), but answered in the owning API's error envelope. Only plain file names are
// served: no directories, no dot-dot, and the resolved path must stay inside the data directory.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { ApiError, renderError } from './errors.ts';
import { corsHeaders, sendJson } from './respond.ts';
import type { ApiPolicy } from '../spec/policy.ts';

export const FILES_PREFIX = '/files';

export interface FileRoot {
  policy: ApiPolicy;
  dir: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)*$/;

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.json': 'application/json',
};

/** Serve one file with single-range support (what a <video> element needs to seek). */
export function serveFile(req: IncomingMessage, res: ServerResponse, file: string, extraHeaders: Record<string, string> = {}): void {
  const size = statSync(file).size;
  const head = req.method === 'HEAD';
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'public, max-age=3600');
  const range = req.headers.range;
  let start = 0;
  let end = size - 1;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let ok = Boolean(m) && !(m![1] === '' && m![2] === '');
    if (ok) {
      if (m![1] === '') {
        start = Math.max(0, size - Number(m![2]));
      } else {
        start = Number(m![1]);
        end = m![2] === '' ? size - 1 : Math.min(size - 1, Number(m![2]));
      }
      ok = start <= end && start < size;
    }
    if (!ok) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${size}`);
      res.setHeader('Content-Length', 0);
      res.end();
      return;
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  } else {
    res.statusCode = 200;
  }
  res.setHeader('Content-Length', size === 0 ? 0 : end - start + 1);
  if (head || size === 0) {
    res.end();
    return;
  }
  createReadStream(file, { start, end })
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * A handler for `/files/<api>/<name>`; returns false when the path is not under /files (the
 * caller passes the request on). `serve` is replaceable (the render module's server).
 */
export function createFilesHandler(roots: Map<string, FileRoot>, serve: typeof serveFile = serveFile) {
  return function handleFiles(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (url.pathname !== FILES_PREFIX && !url.pathname.startsWith(`${FILES_PREFIX}/`)) return false;
    const [, , apiId = '', ...rest] = url.pathname.split('/');
    const root = roots.get(apiId) ?? [...roots.values()][0];
    if (!root) return false;
    const fail = (code: string, message: string, headers: Record<string, string> = {}, status?: number) => {
      const r = renderError(root.policy, new ApiError(code, message, { headers, status }), '');
      sendJson(res, r.status, { ...corsHeaders([]), ...r.headers }, r.body, req.method === 'HEAD');
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
    serve(req, res, file, corsHeaders(['Content-Range', 'Accept-Ranges', 'Content-Length']));
    return true;
  };
}
