// Reproducible installs (decision 051): the lockfile is complete — every platform's optional
// binaries (esbuild, rollup, FFmpeg) are in it, so `npm ci` accepts it on any machine — and it is
// in the one form every machine writes, because the project's .npmrc pins what shapes it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  optionalDependencies?: Record<string, string>;
  link?: boolean;
}
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };

/** Where Node would find `name` from the package at `at`: its own node_modules, then each parent's. */
function located(at: string, name: string): boolean {
  let base = at;
  for (;;) {
    if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

it('lists every optional dependency of every locked package (all platforms), as npm ci demands', () => {
  const missing: string[] = [];
  let optional = 0;
  for (const [at, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      optional++;
      if (!located(at, name)) missing.push(`${at || '(root)'} → ${name}`);
    }
  }
  expect(optional).toBeGreaterThan(40); // esbuild's, rollup's and the FFmpeg installers' platform packages
  expect(missing).toEqual([]);
});

it('is in the form the pinned settings write: lockfile v3, no registry URLs, an integrity hash per package', () => {
  expect(lock.lockfileVersion).toBe(3);
  const entries = Object.entries(lock.packages).filter(([at, e]) => at !== '' && !e.link);
  expect(entries.filter(([, e]) => e.resolved !== undefined).map(([at]) => at)).toEqual([]);
  expect(entries.filter(([, e]) => !e.integrity).map(([at]) => at)).toEqual([]);
});

it('the project .npmrc wins over a machine’s own npm config', () => {
  const home = mkdtempSync(join(tmpdir(), 'npm-home-'));
  try {
    // A machine whose user config says the opposite.
    const env = { ...process.env, HOME: home, npm_config_userconfig: join(home, '.npmrc') };
    spawnSync('npm', ['config', 'set', 'omit-lockfile-registry-resolved=false', 'save-exact=false', '--location=user'], { cwd: home, env });
    const got = spawnSync('npm', ['config', 'get', 'omit-lockfile-registry-resolved', 'save-exact', 'lockfile-version'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(got.stdout.trim().split('\n')).toEqual(['omit-lockfile-registry-resolved=true', 'save-exact=true', 'lockfile-version=3']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 30_000);

it('npm ci accepts package.json and the lockfile together (dry run, offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npm-ci-'));
  try {
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(ROOT, f), join(dir, f));
    const r = spawnSync('npm', ['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', join(dir, '.cache')], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
