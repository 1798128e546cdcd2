// `npm start` runs the bundle without rebuilding it when it is current, and rebuilds it when a
// source under src/ is newer (bin/build.js), so `npm install` then `npm start` always serves
// the code as checked out.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

const BUILD = pathToFileURL(join(ROOT, 'bin/build.js')).href;
const tmp = mkdtempSync(join(tmpdir(), 'start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const staleOf = (root: string): boolean => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { stale } from ${JSON.stringify(BUILD)}; console.log(stale(${JSON.stringify(root)}))`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() === 'true';
};

it('the bundle is stale when missing or older than any file under src/, and current otherwise', () => {
  mkdirSync(join(tmp, 'src/deep'), { recursive: true });
  writeFileSync(join(tmp, 'src/deep/a.ts'), 'export {};');
  // An installed package ships src/control/ui but no sources: nothing to build from, never stale.
  expect(staleOf(tmp)).toBe(false);
  writeFileSync(join(tmp, 'src/cli.ts'), 'export {};');
  utimesSync(join(tmp, 'src/cli.ts'), Date.now() / 1000 - 200, Date.now() / 1000 - 200);
  expect(staleOf(tmp)).toBe(true); // no bundle yet
  mkdirSync(join(tmp, 'dist'));
  writeFileSync(join(tmp, 'dist/cli.js'), '');
  const t = Date.now() / 1000;
  utimesSync(join(tmp, 'src/deep/a.ts'), t - 100, t - 100);
  utimesSync(join(tmp, 'dist/cli.js'), t - 50, t - 50);
  expect(staleOf(tmp)).toBe(false);
  utimesSync(join(tmp, 'src/deep/a.ts'), t - 10, t - 10); // a source edited after the build
  expect(staleOf(tmp)).toBe(true);
});

it('starting with a current bundle leaves it untouched', () => {
  // Make it current first (a no-op when it already is), then start the command twice.
  const first = spawnSync(process.execPath, [join(ROOT, 'bin/video-api-sandbox.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(first.status, first.stderr).toBe(0);
  const built = statSync(join(ROOT, 'dist/cli.js')).mtimeMs;
  const again = spawnSync(process.execPath, [join(ROOT, 'bin/video-api-sandbox.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(again.status, again.stderr).toBe(0);
  expect(again.stdout).toMatch(/video-api-sandbox serve/);
  expect(statSync(join(ROOT, 'dist/cli.js')).mtimeMs).toBe(built);
});
