// The sandbox's default data directory (renders) under the OS temp dir, and the clean-up of the
// ones killed sandboxes left behind. Each directory holds an owner file naming its process (PID
// and, on Linux, the process's start time, so a reused PID is not taken for the owner); at
// start-up a directory whose owner is gone is removed. One without an owner file is left alone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DATA_DIR_PREFIX = 'video-api-sandbox-';
export const OWNER_FILE = '.owner';

/** Start time of a process in clock ticks since boot (Linux), undefined elsewhere or when gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Alive: is it still the same process?
  if (startTime === undefined) return true;
  const now = startTimeOf(pid);
  return now === undefined || now === startTime;
}

/** A fresh data directory owned by this process. */
export function createDataDir(root = tmpdir()): string {
  const dir = mkdtempSync(join(root, DATA_DIR_PREFIX));
  const start = startTimeOf(process.pid);
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}${start ? ` ${start}` : ''}\n`);
  return dir;
}

/** Remove the data directories under `root` whose owning process is gone; returns their paths. */
export function removeStaleDataDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(DATA_DIR_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = join(root, name);
    let owner: string;
    try {
      owner = readFileSync(join(dir, OWNER_FILE), 'utf8').trim();
    } catch {
      continue; // not ours to judge
    }
    const [pidText, startTime] = owner.split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid, startTime)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Another sandbox starting at the same moment may be removing it too.
    }
  }
  return removed;
}
