// Media sources (`src`) made local before FFmpeg sees them: files under fixtures/, or http(s)
// downloads with a timeout and a size cap. Fetching is guarded: no files outside fixtures/, no
// link-local or cloud-metadata addresses (checked on the resolved address, which the connection is
// then pinned to), loopback always allowed, and an optional allow-list for every other host.
import { createWriteStream, realpathSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostListed, isLoopback, refusedAddressReason, refusedHostnameReason } from './address-policy.ts';

export interface SourceOptions {
  /** directory whose files may be used by path (`fixtures/media/x.png`, relative to its parent) */
  fixturesDir: string;
  /** where downloads go */
  tmpDir: string;
  timeoutMs: number;
  maxBytes: number;
  /** when set, remote hosts other than loopback must be listed */
  allowHosts?: string[];
  /** abandons the download (the job was reset, or the sandbox closed) */
  signal?: AbortSignal;
}

export type Resolved = { ok: true; path: string } | { ok: false; message: string };

function fixturePath(src: string, fixturesDir: string): Resolved {
  const root = resolve(fixturesDir);
  const path = src.startsWith('file:') ? fileURLToPath(src) : resolve(root, '..', src);
  const outside = { ok: false, message: `Source ${src} is not allowed: only files under fixtures/ can be used by path` } as const;
  if (!path.startsWith(root + sep)) return outside;
  // A symlink inside fixtures/ must not lead outside it.
  try {
    const real = realpathSync(path);
    if (!real.startsWith(realpathSync(root) + sep)) return outside;
    return { ok: true, path: real };
  } catch {
    return { ok: false, message: `Source ${src} could not be fetched: no such file under fixtures/` };
  }
}

function download(url: URL, address: { address: string; family: number }, dest: string, o: SourceOptions): Promise<{ status: number; location?: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      timeout: o.timeoutMs,
      signal: o.signal,
      // A connection of its own, closed after the answer: nothing pooled outlives the sandbox.
      agent: false,
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
    const byName = refusedHostnameReason(host);
    if (byName) return { ok: false, message: `Source ${src} is not allowed: ${byName}` };
    let address: { address: string; family: number };
    try {
      const all = await lookup(host, { all: true });
      for (const a of all) {
        const reason = refusedAddressReason(a.address);
        if (reason) return { ok: false, message: `Source ${src} is not allowed: ${host} resolves to ${reason.replace(/^\S+ is /, '')} (${a.address})` };
      }
      address = all[0]!;
    } catch (err) {
      return { ok: false, message: `Source ${src} could not be fetched: cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    if (!hostListed(host, o.allowHosts) && !isLoopback(address.address)) {
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
