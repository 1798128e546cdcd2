// `serve` as a user runs it: a real process, its banner, its flags and environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGTERM');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start `serve`, resolve with its banner once it has printed the curl line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (/curl .*\n/.test(out)) resolve(out);
    });
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

it('honours --port and --host, prints the URL, the loaded APIs and a curl line that works', async () => {
  const port = await freePort();
  const banner = await serve(['--port', String(port), '--host', '127.0.0.1']);
  expect(banner).toContain(`http://127.0.0.1:${port}`);
  expect(banner).toMatch(/phantomflow/);
  expect(banner).toMatch(/sketchpen/);
  const curl = /curl -s -H '([^:]+): ([^']+)' (\S+)/.exec(banner);
  expect(curl).not.toBeNull();
  const res = await fetch(curl![3]!, { headers: { [curl![1]!]: curl![2]! } });
  expect(res.status).toBe(200);
});

it('honours PORT from the environment, and --api serves just one API', async () => {
  const port = await freePort();
  const banner = await serve(['--api', 'sketchpen'], { PORT: String(port) });
  expect(banner).toContain(`:${port}`);
  expect(banner).not.toMatch(/phantomflow/);
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/themes`, { headers: { 'X-Api-Key': 'sk_test_cli_probe_0001' } });
  expect(res.status).toBe(200);
});

it('refuses an unknown API with a clear message', async () => {
  await expect(serve(['--api', 'nope', '--port', '0'])).rejects.toThrow(/unknown API nope/);
});

it('the banner says whether the control API needs a token as the guard will decide it', async () => {
  const open = await serve(['--port', String(await freePort())]);
  expect(open).toMatch(/control API .*no token needed/);
  const port = await freePort();
  const guarded = await serve(['--port', String(port), '--admin-token', 's3cr3t-token']);
  expect(guarded).toMatch(/control API .*admin token required/);
  expect(guarded).not.toMatch(/no token needed/);
  expect((await fetch(`http://127.0.0.1:${port}/__sandbox/health`)).status).toBe(401);
  expect((await fetch(`http://127.0.0.1:${port}/__sandbox/health`, { headers: { authorization: 'Bearer s3cr3t-token' } })).status).toBe(200);
});
