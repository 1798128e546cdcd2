// Run the contract suite from a test and read its outcome: the failing check × operation pairs.
import { runContract, type RunResult } from '../../src/contract/index.ts';
import type { ContractOptions } from '../../src/contract/options.ts';

export interface ContractOutcome {
  result: RunResult;
  /** "check · operationId" of every failing group */
  failures: string[];
  /** check names that failed */
  failedChecks: Set<string>;
}

export async function runSuite(options: ContractOptions): Promise<ContractOutcome> {
  const result = await runContract(options);
  const failing = new Set<string>();
  const checks = new Set<string>();
  for (const e of result.events) {
    if (e.type === 'check' && e.status === 'failed') {
      failing.add(`${e.check} · ${e.operationId}`);
      checks.add(e.check);
    }
  }
  return { result, failures: [...failing].sort(), failedChecks: checks };
}

/** The first failure events, readable in an assertion message. */
export function describeFailures(o: ContractOutcome, n = 8): string {
  return o.result.events
    .filter((e) => e.type === 'check' && e.status === 'failed')
    .slice(0, n)
    .map((e) => (e.type === 'check' ? `${e.check} · ${e.operationId}: expected ${e.expected}; got ${e.got}\n  ${e.curl ?? ''}` : ''))
    .join('\n');
}
