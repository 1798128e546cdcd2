// A killed sandbox leaves its temporary data directory; the next sandbox to start removes it —
// only directories whose owning process is gone, never a live one's or one it cannot judge.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createDataDir, DATA_DIR_PREFIX, OWNER_FILE, removeStaleDataDirs } from '../../src/compose/data-dir.ts';
import { ROOT } from '../../src/paths.ts';
import { createSandbox } from '../../src/sandbox.ts';

const scratch = mkdtempSync(join(tmpdir(), 'data-dir-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

it('removes only directories whose owner is gone', async () => {
  const dead = join(scratch, `${DATA_DIR_PREFIX}dead`);
  const live = createDataDir(scratch);
  const unowned = join(scratch, `${DATA_DIR_PREFIX}unowned`);
  const reused = join(scratch, `${DATA_DIR_PREFIX}reused`);
  for (const d of [dead, unowned, reused]) mkdirSync(join(d, 'phantomflow'), { recursive: true });
  writeFileSync(join(dead, OWNER_FILE), `${await deadPid()}\n`);
  // Our own PID with another start time: the PID was reused, the owner is gone.
  writeFileSync(join(reused, OWNER_FILE), `${process.pid} 1\n`);
  const removed = removeStaleDataDirs(scratch);
  expect(existsSync(dead)).toBe(false);
  expect(existsSync(live)).toBe(true);
  expect(existsSync(unowned)).toBe(true);
  if (process.platform === 'linux') expect(existsSync(reused)).toBe(false);
  expect(removed).toContain(dead);
  expect(readFileSync(join(live, OWNER_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\\b`));
});

it('a sandbox killed with SIGKILL leaves its directory; the next sandbox removes it', async () => {
  const mine = () => readdirSync(tmpdir()).filter((n) => n.startsWith(DATA_DIR_PREFIX));
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', "const m = await import('./src/sandbox.ts'); m.createSandbox(); console.log('ready'); setInterval(() => {}, 1000);"], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const left = mine().filter((n) => {
    try {
      return readFileSync(join(tmpdir(), n, OWNER_FILE), 'utf8').startsWith(`${child.pid} `) || readFileSync(join(tmpdir(), n, OWNER_FILE), 'utf8').trim() === String(child.pid);
    } catch {
      return false;
    }
  });
  expect(left).toHaveLength(1);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  expect(existsSync(join(tmpdir(), left[0]!))).toBe(true);
  const next = createSandbox();
  try {
    expect(existsSync(join(tmpdir(), left[0]!))).toBe(false);
  } finally {
    await next.close();
  }
}, 60_000);
