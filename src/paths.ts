// Where the project's own files are, whether this code runs from src/ (tsx, tests) or from the
// bundle in dist/ (npm start): both sit one level below the project root.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_DIR = join(ROOT, 'openapi');
export const FIXTURES_DIR = join(ROOT, 'fixtures');
