// `video-api-sandbox contract` end to end, as a user runs it: exit 0 when every check passed, 1
// when one failed, 2 for a usage error said in one line; JUnit and JSON reports written.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as parseYaml, dump } from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), 'contract-cli-'));
beforeAll(async () => {
  sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
});
afterAll(() => sb.close());

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'contract', ...args], { cwd: ROOT, env: { ...process.env, CONTRACT_KEY: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('a passing run: exit 0, progress, summary, JUnit and JSON reports', async () => {
  const junit = join(dir, 'reports/contract.xml');
  const json = join(dir, 'reports/contract.json');
  const r = await cli(['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_pro_cli_pass1', '--report', `junit=${junit}`, '--report', `json=${json}`, '--seed', '7', '--operations', 'getAccount,listTemplates,createTemplate,getTemplate,replaceTemplate,deleteTemplate']);
  expect(r.stderr).toBe('');
  expect(r.code, r.stdout.slice(-2000)).toBe(0);
  expect(r.stdout).toMatch(/✓ getAccount/);
  expect(r.stdout).toMatch(/checks: \d+ run, \d+ passed, 0 failed/);
  expect(r.stdout).toMatch(/coverage: [\d.]+% — operations 6\/6/);
  const xml = readFileSync(junit, 'utf8');
  expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="contract phantomflow" tests="\d+" failures="0"/);
  expect(xml).toMatch(/<testcase classname="phantomflow.getTemplate" name="tenant_isolation">/);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  expect(doc.summary.exitCode).toBe(0);
  expect(doc.results.some((x: any) => x.check === 'resource_listed' && x.status === 'passed')).toBe(true);
}, 180_000);

it('a failing run: exit 1, each failure with its check, expected, got and a curl line that reproduces it', async () => {
  // A copy of the spec that documents a field the sandbox never sends: a drift the checker must report.
  const spec: any = parseYaml(readFileSync(join(ROOT, 'openapi/phantomflow.yaml'), 'utf8'));
  spec.components.schemas.Account.required.push('owner_email');
  const file = join(dir, 'drifted.yaml');
  writeFileSync(file, dump(spec));
  const junit = join(dir, 'failing.xml');
  const r = await cli(['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_pro_cli_fail1', '--spec', file, '--operations', 'getAccount', '--checks', 'response', '--report', `junit=${junit}`]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/response_schema_conformance — getAccount/);
  expect(r.stdout).toMatch(/expected: a body matching the 200 schema/);
  expect(r.stdout).toMatch(/got: +\(root\) must have required property 'owner_email'/);
  const curl = /reproduce: (curl .+)/.exec(r.stdout)?.[1];
  expect(curl).toContain(`'${sb.url}/api/account' -H 'x-api-key: ve_test_pro_cli_fail1'`);
  expect(readFileSync(junit, 'utf8')).toMatch(/<testcase classname="phantomflow.getAccount" name="response_schema_conformance">\n {6}<failure message="expected a body matching the 200 schema/);
}, 180_000);

it('--min-coverage above what a run reaches fails it', async () => {
  const r = await cli(['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_pro_cli_cov1', '--operations', 'getAccount', '--checks', 'response', '--min-coverage', '90']);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/0 failed/);
  expect(r.stdout).toMatch(/\(minimum 90%\)/);
}, 180_000);

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

it('usage errors: exit 2 with one clear line, never a stack trace', async () => {
  const port = await closedPort();
  const cases: [string[], RegExp][] = [
    [['--api', 'phantomflow', '--base-url', sb.url, '--key', 'k', '--frobnicate'], /^contract: Unknown option '--frobnicate'/],
    [['--api', 'phantomflow', '--base-url', sb.url], /^contract: --key is required/],
    [['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_x12345678', '--spec', '/nonexistent/spec.yaml'], /^contract: cannot read spec \/nonexistent\/spec.yaml/],
    [['--api', 'phantomflow', '--base-url', `http://127.0.0.1:${port}`, '--key', 've_test_x12345678'], /^contract: cannot reach http:\/\/127.0.0.1:\d+: /],
    [['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_live_abcdefgh'], /^contract: refusing a live key/],
    [['--api', 'nosuchapi', '--base-url', sb.url, '--key', 'k'], /^contract: unknown API nosuchapi/],
    [['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_x12345678', '--checks', 'no_such_check'], /^contract: unknown check no_such_check/],
    [['--api', 'phantomflow', '--base-url', sb.url, '--key', 've_test_x12345678', '--include', 'everything'], /^contract: unknown cost class everything/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
}, 180_000);
