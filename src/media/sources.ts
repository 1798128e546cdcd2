// Media sources (`src`) made local before FFmpeg sees them: files under fixtures/, or http(s)
// downloads with a timeout and a size cap. No files outside fixtures/; every URL, redirects
// included, passes the sandbox's one outbound policy (src/core/outbound.ts) and the connection is
// pinned to the address it checked.
import { createWriteStream, realpathSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutbound, unreachable } from '../core/outbound.ts';

export interface SourceOptions {
  /** directory whose files may be used by path (`fixtures/media/x.png`, relative to its parent) */
  fixturesDir: string;
  /** where downloads go */
  tmpDir: string;
  timeoutMs: number;
  maxBytes: number;
  /** hosts besides loopback that may be fetched from (the outbound policy's allow-list) */
  allowHosts?: readonly string[];
  /** abandons the download (the job was reset, or the sandbox closed) */
  signal?: AbortSignal;
}

/** `fixture`: the file is one of fixtures/ (it outlives the job), not this job's download */
export type Resolved = { ok: true; path: string; fixture: boolean } | { ok: false; message: string };

function fixturePath(src: string, fixturesDir: string): Resolved {
  const root = resolve(fixturesDir);
  const path = src.startsWith('file:') ? fileURLToPath(src) : resolve(root, '..', src);
  const outside = { ok: false, message: `Source ${src} is not allowed: only files under fixtures/ can be used by path` } as const;
  if (!path.startsWith(root + sep)) return outside;
  // A symlink inside fixtures/ must not lead outside it.
  try {
    const real = realpathSync(path);
    if (!real.startsWith(realpathSync(root) + sep)) return outside;
    return { ok: true, path: real, fixture: true };
  } catch {
    return { ok: false, message: `Source ${src} could not be fetched: no such file under fixtures/` };
  }
}

/** A failure the network caused (as opposed to the answer's size or the disk). */
class NetworkError extends Error {}
/** A failure of ours or of the answer's size: said as it is. */
class SizeError extends Error {}

function download(url: URL, lookup: LookupFunction, dest: string, o: SourceOptions): Promise<{ status: number; location?: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // Pinned to the address the policy checked (no second DNS answer); a connection of its own,
    // closed after the answer: nothing pooled outlives the sandbox.
    const req = request(url, { method: 'GET', timeout: o.timeoutMs, lookup, signal: o.signal, agent: false });
    const deadline = setTimeout(() => req.destroy(new NetworkError()), o.timeoutMs);
    req.once('timeout', () => req.destroy(new NetworkError()));
    req.once('error', (err) => {
      clearTimeout(deadline);
      // Refused, reset, unreachable, timed out, not HTTP: one message (no port scanning).
      reject(err instanceof SizeError ? err : new NetworkError());
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
        req.destroy(new SizeError(`larger than the ${o.maxBytes}-byte limit`));
        return;
      }
      let size = 0;
      const out = createWriteStream(dest);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBytes) req.destroy(new SizeError(`larger than the ${o.maxBytes}-byte limit`));
      });
      res.pipe(out);
      out.once('finish', () => {
        clearTimeout(deadline);
        resolvePromise({ status });
      });
      out.once('error', (err) => req.destroy(new SizeError(`cannot be stored: ${err.message}`)));
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
    const decision = await checkOutbound(url, { allowHosts: o.allowHosts });
    if (!decision.ok) return { ok: false, message: `Source ${src} ${decision.refused ? 'is' : 'could not be fetched:'} ${decision.message}` };
    try {
      const r = await download(url, decision.lookup, dest, o);
      if (r.status >= 200 && r.status < 300) return { ok: true, path: dest, fixture: false };
      if (r.status >= 300 && r.status < 400 && r.location && hop < 3) {
        url = new URL(r.location, url);
        if (!/^https?:$/.test(url.protocol)) return { ok: false, message: `Source ${src} is not allowed: redirect to ${url.protocol}` };
        continue;
      }
      return { ok: false, message: `Source ${src} could not be fetched: HTTP ${r.status}` };
    } catch (err) {
      const why = err instanceof SizeError ? err.message : unreachable(url, o.timeoutMs);
      return { ok: false, message: `Source ${src} could not be fetched: ${why}` };
    }
  }
  return { ok: false, message: `Source ${src} could not be fetched: too many redirects` };
}
