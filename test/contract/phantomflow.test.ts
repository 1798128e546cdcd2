// The contract suite against the sandbox's PhantomFlow, default and destructive: zero failures.
// A failure here is a sandbox bug or a checker bug, to be fixed at its root.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { describeFailures, runSuite } from '../support/contract.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
});
afterAll(() => sb.close());

const passedOf = (events: any[], check: string) => events.filter((e) => e.type === 'check' && e.check === check && e.status === 'passed').length;

it('default run: every check passes, every family ran', async () => {
  const o = await runSuite({ api: 'phantomflow', baseUrl: sb.url, key: 've_test_pro_contract_pf1', webhookHost: '127.0.0.1', seed: 7 });
  expect(o.failures, describeFailures(o)).toEqual([]);
  expect(o.result.exitCode).toBe(0);
  const ev = o.result.events;
  for (const check of ['response_schema_conformance', 'rate_limit_headers', 'error_code_catalogue', 'negative_data_rejection', 'validation_error_location', 'auth_enforced', 'malformed_json_rejected', 'allow_header', 'unknown_id_not_found', 'resource_readable', 'resource_listed', 'update_applied', 'delete_then_not_found', 'tenant_isolation', 'job_reaches_terminal_state', 'output_is_mp4', 'thumbnail_is_image', 'credits_move_as_documented', 'ledger_records_movements', 'webhook_delivered', 'injected_error_as_documented']) {
    expect(passedOf(ev, check), check).toBeGreaterThan(0);
  }
  expect(passedOf(ev, 'negative_data_rejection')).toBeGreaterThan(50);
  // Destructive checks are opt-in.
  expect(passedOf(ev, 'rate_limit_enforced')).toBe(0);
  expect(o.result.summary.coverage.operations.covered).toBe(o.result.summary.coverage.operations.total);
}, 180_000);

it('destructive run: the rate limit, the concurrency cap and insufficient credits really trigger', async () => {
  const o = await runSuite({ api: 'phantomflow', baseUrl: sb.url, key: 've_test_free_contract_pf2', destructive: true, seed: 3 });
  expect(o.failures, describeFailures(o)).toEqual([]);
  for (const check of ['rate_limit_enforced', 'rate_limit_resets', 'concurrency_limit_enforced', 'insufficient_credits', 'retry_after_on_429']) {
    expect(passedOf(o.result.events, check), check).toBeGreaterThan(0);
  }
  // The account is left as it was found (limits and balance restored).
  const account = await (await fetch(`${sb.url}/__sandbox/accounts/ve_test_free_contract_pf2`)).json();
  expect(account.overrides).toEqual({});
  expect(account.limits).toEqual({ requestsPerMinute: 10, concurrentJobs: 2 });
}, 180_000);
