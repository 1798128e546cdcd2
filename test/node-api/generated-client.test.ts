// openapi/sandbox-admin.yaml is complete enough for a generated client: openapi-typescript makes
// types of the document a live sandbox serves, tsc (strict) checks generated-client.program.ts
// against them — including calls the types must refuse — and the program drives the sandbox
// through openapi-fetch: health, faults, clock, accounts, requests, jobs, webhooks, reset.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), 'generated-client-'));
beforeAll(async () => {
  sb = await startSandbox({ only: ['phantomflow'] });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

it('a client generated from the served document type-checks and works against the sandbox', async () => {
  // What a client team starts from: the document as this sandbox serves it.
  const doc = await (await fetch(`${sb.url}/__sandbox/specs/sandbox-admin`)).json();
  writeFileSync(join(dir, 'sandbox-admin.json'), JSON.stringify(doc));
  const gen = spawnSync(bin('openapi-typescript'), [join(dir, 'sandbox-admin.json'), '--default-non-nullable=false', '-o', join(dir, 'admin-api.ts')], { encoding: 'utf8' });
  expect(gen.status, gen.stderr).toBe(0);
  copyFileSync(join(ROOT, 'test/node-api/generated-client.program.ts'), join(dir, 'client.ts'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true, noEmit: true, allowImportingTsExtensions: true, types: ['node'],
      },
      files: ['client.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const tsc = spawnSync(bin('tsc'), ['-p', dir], { encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

  const key = `ve_test_genclient_${process.pid}`;
  // Asynchronously: the sandbox answers from this very process.
  const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(dir, 'client.ts'), sb.url, key], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const seen = JSON.parse(run.stdout.trim().split('\n').pop()!);
  expect(seen.health).toEqual({ status: 'ok', apis: [['phantomflow', sb.url]], mode: 'real', seed: 42 });
  expect(seen.faults).toEqual({ id: expect.stringMatching(/^fault_\d+$/), vendor: [500, 200], fired: [1, 0, true], refused: [400, 'VALIDATION_ERROR', 'action.status'], listed: [seen.faults.id], deleted: 204 });
  expect(seen.clock).toEqual({ frozen: 'manual', advancedMs: 61_000, moved: 61_000, now: true, pending: 'number' });
  expect(seen.accounts).toEqual({ balance: [7, 7, 7, true], limits: { requestsPerMinute: 3, concurrentJobs: null }, lastEntry: 'adjust', ledgerSummary: true, missing: [404, 'NOT_FOUND'] });
  expect(seen.requests).toEqual({ data: [['getAccount', 500, 'INTERNAL_ERROR', 1]], capacity: 1000 });
  expect(seen.views).toEqual({ jobs: 0, webhooks: [], reset: { scope: 'account', apis: ['phantomflow'], key, faultsRemoved: 0 } });
}, 120_000);
