// Starting and stopping the servers a benchmark compares. Each is spawned in its own process
// group, so stopping it (by its group id) also stops what it started (npm → sh → node); nothing
// else is ever signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exchange, type LoadRequest } from './http-load.ts';

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  /** the process that serves (for /proc readings) */
  pid: number;
  /** everything it printed on stdout so far */
  stdout(): string;
}

/** The command `npm start` runs in `root` (its package.json `start` script), as argv. */
export function startCommand(root: string): string[] {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const argv = script.trim().split(/\s+/);
  if (argv[0] !== 'node') throw new Error(`${root}: npm start runs "${script}", not node`);
  return [process.execPath, ...argv.slice(1)];
}

export function launch(name: string, port: number, argv: string[], options: { cwd: string; env?: Record<string, string> }): Server {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { name, port, child, pid: child.pid!, stdout: () => out };
}

/** Poll until `probe` answers 200; resolves with ms since `since` (a performance.now() value). */
export async function until200(port: number, probe: LoadRequest, since: number, timeoutMs = 60_000, everyMs = 2): Promise<number> {
  for (;;) {
    try {
      const r = await exchange(port, probe);
      if (r.status === 200) return performance.now() - since;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - since > timeoutMs) throw new Error(`no 200 on port ${port} within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  try {
    process.kill(-server.child.pid!, 'SIGTERM');
  } catch {
    /* already gone */
  }
  await Promise.race([exited, sleep(5000)]);
  if (server.child.exitCode === null && server.child.signalCode === null) {
    try {
      process.kill(-server.child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
