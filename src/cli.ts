// video-api-sandbox command line: `serve` (default), `lint`, `contract`.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_SPEC, createSandbox, defaultSpecFiles } from './sandbox.ts';
import { ROOT } from './paths.ts';
import type { ClockMode } from './core/clock.ts';
import { isLoopbackHost } from './core/net.ts';

const usage = `Usage:
  video-api-sandbox serve [--port 4010] [--host 127.0.0.1] [--api phantomflow] [--spec file.yaml]
                          [--clock real|scaled|manual] [--clock-scale 10] [--accounts fixtures/accounts.json]
                          [--seed 42] [--admin-token TOKEN] [--fidelity light|full] [--allow-host cdn.example.com]
                          [--timing fast|realistic] [--ready-file PATH]
      prints "READY <url>" once listening (--port 0 picks a free port; --ready-file also writes the URL
      to PATH); SIGTERM or SIGINT stops it (exit code 0)
  video-api-sandbox lint [spec.yaml…]      lint the OpenAPI documents (Spectral) and load-check them
  video-api-sandbox check [spec.yaml…]     load and check the documents, and prepare what a start reuses
  video-api-sandbox contract --api NAME --base-url URL --key KEY …   check an implementation against the spec (contract --help)
The control API (/__sandbox) is always served; on a non-loopback --host it needs --admin-token.
Environment: PORT, HOST, SANDBOX_SEED, SANDBOX_ADMIN_TOKEN`;

function fidelityOf(text: string | undefined): 'light' | 'full' | undefined {
  if (text === undefined || text === 'light' || text === 'full') return text;
  throw new Error(`invalid --fidelity ${text}: use light or full`);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      api: { type: 'string', multiple: true },
      spec: { type: 'string', multiple: true },
      clock: { type: 'string' },
      'clock-scale': { type: 'string' },
      accounts: { type: 'string' },
      seed: { type: 'string' },
      'admin-token': { type: 'string' },
      fidelity: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      'ready-file': { type: 'string' },
      timing: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 4010);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${values.port ?? process.env.PORT}`);
  const seedText = values.seed ?? process.env.SANDBOX_SEED;
  const seed = seedText === undefined || seedText === '' ? undefined : /^\d+$/.test(seedText) ? Number(seedText) : seedText;
  const adminToken = values['admin-token'] ?? (process.env.SANDBOX_ADMIN_TOKEN || undefined);
  if (!isLoopbackHost(host) && !adminToken) {
    throw new Error(
      `refusing to listen on ${host}: the control API (/__sandbox) would be reachable from other machines without a token. ` +
        'Pass --admin-token TOKEN (or set SANDBOX_ADMIN_TOKEN), or bind to 127.0.0.1.',
    );
  }
  const sandbox = createSandbox({
    specs: values.spec,
    only: values.api,
    accountsFile: values.accounts,
    clock: { mode: (values.clock as ClockMode) ?? 'real', scale: values['clock-scale'] ? Number(values['clock-scale']) : undefined },
    seed,
    adminToken,
    media: { fidelity: fidelityOf(values.fidelity) },
    outbound: { allowHosts: values['allow-host'] },
    timing: values.timing,
  });
  const { url } = await sandbox.listen(port, host);
  const lines = [`video-api-sandbox listening on ${url}`];
  const vendors = sandbox.apis;
  for (const api of vendors) {
    const { policy, doc } = api.spec;
    lines.push(`  ${policy.id.padEnd(12)} ${doc.info?.title ?? ''} ${doc.info?.version ?? ''} — ${api.spec.operations.length} operations under ${policy.routePrefix}`);
  }
  if (sandbox.control) {
    // The guard's rule: a configured token is required everywhere, loopback included (and off
    // loopback one is always configured: see above).
    lines.push(`  control API  ${url}${sandbox.control.prefix} (${adminToken ? 'admin token required' : 'loopback: no token needed'}; seed ${seed ?? 42})`);
    lines.push(`  inspector    ${url}${sandbox.control.prefix}/ui/  (watch and steer the sandbox in a browser)`);
  }
  const first = vendors[0]!;
  const probe = first.spec.operations.find((o) => o.method === 'get' && !o.path.includes('{') && o.scopes !== null) ?? first.spec.operations[0]!;
  const sampleKey = `${first.spec.policy.auth.testKeyPattern.source.replace(/^\^/, '').split(/[[(]/)[0]}demo_key_123`;
  lines.push('Try:', `  curl -s -H '${first.spec.policy.auth.header}: ${sampleKey}' ${url}${probe.servedPath}`);
  console.log(lines.join('\n'));
  const readyFile = values['ready-file'];
  // Handlers first: a script may send SIGTERM the moment it reads READY.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1); // a second signal: stop waiting
    stopping = true;
    setTimeout(() => {
      console.error('video-api-sandbox: shutdown took longer than 5 s; exiting anyway');
      process.exit(1);
    }, 5000).unref();
    void sandbox.close().then(
      () => {
        if (readyFile) rmSync(readyFile, { force: true });
        process.exit(0);
      },
      (err: unknown) => {
        console.error('video-api-sandbox: shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (readyFile) writeReadyFile(readyFile, url);
  // The line scripts wait for (after the banner, so it is the last thing printed before traffic).
  console.log(`READY ${url}`);
}

/** Written whole (temporary file, then rename), so a script polling for it never reads half a URL. */
function writeReadyFile(file: string, url: string): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${url}\n`);
  renameSync(partial, file);
}

function lint(argv: string[]): number {
  const files = argv.length ? argv : [...defaultSpecFiles(), CONTROL_SPEC];
  const spectral = join(ROOT, 'node_modules', '.bin', 'spectral');
  const r = spawnSync(spectral, ['lint', '--ruleset', join(ROOT, '.spectral.yaml'), '--fail-severity', 'error', ...files], { stdio: 'inherit' });
  return r.status ?? 1;
}

/**
 * Load every spec as serve does, compile its validators and answer its mocked operations once: a
 * bad spec is reported, and what a start can reuse (parsed specs, passed checks, mock answers) is
 * kept for the next one. The build runs it, so even the first start after `npm install` is fast.
 */
async function check(argv: string[]): Promise<void> {
  const sandbox = createSandbox({ specs: argv.length ? argv : undefined, warmMocks: false });
  try {
    await sandbox.warm();
  } finally {
    await sandbox.close();
  }
  console.log(`ok: ${[...sandbox.apis.map((a) => a.spec.policy.id), ...(sandbox.control ? [sandbox.control.spec.policy.id] : [])].join(', ')}`);
}

async function main(): Promise<void> {
  const [command = 'serve', ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'lint':
      process.exitCode = lint(rest);
      return;
    case 'check':
      return check(rest);
    case 'contract':
      process.exitCode = await (await import('./contract/cli.ts')).contractCommand(rest);
      return;
    case '-h':
    case '--help':
    case 'help':
      console.log(usage);
      return;
    default:
      if (command.startsWith('-')) return serve([command, ...rest]);
      console.error(`unknown command ${command}\n${usage}`);
      process.exitCode = 2;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
