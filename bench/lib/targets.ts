// What every section of the benchmark shares: the builds compared (this checkout is "after"; an
// optional earlier checkout is "before"), the keys, the probe requests, and a sandbox started
// exactly as `npm start` starts it in a given checkout.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { ROOT } from '../../src/paths.ts';
import type { LoadRequest } from './http-load.ts';
import { launch, startCommand, until200, type Server } from './servers.ts';

export interface Build {
  name: 'before' | 'after';
  root: string;
  commit: string;
}

export const PF_KEY = 've_test_enterprise_bench0001';
export const SP_KEY = 'sk_test_enterprise_bench0001';

/** A handled PhantomFlow operation with no state: the readiness probe. */
export const READY: LoadRequest = { method: 'GET', path: '/api/render/schema', headers: { 'x-api-key': PF_KEY } };
/**
 * A Sketchpen operation answered by the mocker from the spec. Every Sketchpen operation has a
 * handler now, so what reaches the mocker is a `Prefer: code=`/`example=` request (or an
 * injected 2xx): here `Prefer: code=200` on GET /api/v1/themes.
 */
export const MOCKED: LoadRequest = { method: 'GET', path: '/api/v1/themes', headers: { 'x-api-key': SP_KEY, prefer: 'code=200' } };
export const INVALID_RENDER: LoadRequest = {
  method: 'POST',
  path: '/api/render',
  headers: { 'x-api-key': PF_KEY, 'content-type': 'application/json' },
  body: JSON.stringify({ scenes: [{ duration: '5', elements: [] }] }),
};

function commitOf(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The builds to compare: BENCH_BEFORE=<checkout> (or --before <checkout>) adds "before". */
export function builds(argv = process.argv.slice(2)): Build[] {
  const i = argv.indexOf('--before');
  const before = i !== -1 ? argv[i + 1] : process.env.BENCH_BEFORE;
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() ? '+changes' : '';
  const after: Build = { name: 'after', root: ROOT, commit: commitOf(ROOT) + dirty };
  return before ? [{ name: 'before', root: before, commit: commitOf(before) }, after] : [after];
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The sandbox of a checkout, started with the command its `npm start` runs, once it answers. */
export async function startSandbox(build: Build, options: { nodeFlags?: string[]; args?: string[]; env?: Record<string, string> } = {}): Promise<Server & { startupMs: number }> {
  const port = await freePort();
  const [node, ...rest] = startCommand(build.root);
  const argv = [node!, ...(options.nodeFlags ?? []), ...rest, '--port', String(port), ...(options.args ?? [])];
  const t0 = performance.now();
  const server = launch(`sandbox ${build.name}`, port, argv, { cwd: build.root, env: options.env });
  const startupMs = await until200(port, READY, t0);
  return { ...server, startupMs };
}

/** Rotate a list by `n` (interleaving: each round starts with a different target). */
export const rotate = <T>(xs: T[], n: number): T[] => xs.map((_, i) => xs[(i + n) % xs.length]!);
