// The contract suite as vitest cases: one test per check × operation, run against
// CONTRACT_BASE_URL with CONTRACT_KEY (CONTRACT_API picks the API, default phantomflow), or
// against a local sandbox when CONTRACT_BASE_URL is unset.
//   CONTRACT_BASE_URL=https://staging.example CONTRACT_KEY=ve_test_… npx vitest run contract-tests
// A failing case's message carries expected, got and a curl line that reproduces it.
import { afterAll, describe, it } from 'vitest';
import { groupResults, runContract } from '../src/contract/index.ts';
import { contractTarget } from './target.ts';

const target = await contractTarget();
afterAll(() => target.close());
const run = await runContract(target.options);

describe(`contract: ${target.options.api} at ${target.options.baseUrl}`, () => {
  for (const group of groupResults(run.events)) {
    const name = `${group.check} · ${group.operationId}`;
    if (group.status === 'skipped') {
      it.skip(`${name} (${group.events[0]?.reason ?? 'skipped'})`, () => undefined);
      continue;
    }
    it(name, () => {
      const bad = group.events.filter((e) => e.status === 'failed');
      if (!bad.length) return;
      throw new Error(bad.slice(0, 3).map((e) => `${e.case ?? ''}\n  expected: ${e.expected}\n  got:      ${e.got}\n  reproduce: ${e.curl ?? ''}`).join('\n'));
    });
  }
  it(`coverage ${run.summary.coverage.percent}%${run.summary.minCoverage !== undefined ? ` ≥ ${run.summary.minCoverage}%` : ''}`, () => {
    if (run.summary.minCoverage !== undefined && run.summary.coverage.percent < run.summary.minCoverage) throw new Error(`coverage ${run.summary.coverage.percent}% is below ${run.summary.minCoverage}%`);
  });
});
