// The inspector's static files (src/control/ui/), served at <control prefix>/ui/ beside the
// control API and outside its spec, like /files: a page is not an API operation, and it must load
// without the admin token (it asks for the token, then calls the control API with it). Everything
// it shows comes from the control API; this only hands out three files, read once, with a strict
// same-origin Content-Security-Policy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ROOT } from '../paths.ts';

/** Where the page's files are, from src/ (tsx, tests) and from the bundle in dist/ alike. */
export const UI_DIR = join(ROOT, 'src', 'control', 'ui');

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// Same origin only: no inline script, no third-party anything, not framable.
const HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

interface Loaded {
  body: Buffer;
  etag: string;
}

/** A handler for `<prefix>/ui…`; returns false for any other path (the caller passes it on). */
export function createUiHandler(controlPrefix: string, dir = UI_DIR) {
  const base = `${controlPrefix}/ui`;
  const cache = new Map<string, Loaded>();
  const load = (name: string): Loaded => {
    let f = cache.get(name);
    if (!f) {
      const body = readFileSync(join(dir, name));
      f = { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
      cache.set(name, f);
    }
    return f;
  };
  return function handleUi(req: IncomingMessage, res: ServerResponse): boolean {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const plain = (status: number, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...HEADERS, ...extra });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(405, `Method ${req.method} is not allowed on ${path}; allowed: GET, HEAD.`, { Allow: 'GET, HEAD' });
      return true;
    }
    // Relative links need the trailing slash: /__sandbox/ui → /__sandbox/ui/
    if (path === base) {
      plain(308, 'The inspector is at ui/.', { Location: `ui/${q === -1 ? '' : target.slice(q)}` });
      return true;
    }
    const name = path.slice(base.length + 1) || 'index.html';
    if (!Object.hasOwn(FILES, name)) {
      plain(404, `No inspector file ${name}; the inspector is at ${base}/.`);
      return true;
    }
    const file = load(name);
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, { ETag: file.etag, ...HEADERS });
      res.end();
      return true;
    }
    res.writeHead(200, { 'Content-Type': FILES[name]!, 'Content-Length': file.body.length, ETag: file.etag, ...HEADERS });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
