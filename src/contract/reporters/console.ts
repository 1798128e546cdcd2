// Console reporter: progress operation by operation while the run goes, then every failing
// check × operation with what was expected, what came back and a curl line that reproduces it,
// then the summary (checks, skips and why, coverage, what the sandbox's control API was used for).
import { groupResults, type ContractEvent, type Listener } from '../events.ts';

export interface ConsoleOptions {
  write?: (text: string) => void;
  /** failures shown per check × operation */
  examples?: number;
  color?: boolean;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s);

export function consoleReporter(o: ConsoleOptions = {}): Listener {
  const write = o.write ?? ((t: string) => process.stdout.write(t));
  const c = (code: string, s: string) => (o.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const events: ContractEvent[] = [];
  return (e) => {
    events.push(e);
    switch (e.type) {
      case 'run-started':
        write(`contract: ${e.title} (${e.api}) at ${e.baseUrl}\n  spec ${e.spec}, seed ${e.seed}, ${e.checks.length} checks, ${e.operations.length} operations, cost classes ${e.include.join(', ')}\n`);
        break;
      case 'notice':
        write(`  ${e.level === 'warn' ? c('33', 'note') : 'note'}: ${e.message}\n`);
        break;
      case 'phase-started':
        write(`${c('1', e.phase)} (${e.cost})\n`);
        break;
      case 'phase-skipped':
        if (!e.phase.includes(' ')) write(`${e.phase}: skipped — ${e.reason}\n`);
        break;
      case 'operation-finished': {
        const mark = e.failed ? c('31', '✗') : c('32', '✓');
        write(`  ${mark} ${e.operationId.padEnd(32)} ${e.passed + e.failed} checks${e.failed ? `, ${c('31', `${e.failed} failed`)}` : ''}\n`);
        break;
      }
      case 'run-finished': {
        const s = e.summary;
        const failures = groupResults(events).filter((r) => r.status === 'failed');
        if (failures.length) write(`\n${c('31', `FAILURES (${failures.length} check × operation)`)}\n`);
        for (const f of failures) {
          const bad = f.events.filter((x) => x.status === 'failed');
          write(`\n${c('1', `${f.check}`)} — ${f.operationId} (${bad.length} of ${f.events.length} failed)\n`);
          for (const x of bad.slice(0, o.examples ?? 2)) {
            write(`  case:     ${x.case ?? ''} [${x.phase}]\n  expected: ${clip(x.expected ?? '', 400)}\n  got:      ${clip(x.got ?? '', 400)}\n`);
            if (x.curl) write(`  reproduce: ${clip(x.curl, 1500)}\n`);
          }
        }
        const unconfirmed = groupResults(events).filter((r) => r.status === 'unconfirmed');
        if (unconfirmed.length) {
          write(`\nNOT CONFIRMED (the spec marks these as inferred): ${unconfirmed.map((u) => `${u.check} on ${u.operationId}`).join('; ')}\n`);
        }
        const cov = s.coverage;
        write(
          `\nchecks: ${s.checks.run} run, ${c('32', `${s.checks.passed} passed`)}, ${s.checks.failed ? c('31', `${s.checks.failed} failed`) : '0 failed'}, ${s.checks.skipped} skipped${s.checks.unconfirmed ? `, ${s.checks.unconfirmed} not confirmed` : ''}\n`,
        );
        for (const [why, n] of Object.entries(s.skippedWhy)) write(`  skipped: ${why}${n > 1 ? ` (${n})` : ''}\n`);
        write(
          `coverage: ${cov.percent}% — operations ${cov.operations.covered}/${cov.operations.total}, documented statuses ${cov.statuses.covered}/${cov.statuses.total}, catalogue codes ${cov.codes.covered}/${cov.codes.total}${s.minCoverage !== undefined ? ` (minimum ${s.minCoverage}%)` : ''}\n`,
        );
        if (s.sandboxUse.length) write(`sandbox control API used: ${s.sandboxUse.join('; ')}\n`);
        write(`${s.requests} requests in ${(s.durationMs / 1000).toFixed(1)} s — ${s.exitCode === 0 ? c('32', 'PASSED') : c('31', 'FAILED')}\n`);
        break;
      }
      default:
        break;
    }
  };
}
