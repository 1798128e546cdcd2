// The ESM bundles: the CLI `npm start` runs (dist/cli.js), the Node API (dist/index.js) and
// video-api-sandbox/testing (dist/testing.js), bundled by esbuild with shared chunks (dependencies
// stay external, source maps without sources). `node bin/build.js` builds them (part of npm run
// build, npm install's prepare); ensureBuilt() rebuilds only when a file under src/ is newer than
// the CLI bundle, so a start with a current bundle costs a few stat calls, not a build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist/cli.js');
const SRC = join(ROOT, 'src');

export async function build() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { cli: join(SRC, 'cli.ts'), index: join(SRC, 'index.ts'), testing: join(SRC, 'testing/index.ts') },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
    outdir: join(ROOT, 'dist'),
  });
}

/** The newest modification time of any file under `dir` (0 when there is none). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether the bundle is missing or older than a source (false when there are no sources to build from). */
export function stale(root = ROOT) {
  const src = join(root, 'src');
  const bundle = join(root, 'dist/cli.js');
  // An installed package ships no sources to build from (src/control/ui is only the inspector's files).
  if (!existsSync(join(src, 'cli.ts'))) return false;
  if (!existsSync(bundle)) return true;
  return newest(src) > statSync(bundle).mtimeMs;
}

/** Rebuild the bundle if a source is newer; true when a bundle is there to run. */
export async function ensureBuilt() {
  if (stale()) {
    try {
      await build();
    } catch (err) {
      // No esbuild (installed without dev dependencies): run what is there, or the sources.
      if (!existsSync(BUNDLE)) return false;
      console.error(`video-api-sandbox: could not rebuild dist/cli.js (${err.message}); running the existing bundle`);
    }
  }
  return existsSync(BUNDLE);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await build();
  // Parse and check the shipped specs once now, so that even the first start finds them cached.
  spawnSync(process.execPath, [BUNDLE, 'check'], { cwd: ROOT, stdio: 'ignore' });
}
