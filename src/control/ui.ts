// The inspector's static files (src/control/ui/), served at <control prefix>/ui/ beside the
// control API and outside its spec, like /files: a page is not an API operation, and it must load
// without the admin token (it asks for the token, then calls the control API with it). Everything
// it shows comes from the control API; this only hands out three files, read once, with a strict
// same-origin Content-Security-Policy. The page names its script and stylesheet with their content
// hash (app.js?v=…), so a browser keeps them without asking again: a reload costs one round trip
// for the page and then only the control API's answers.
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
};
const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ASSETS = ['app.js', 'style.css'];

interface Loaded {
  body: Buffer;
  etag: string;
}

/** A handler for `<prefix>/ui…`; returns false for any other path (the caller passes it on). */
export function createUiHandler(controlPrefix: string, dir = UI_DIR) {
  const base = `${controlPrefix}/ui`;
  const cache = new Map<string, Loaded>();
  const loaded = (body: Buffer): Loaded => ({ body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
  const load = (name: string): Loaded => {
    let f = cache.get(name);
    if (!f) {
      let body = readFileSync(join(dir, name));
      if (name === 'index.html') {
        // Point the page at this very version of its assets.
        let html = body.toString('utf8');
        for (const asset of ASSETS) html = html.replace(`"${asset}"`, `"${asset}?v=${load(asset).etag.slice(1, -1)}"`);
        body = Buffer.from(html);
      }
      f = loaded(body);
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
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': REVALIDATE, ...HEADERS, ...extra });
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
    // Only the URL of this exact content may be kept for good; any other is asked for again.
    const version = q === -1 ? undefined : new URLSearchParams(target.slice(q + 1)).get('v');
    const cacheControl = ASSETS.includes(name) && version === file.etag.slice(1, -1) ? IMMUTABLE : REVALIDATE;
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, { ETag: file.etag, 'Cache-Control': cacheControl, ...HEADERS });
      res.end();
      return true;
    }
    res.writeHead(200, { 'Content-Type': FILES[name]!, 'Content-Length': file.body.length, ETag: file.etag, 'Cache-Control': cacheControl, ...HEADERS });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
