// `video-api-sandbox contract …`: parse the flags, run the checks with the console reporter (and
// any --report files), exit 0 (all passed), 1 (a check failed, or coverage below --min-coverage)
// or 2 (a usage error, said in one line).
import { parseArgs } from 'node:util';
import type { Listener } from './events.ts';
import { parseCostClasses, UsageError, type ContractOptions } from './options.ts';
import { consoleReporter } from './reporters/console.ts';
import { jsonReporter, ndjsonReporter } from './reporters/json.ts';
import { junitReporter } from './reporters/junit.ts';
import { runContract } from './runner.ts';
import { describeChecks } from './checks/index.ts';

export const contractUsage = `Usage:
  video-api-sandbox contract --api <id> --base-url <url> --key <key>      (id: x-sandbox.id of a spec in openapi/)
      [--second-key KEY] [--spec FILE] [--report junit=FILE] [--report json=FILE] [--report ndjson=FILE]
      [--seed N] [--checks a,b] [--exclude-checks a,b] [--operations opA,opB]
      [--include spend,destructive] [--destructive] [--max-requests N] [--max-rps N]
      [--timeout MS] [--job-timeout MS] [--min-coverage PERCENT] [--webhook-host 127.0.0.1]
      [--admin-token TOKEN] [--allow-live-key] [--no-color]
  video-api-sandbox contract --list-checks     every check: name, family, cost class, what it checks
Cost classes: read and write run by default (write deletes what it creates); spend (renders,
credits) runs by default only against a sandbox; destructive (rate limits, caps, a 402) needs
--destructive or --include destructive.
Exit codes: 0 every check passed, 1 a check failed (or coverage below --min-coverage), 2 usage error.`;

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${name} wants a number, got ${JSON.stringify(v)}`);
  return n;
}

export function parseContractArgs(argv: string[]): { options: ContractOptions; reports: { kind: string; file: string }[]; color: boolean; help: boolean; listChecks: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        api: { type: 'string' },
        'base-url': { type: 'string' },
        key: { type: 'string' },
        'second-key': { type: 'string' },
        spec: { type: 'string' },
        report: { type: 'string', multiple: true },
        seed: { type: 'string' },
        checks: { type: 'string' },
        'exclude-checks': { type: 'string' },
        operations: { type: 'string' },
        include: { type: 'string' },
        destructive: { type: 'boolean' },
        'max-requests': { type: 'string' },
        'max-rps': { type: 'string' },
        timeout: { type: 'string' },
        'job-timeout': { type: 'string' },
        'min-coverage': { type: 'string' },
        'webhook-host': { type: 'string' },
        'admin-token': { type: 'string' },
        'allow-live-key': { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'list-checks': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  const v = parsed.values;
  const reports = (v.report ?? []).map((r) => {
    const m = /^(junit|json|ndjson)=(.+)$/.exec(r);
    if (!m) throw new UsageError(`--report ${r}: use junit=FILE, json=FILE or ndjson=FILE`);
    return { kind: m[1]!, file: m[2]! };
  });
  const options: ContractOptions = {
    api: v.api ?? '',
    baseUrl: v['base-url'] ?? '',
    key: v.key ?? process.env.CONTRACT_KEY ?? '',
    secondKey: v['second-key'],
    spec: v.spec,
    seed: num('--seed', v.seed),
    checks: list(v.checks),
    excludeChecks: list(v['exclude-checks']),
    operations: list(v.operations),
    include: v.include ? parseCostClasses(v.include) : undefined,
    destructive: v.destructive,
    maxRequests: num('--max-requests', v['max-requests']),
    maxRps: num('--max-rps', v['max-rps']),
    timeoutMs: num('--timeout', v.timeout),
    jobTimeoutMs: num('--job-timeout', v['job-timeout']),
    minCoverage: num('--min-coverage', v['min-coverage']),
    webhookHost: v['webhook-host'],
    adminToken: v['admin-token'] ?? process.env.SANDBOX_ADMIN_TOKEN,
    allowLiveKey: v['allow-live-key'],
  };
  return { options, reports, color: !v['no-color'] && Boolean(process.stdout.isTTY), help: Boolean(v.help), listChecks: Boolean(v['list-checks']) };
}

/** Runs the command; resolves to the exit code. */
export async function contractCommand(argv: string[], write: (t: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  try {
    const { options, reports, color, help, listChecks } = parseContractArgs(argv);
    if (help) {
      write(`${contractUsage}\n`);
      return 0;
    }
    if (listChecks) {
      write(`${describeChecks()}\n`);
      return 0;
    }
    const listeners: Listener[] = [consoleReporter({ write, color })];
    for (const r of reports) listeners.push(r.kind === 'junit' ? junitReporter(r.file) : r.kind === 'json' ? jsonReporter(r.file) : ndjsonReporter(r.file));
    const result = await runContract(options, listeners);
    return result.exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`contract: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
