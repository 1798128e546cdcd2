// The contract suite against the sandbox's Sketchpen, stateful since issue 12: its state, domain,
// limit and webhook checks pass. What still fails is listed one by one, each a limit of the
// checker's generated data rather than of Sketchpen: the test fails on any other failure, and on
// any listed one that starts passing (then delete it from the list).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { describeFailures, runSuite } from '../support/contract.ts';

/** check · operation: why it fails */
const KNOWN_FAILURES: Record<string, string> = {
  // The checker generates JSON bodies only; uploadAssetImage takes multipart/form-data (field
  // `file`), so it is sent no body and answered 400 BAD_REQUEST before the asset is looked up.
  // With a real file, an unknown asset is 404 and a good upload 200 (test/sketchpen/assets.test.ts).
  'positive_data_acceptance · uploadAssetImage': 'no multipart body generated: 400 BAD_REQUEST, as the spec says for a body that is not multipart',
  'unknown_id_not_found · uploadAssetImage': 'no multipart body generated: the 400 comes before the 404',
};

/** Only in the destructive run (its seed generates other bodies). */
const KNOWN_DESTRUCTIVE_FAILURES: Record<string, string> = {
  // createVideo's description: speaker_ids must be a subset of asset_ids (422) — a rule between two
  // fields that JSON Schema cannot state, so the generator breaks it.
  'positive_data_acceptance · createVideo': 'generated speaker_ids are not among asset_ids: 422, as createVideo documents',
};

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
});
afterAll(() => sb.close());

it('default run: only the known failures (limits of the generated data)', async () => {
  const o = await runSuite({ api: 'sketchpen', baseUrl: `${sb.url}/api/v1`, key: 'sk_test_pro_contract_sk1', webhookHost: '127.0.0.1', seed: 7 });
  const unexpected = o.failures.filter((f) => !(f in KNOWN_FAILURES));
  expect(unexpected, describeFailures({ ...o, result: { ...o.result, events: o.result.events.filter((e) => e.type !== 'check' || unexpected.includes(`${e.check} · ${e.operationId}`)) } })).toEqual([]);
  const nowPassing = Object.keys(KNOWN_FAILURES).filter((f) => !o.failures.includes(f));
  expect(nowPassing, 'these pass now: remove them from KNOWN_FAILURES').toEqual([]);
  expect(o.result.exitCode).toBe(1);
}, 180_000);

it('destructive run: the rate limit triggers in the plain form; only the known failures otherwise', async () => {
  const o = await runSuite({ api: 'sketchpen', baseUrl: `${sb.url}/api/v1`, key: 'sk_test_free_contract_sk2', destructive: true, seed: 3 });
  const known = { ...KNOWN_FAILURES, ...KNOWN_DESTRUCTIVE_FAILURES };
  const unexpected = o.failures.filter((f) => !(f in known));
  expect(unexpected, describeFailures(o)).toEqual([]);
  expect(Object.keys(known).filter((f) => !o.failures.includes(f)), 'these pass now: remove them from the known failures').toEqual([]);
  const passed = (c: string) => o.result.events.some((e) => e.type === 'check' && e.check === c && e.status === 'passed');
  expect(passed('rate_limit_enforced') && passed('rate_limit_resets')).toBe(true);
}, 180_000);
