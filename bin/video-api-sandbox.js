#!/usr/bin/env node
// The package's command (and `npm start`): the bundled CLI, in this process. The bundle is
// rebuilt first only when a source under src/ is newer than it (bin/build.js), so a current
// bundle starts at once; without a bundle or esbuild, the TypeScript sources run through tsx.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, ensureBuilt, ROOT } from './build.js';

if (await ensureBuilt()) {
  // What --enable-source-maps does, for the bundle about to load: stack traces name src/ files.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(BUNDLE).href);
} else {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
