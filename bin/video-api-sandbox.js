#!/usr/bin/env node
// The package's command (and `npm start`): the bundled CLI, in this very process, so signals reach
// the server directly and no dev tool is needed. In a source checkout the bundle is rebuilt first
// only when a source under src/ is newer than it (bin/build.js), so a current bundle starts at once;
// without a bundle or esbuild, src/cli.ts runs through tsx, with signals forwarded to it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, ensureBuilt, ROOT } from './build.js';

if (await ensureBuilt()) {
  // What --enable-source-maps does, for the bundle about to load: stack traces name src/ files.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(BUNDLE).href);
} else {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
