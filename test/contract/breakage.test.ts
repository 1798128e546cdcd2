// The checker catches breakage: a proxy in front of a real sandbox (test/support/breaking-proxy.ts)
// breaks one rule of the contract at a time, and the suite run through it must fail, naming the
// check that guards the rule. The proxy breaking nothing must pass first. One file, so the runs
// (each a whole suite with real renders) go one at a time beside the rest of the tests.
import { expect, it } from 'vitest';
import { BREAKAGES } from '../support/breaking-proxy.ts';
import { defineBreakageTests } from '../support/breakage-suite.ts';

defineBreakageTests(Object.keys(BREAKAGES), true);

it('the proxy knows a breakage for every family of checks', () => {
  const checks = new Set(Object.values(BREAKAGES).map((b) => b.check));
  for (const c of ['rate_limit_headers', 'status_code_documented', 'error_code_catalogue', 'auth_enforced', 'tenant_isolation', 'output_is_mp4', 'negative_data_rejection', 'pagination', 'list_filter_applied', 'credits_move_as_documented']) expect(checks).toContain(c);
});
