// What start-up can reuse from the last start, kept beside the project and keyed by content:
//  - a parsed spec as JSON: parsing the three documents as YAML costs about 150 ms of start-up
//    CPU, JSON.parse of the same about 2 ms. An entry is only used when the YAML text hashes the
//    same, so an edited spec is always parsed afresh; only documents that JSON represents exactly
//    (no YAML dates, binaries or non-finite numbers) are cached.
//  - passes of a schema check (the x-sandbox block against the policy schema): a check is a pure
//    function of the schema and the value, so a pair that passed before passes again, and the
//    schema need not be compiled (compiling the policy schema was a fifth of start-up's CPU).
//  - any JSON value under a key that names everything it depends on (the mocker's answers,
//    keyed by Prism's version and the document it answered from).
// Writes are atomic (temp file, rename) and best-effort: a read-only checkout simply does the
// work every time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when what is cached changes shape. */
const FORMAT = 1;

function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(jsonSafe);
  return false;
}

export class StartCache {
  constructor(private readonly dir: string) {}

  /** The document of `text`: from the cache when this exact text was parsed before, else `parse(text)` (and cached). */
  parse(text: string, parse: (text: string) => unknown): unknown {
    const hash = createHash('sha256').update(`${FORMAT}\n`).update(text).digest('hex');
    const file = join(this.dir, `${hash.slice(0, 32)}.json`);
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as { hash: string; doc: unknown };
      if (cached.hash === hash) return cached.doc;
    } catch {
      // not cached yet (or unreadable): parse below
    }
    const doc = parse(text);
    if (jsonSafe(doc)) this.write(file, JSON.stringify({ hash, doc }));
    return doc;
  }

  /** Whether `value` passed a check against `schema` before (and passes now: `check` runs when unknown). */
  passes(schema: object, value: unknown, check: () => boolean): boolean {
    const file = join(this.dir, `pass-${createHash('sha256').update(`${FORMAT}\n${JSON.stringify(schema)}\n${JSON.stringify(value)}`).digest('hex').slice(0, 32)}`);
    if (existsSync(file)) return true;
    const ok = check();
    if (ok) this.write(file, '');
    return ok;
  }

  /** A value saved under `key` by an earlier start (the key must hash everything the value depends on). */
  load(key: string): unknown {
    try {
      const saved = JSON.parse(readFileSync(this.fileOf(key), 'utf8')) as { key: string; value: unknown };
      return saved.key === key ? saved.value : undefined;
    } catch {
      return undefined;
    }
  }

  save(key: string, value: unknown): void {
    if (jsonSafe(value)) this.write(this.fileOf(key), JSON.stringify({ key, value }));
  }

  private fileOf(key: string): string {
    return join(this.dir, `value-${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  }

  private write(file: string, content: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, content);
      renameSync(tmp, file);
    } catch {
      // best effort
    }
  }
}
