// The package as a user gets it: `npm pack`, then `npm install <tarball>` into a fresh project
// from the npm registry only (skipped, saying why, when the registry is unreachable). There: the
// install holds no dev tooling (its size is measured and printed), startSandbox() is imported by
// the package's name in a real vitest run (with the vitest globalSetup) and a real jest run
// (CommonJS), the CLI serves through npx (with the inspector's page) and stops by PID, the
// contract command checks that served sandbox, and a .ts file using the API type-checks with
// tsc --noEmit.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

const JEST = 'jest@30.5.2';
/** Development tools that must not come with the package. */
const DEV_TOOLS = ['typescript', 'tsx', 'esbuild', 'vitest', 'vite', 'rollup', '@stoplight/spectral-cli', '@stoplight/prism-cli', 'openapi-typescript', 'openapi-fetch', 'playwright-core', 'autocannon', 'supertest', '@types/express', '@types/js-yaml', '@types/supertest'];

const work = mkdtempSync(join(tmpdir(), 'vas-pack-'));
const project = join(work, 'project');
const jestTools = join(work, 'jest-tools');
let skipped: string | undefined;
let tarball = '';
afterAll(async () => {
  await run('rm', ['-rf', work], tmpdir());
}, 300_000);

// The nested tools must not believe they run inside this vitest worker.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|NODE_OPTIONS$|TEST$|npm_)/.test(k)));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], cwd: string, timeout = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 32 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}
const show = (r: Ran) => `exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`;
const kib = async (path: string) => Number((await run('du', ['-sk', path], work)).stdout.split(/\s/)[0]);
const bin = join(project, 'node_modules/.bin/video-api-sandbox');

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

/** Start `serve` (through npx or the bin), resolve with the URL of its READY line. */
function serve(cmd: string, args: string[], detached = false) {
  const child = spawn(cmd, args, { cwd: project, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^READY (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d) => (err += d));
    void exited.then(([code]) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, ready, exited, output: () => out + err };
}

beforeAll(async () => {
  const ping = await run('npm', ['ping'], work, 30_000);
  if (ping.code !== 0) {
    skipped = `the npm registry is unreachable (npm ping: ${(ping.stderr || ping.stdout).trim().split('\n').pop()})`;
    console.warn(`test/package/pack.test.ts skipped: ${skipped}`);
    return;
  }
  // npm pack builds dist/ (prepare: bundles and declarations) and lists what it packed.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], ROOT, 600_000);
  expect(packed.code, show(packed)).toBe(0);
  tarball = join(work, JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0].filename);
  mkdirSync(project);
  mkdirSync(jestTools);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(jestTools, 'package.json'), JSON.stringify({ name: 'jest-tools', private: true }));
  // jest goes in a directory of its own, so the project holds only the package and its dependencies.
  const [install, jest] = await Promise.all([
    run('npm', ['install', tarball, '--no-audit', '--no-fund'], project, 900_000),
    run('npm', ['install', JEST, '--no-audit', '--no-fund'], jestTools, 900_000),
  ]);
  expect(install.code, show(install)).toBe(0);
  expect(jest.code, show(jest)).toBe(0);
}, 1_800_000);

const INSPECTOR_FILES = ['src/control/ui/index.html', 'src/control/ui/app.js', 'src/control/ui/style.css'];

it('packs the bundle, declarations, specs, fixtures and the inspector’s page, and no source tree', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  const files = (await run('tar', ['-tzf', tarball], work)).stdout.split('\n').filter(Boolean);
  for (const f of ['dist/cli.js', 'dist/index.js', 'dist/index.cjs', 'dist/testing.js', 'dist/types/index.d.ts', 'dist/types/testing/index.d.ts', 'bin/video-api-sandbox.js', 'openapi/sandbox-admin.yaml', 'openapi/phantomflow.yaml', 'openapi/sketchpen.yaml', 'fixtures/accounts.json', ...INSPECTOR_FILES, 'README.md', 'LICENSE', 'package.json']) {
    expect(files, f).toContain(`package/${f}`);
  }
  // Of src/, only the inspector's three static files (served as they are).
  const stray = files.filter((f) => /^package\/(src|test|bench|node_modules|docs|contract-tests)\//.test(f) || f.endsWith('.npmrc'));
  expect(stray.filter((f) => !INSPECTOR_FILES.includes(f.slice('package/'.length)))).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules/video-api-sandbox/package.json'), 'utf8'));
  expect(pkg.private).toBeUndefined();
}, 600_000);

it('installs with production dependencies only (no dev tooling); size measured', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  const modules = join(project, 'node_modules');
  expect(DEV_TOOLS.filter((t) => existsSync(join(modules, t)))).toEqual([]);
  // No TypeScript source: of src/ only the inspector's static files come along.
  const shipped = (await run('find', ['.', '-type', 'f', '-not', '-path', './node_modules/*'], join(modules, 'video-api-sandbox'))).stdout.split('\n').filter(Boolean);
  expect(shipped.filter((f) => f.startsWith('./src/')).sort()).toEqual(INSPECTOR_FILES.map((f) => `./${f}`).sort());
  expect(shipped.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  const total = await kib(modules);
  const own = await kib(join(modules, 'video-api-sandbox'));
  const binaries = (await kib(join(modules, '@ffmpeg-installer'))) + (await kib(join(modules, '@ffprobe-installer')));
  const packages = (await run('npm', ['ls', '--all', '--parseable', '--omit=dev'], project)).stdout.split('\n').filter(Boolean).length - 1;
  const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;
  console.log(`install size: node_modules ${mb(total)} (${packages} packages); the package ${mb(own)}; FFmpeg + ffprobe binaries ${mb(binaries)}; the rest ${mb(total - own - binaries)}`);
  expect(own).toBeLessThan(10 * 1024);
  expect(total).toBeGreaterThan(own + binaries);
}, 600_000);

it('startSandbox() and the vitest globalSetup work in a real vitest run, imported by the package name', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  // This repository's vitest, linked in after the size was measured (it is the user's tool, not ours).
  const link = join(project, 'node_modules/vitest');
  if (!existsSync(link)) symlinkSync(join(ROOT, 'node_modules/vitest'), link);
  mkdirSync(join(project, 'vitest'), { recursive: true });
  writeFileSync(join(project, 'vitest.config.mjs'), "export default { test: { include: ['vitest/**/*.test.ts'], globalSetup: ['./vitest/sandbox.global.mjs'] } };\n");
  writeFileSync(join(project, 'vitest/sandbox.global.mjs'), "import { vitestGlobalSetup } from 'video-api-sandbox/testing';\nexport default vitestGlobalSetup({ apis: ['phantomflow'], clock: 'manual' });\n");
  writeFileSync(
    join(project, 'vitest/client.test.ts'),
    `import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { connectSandbox, SandboxControlError, startSandbox, type RunningSandbox } from 'video-api-sandbox';

let sb: RunningSandbox<'phantomflow'>;
beforeAll(async () => { sb = await startSandbox({ apis: ['phantomflow'], clock: 'manual', seed: 7 }); });
afterEach(() => { sb.reset(); });
afterAll(() => sb.close());

it('in process: a fault sequence, the clock, the ledger, typed errors', async () => {
  await sb.faults.use({ match: { operationId: 'getAccount' }, action: { error: 'INTERNAL_ERROR' }, times: 2 });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(sb.urls.phantomflow + '/api/account', { headers: { 'x-api-key': 've_test_pack_client_1' } })).status);
  expect(statuses).toEqual([500, 500, 200]);
  expect((await sb.clock.advance(61)).advancedMs).toBe(61000);
  expect((await sb.accounts.ledger('ve_test_pack_client_1')).balanced).toBe(true);
  await expect(sb.faults.get('fault_999')).rejects.toBeInstanceOf(SandboxControlError);
});

it('the globalSetup sandbox: provided, in the environment, reachable with connectSandbox()', async () => {
  const provided = inject('videoApiSandbox' as never) as { url: string; urls: Record<string, string> };
  expect(process.env.VIDEO_API_SANDBOX_URL).toBe(provided.url);
  expect(process.env.VIDEO_API_SANDBOX_PHANTOMFLOW_URL).toBe(provided.urls.phantomflow);
  const shared = await connectSandbox();
  expect(shared.urls).toEqual(provided.urls);
  expect((await shared.clock.get()).mode).toBe('manual');
});
`,
  );
  const r = await run(process.execPath, [join(link, 'vitest.mjs'), 'run'], project);
  expect(r.code, show(r)).toBe(0);
  expect(r.stdout).toMatch(/2 passed/);
}, 600_000);

it('works from jest (CommonJS require), as the README shows', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  mkdirSync(join(project, 'jest'), { recursive: true });
  writeFileSync(join(project, 'jest/package.json'), '{"type":"commonjs"}');
  writeFileSync(
    join(project, 'jest/client.test.js'),
    `const { startSandbox } = require('video-api-sandbox');
let sb;
beforeAll(async () => { sb = await startSandbox({ apis: ['phantomflow'], clock: 'manual' }); });
afterEach(() => sb.reset());
afterAll(() => sb.close());
test('a client survives two 500s', async () => {
  await sb.faults.use({ match: { operationId: 'getAccount' }, action: { error: 'INTERNAL_ERROR' }, times: 2 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(sb.urls.phantomflow + '/api/account', { headers: { 'x-api-key': 've_test_jest_client_1' } })).status);
  expect(statuses).toEqual([500, 500, 200]);
});
`,
  );
  const r = await run(process.execPath, [join(jestTools, 'node_modules/jest/bin/jest.js'), '--rootDir', join(project, 'jest'), '--ci'], project);
  expect(r.code, show(r)).toBe(0);
  expect(r.stderr).toMatch(/1 passed/);
}, 600_000);

/** Whether any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

it('npx video-api-sandbox serve --port 0 prints READY and answers; Ctrl+C stops it and everything it started', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  // detached: its own process group, which is what a terminal's Ctrl+C signals.
  const s = serve('npx', ['--no-install', 'video-api-sandbox', 'serve', '--port', '0'], true);
  try {
    const url = await s.ready;
    const health = await (await fetch(`${url}/__sandbox/health`)).json();
    expect(health.apis.map((a: { id: string }) => a.id)).toEqual(['phantomflow', 'sketchpen']);
    const render = await fetch(`${url}/api/render/schema`, { headers: { 'x-api-key': 've_test_npx_probe_01' } });
    expect(render.status).toBe(200);
    // The inspector's page and its files, from the installed package.
    for (const [path, type] of [['', 'text/html'], ['app.js', 'text/javascript'], ['style.css', 'text/css']] as const) {
      const page = await fetch(`${url}/__sandbox/ui/${path}`);
      expect([page.status, page.headers.get('content-type')?.split(';')[0]], path).toEqual([200, type]);
      // The page names its assets with their content hash (?v=…); otherwise every file is as shipped.
      const body = (await page.text()).replace(/(app\.js|style\.css)\?v=[\w-]+/g, '$1');
      expect(body, path).toBe(readFileSync(join(ROOT, 'src/control/ui', path || 'index.html'), 'utf8'));
    }
    process.kill(-s.child.pid!, 'SIGINT');
    // npm exec itself dies of the SIGINT; what matters is that the server stopped and freed its port.
    await s.exited;
    for (let i = 0; i < 40 && groupAlive(s.child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
    expect(groupAlive(s.child.pid!)).toBe(false);
    expect(await refused(Number(new URL(url).port))).toBe(true);
  } finally {
    if (groupAlive(s.child.pid!)) process.kill(-s.child.pid!, 'SIGKILL');
  }
}, 600_000);

it('the installed bin started in the background with --ready-file stops by its PID with code 0', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  const readyFile = join(work, 'sandbox.url');
  const s = serve(bin, ['serve', '--port', '0', '--ready-file', readyFile, '--api', 'phantomflow']);
  try {
    const url = await s.ready;
    expect(readFileSync(readyFile, 'utf8').trim()).toBe(url);
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual([0, null]);
    expect(await refused(Number(new URL(url).port))).toBe(true);
    expect(existsSync(readyFile)).toBe(false);
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
}, 600_000);

it('npx video-api-sandbox contract checks a sandbox the installed bin serves: every check passes, JUnit report written', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  const help = await run(bin, ['--help'], project);
  expect(help.code, show(help)).toBe(0);
  expect(help.stdout).toMatch(/video-api-sandbox contract/);
  const s = serve(bin, ['serve', '--port', '0', '--api', 'phantomflow']);
  try {
    const url = await s.ready;
    const junit = join(work, 'contract.xml');
    const r = await run('npx', ['--no-install', 'video-api-sandbox', 'contract', '--api', 'phantomflow', '--base-url', url, '--key', 've_test_pack_contract_1', '--report', `junit=${junit}`, '--no-color'], project, 300_000);
    expect(r.code, show(r)).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    const cases = Number(/<testsuites[^>]*\btests="(\d+)"/.exec(xml)?.[1]);
    expect(cases).toBeGreaterThan(50);
    expect(/<testsuites[^>]*\bfailures="(\d+)"/.exec(xml)?.[1]).toBe('0');
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual([0, null]);
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
}, 600_000);

it('a .ts file using the API type-checks with tsc --noEmit (strict, NodeNext, no skipLibCheck)', async (ctx) => {
  if (skipped) return ctx.skip(skipped);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, noEmit: true, types: ['node'] }, files: ['use.ts'] }),
  );
  writeFileSync(
    join(project, 'use.ts'),
    `import { connectSandbox, SandboxControlError, startSandbox, type FaultRule, type Ledger, type SandboxEvent } from 'video-api-sandbox';
import { vitestGlobalSetup, type ProvidedSandbox } from 'video-api-sandbox/testing';

const sb = await startSandbox({ apis: ['phantomflow'], clock: 'manual', seed: 7 });
const base: string = sb.urls.phantomflow;
const rule: FaultRule = await sb.faults.use({ match: { operationId: 'submitRender' }, action: { error: 'INTERNAL_ERROR' }, times: 2 });
const advancedMs: number = (await sb.clock.advance(61)).advancedMs;
const ledger: Ledger = await sb.accounts.ledger('ve_test_demo_key_123');
const kinds: string[] = ledger.entries.map((e) => e.kind);
const scope: 'all' | 'api' | 'account' = sb.reset().scope;
try {
  await sb.faults.get('fault_99');
} catch (e) {
  if (e instanceof SandboxControlError) console.log(e.status, e.code, e.message, e.path);
}
const listed: number = (await sb.accounts.list({ limit: 5 })).total;
const token: string = (await sb.accounts.sessionToken('sk_test_demo_key_123', { ttlSeconds: 60 })).token;
const detail = await sb.requests.get(1);
const sent: string | undefined = detail.exchange?.url;
const events = await sb.events.stream({ types: ['job'] });
const moved = await events.next((e): e is Extract<SandboxEvent, { type: 'job' }> => e.type === 'job' && e.data.to === 'completed', { timeoutMs: 1000 });
const to: string = moved.data.to;
events.close();
// @ts-expect-error not an event type
await sb.events.stream({ types: ['jobs'] });
const remote = await connectSandbox(sb.url);
const remoteReset: Promise<{ faultsRemoved: number }> = remote.reset();
await sb.close();
export const setup = vitestGlobalSetup({ apis: ['phantomflow'] });
export const provided: ProvidedSandbox = { url: base, urls: {} };
// @ts-expect-error not a clock mode
await sb.clock.set('fast');
// @ts-expect-error a fault rule needs an action
await sb.faults.use({ match: {} });
// @ts-expect-error only the APIs asked for have a URL
sb.urls.sketchpen.toString();
console.log(rule.id, advancedMs, kinds, scope, remoteReset, listed, token, sent, to);
`,
  );
  const r = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], project);
  expect(r.code, show(r)).toBe(0);
}, 600_000);
