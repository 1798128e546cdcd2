// Media sources (`src`) made local before FFmpeg sees them: files under fixtures/, or http(s)
// downloads with a timeout and a size cap. Fetching is guarded: no files outside fixtures/, no
// link-local or cloud-metadata addresses (checked on the resolved address, which the connection is
// then pinned to), loopback always allowed, and an optional allow-list for every other host.
import { createWriteStream } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SourceOptions {
  /** directory whose files may be used by path (`fixtures/media/x.png`, relative to its parent) */
  fixturesDir: string;
  /** where downloads go */
  tmpDir: string;
  timeoutMs: number;
  maxBytes: number;
  /** when set, remote hosts other than loopback must be listed */
  allowHosts?: string[];
}

export type Resolved = { ok: true; path: string } | { ok: false; message: string };

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'metadata.azure.internal']);

/** Addresses a sandbox must never fetch from: link-local (cloud metadata lives there). */
export function isForbiddenAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('169.254.') || v4 === '0.0.0.0';
  const a = address.toLowerCase();
  return /^fe[89ab]/.test(a) || a === 'fd00:ec2::254' || a === '::';
}

function isLoopback(host: string, address?: string): boolean {
  const a = address ?? host;
  return host === 'localhost' || a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

function fixturePath(src: string, fixturesDir: string): Resolved {
  const root = resolve(fixturesDir);
  const path = src.startsWith('file:') ? fileURLToPath(src) : resolve(root, '..', src);
  if (!path.startsWith(root + sep)) return { ok: false, message: `Source ${src} is not allowed: only files under fixtures/ can be used by path` };
  return { ok: true, path };
}

function download(url: URL, address: { address: string; family: number }, dest: string, o: SourceOptions): Promise<{ status: number; location?: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      timeout: o.timeoutMs,
      // Pin the connection to the address that was checked (no second DNS answer).
      lookup: ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
        opts.all ? cb(null, [address]) : cb(null, address.address, address.family)) as never,
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.once('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.once('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.once('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        clearTimeout(deadline);
        res.resume();
        resolvePromise({ status, location: res.headers.location });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBytes) {
        req.destroy(new Error(`larger than the ${o.maxBytes}-byte limit`));
        return;
      }
      let size = 0;
      const out = createWriteStream(dest);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBytes) req.destroy(new Error(`larger than the ${o.maxBytes}-byte limit`));
      });
      res.pipe(out);
      out.once('finish', () => {
        clearTimeout(deadline);
        resolvePromise({ status });
      });
      out.once('error', (err) => req.destroy(err));
    });
    req.end();
  });
}

/** Make one `src` local. `name` is the download's file name inside tmpDir. */
export async function resolveSource(src: string, name: string, o: SourceOptions): Promise<Resolved> {
  if (!/^https?:\/\//i.test(src)) return fixturePath(src, o.fixturesDir);
  let url: URL;
  try {
    url = new URL(src);
  } catch {
    return { ok: false, message: `Source ${src} is not a valid URL` };
  }
  const dest = join(o.tmpDir, name);
  for (let hop = 0; hop <= 3; hop++) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (METADATA_HOSTS.has(host.toLowerCase())) return { ok: false, message: `Source ${src} is not allowed: cloud metadata host` };
    let address: { address: string; family: number };
    try {
      const all = await lookup(host, { all: true });
      const bad = all.find((a) => isForbiddenAddress(a.address));
      if (bad) return { ok: false, message: `Source ${src} is not allowed: ${host} resolves to the link-local/metadata address ${bad.address}` };
      address = all[0]!;
    } catch (err) {
      return { ok: false, message: `Source ${src} could not be fetched: cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    if (o.allowHosts && !isLoopback(host, address.address) && !o.allowHosts.includes(host)) {
      return { ok: false, message: `Source ${src} is not allowed: ${host} is not in the allowed hosts` };
    }
    try {
      const r = await download(url, address, dest, o);
      if (r.status >= 200 && r.status < 300) return { ok: true, path: dest };
      if (r.status >= 300 && r.status < 400 && r.location && hop < 3) {
        url = new URL(r.location, url);
        if (!/^https?:$/.test(url.protocol)) return { ok: false, message: `Source ${src} is not allowed: redirect to ${url.protocol}` };
        continue;
      }
      return { ok: false, message: `Source ${src} could not be fetched: HTTP ${r.status}` };
    } catch (err) {
      return { ok: false, message: `Source ${src} could not be fetched: ${(err as Error).message}` };
    }
  }
  return { ok: false, message: `Source ${src} could not be fetched: too many redirects` };
}
