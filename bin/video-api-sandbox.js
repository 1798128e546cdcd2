#!/usr/bin/env node
// The package's command: the bundled CLI (built by `npm install` / `npm run build`), or the
// TypeScript source through tsx when no bundle has been built.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/cli.js');
const args = existsSync(bundle) ? ['--enable-source-maps', bundle] : ['--import', 'tsx', join(root, 'src/cli.ts')];
const r = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
