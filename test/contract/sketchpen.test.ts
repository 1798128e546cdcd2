// The contract suite against the sandbox's Sketchpen. Sketchpen is still answered from the spec's
// examples (stateless; issue 12 makes it stateful), so its state and domain checks rightly fail.
// Those known failures are listed one by one: the test fails on any other failure, and on any
// listed one that starts passing (then delete it from the list). The list must end empty.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { describeFailures, runSuite } from '../support/contract.ts';

/** check · operation: why it fails today */
const KNOWN_FAILURES: Record<string, string> = {
  // Every id is answered with an example: nothing is ever "not found".
  'unknown_id_not_found · getVideo': 'stateless: any id returns the example video',
  'unknown_id_not_found · deleteVideo': 'stateless: any id deletes (204)',
  'unknown_id_not_found · approveVideo': 'stateless: any id is approved',
  'unknown_id_not_found · regenerateVideo': 'stateless: any id is regenerated',
  'unknown_id_not_found · updateScene': 'stateless: any scene is updated',
  'unknown_id_not_found · getAsset': 'stateless: any id returns the example asset',
  'unknown_id_not_found · updateAsset': 'stateless: any id is updated',
  'unknown_id_not_found · deleteAsset': 'stateless: any id deletes (204)',
  'unknown_id_not_found · uploadAssetImage': 'stateless: any id takes an image',
  'unknown_id_not_found · linkAssetToVideo': 'stateless: any video id links',
  'unknown_id_not_found · deleteCallback': 'stateless: any id deletes (204)',
  // Nothing is owned, so a second key sees and changes everything.
  'tenant_isolation · getVideo': "stateless: another key reads the video (and the owner's copy is the example)",
  'tenant_isolation · deleteVideo': 'stateless: another key deletes the video',
  'tenant_isolation · getAsset': 'stateless: another key reads the asset',
  'tenant_isolation · updateAsset': 'stateless: another key updates the asset',
  'tenant_isolation · deleteAsset': 'stateless: another key deletes the asset',
  'tenant_isolation · deleteCallback': 'stateless: another key deletes the callback',
  'tenant_isolation · listVideos': "stateless: another key's list is the example page, which holds the created (example) id",
  'tenant_isolation · listAssets': "stateless: another key's list is the example page, which holds the created (example) id",
  'tenant_isolation · listCallbacks': "stateless: another key's list is the example page, which holds the created (example) id",
  // Nothing is stored, changed or deleted.
  'update_applied · getAsset': 'stateless: a read after the update returns the example',
  'delete_then_not_found · getVideo': 'stateless: a deleted video is still read',
  'delete_then_not_found · deleteVideo': 'stateless: deleting twice is 204 twice',
  'delete_then_not_found · getAsset': 'stateless: a deleted asset is still read',
  'delete_then_not_found · deleteAsset': 'stateless: deleting twice is 204 twice',
  'delete_then_not_found · deleteCallback': 'stateless: deleting twice is 204 twice',
  // The example page is the answer whatever the limit.
  'pagination · listVideos': 'stateless: limit=1 answers the two-video example page',
  'pagination · listAssets': 'stateless: limit=1 answers the two-asset example page',
  'list_filter_applied · listVideos': 'stateless: ?status= answers the example page with every status',
  'list_filter_applied · listAssets': 'stateless: ?type= answers the example page with both types',
  // No lifecycle, no files, no webhooks: the example video's URLs point at the vendor's CDN.
  'output_is_mp4 · getVideo': "stateless: video_url is the example's CDN URL, not a file the sandbox serves",
  'thumbnail_is_image · getVideo': "stateless: thumbnail_url is the example's CDN URL",
  'webhook_delivered · createVideo': 'stateless: no video completes, so no video.completed delivery',
};

/** Only in the destructive run. */
const KNOWN_DESTRUCTIVE_FAILURES: Record<string, string> = {
  'concurrency_limit_enforced · createVideo': 'stateless: no video is in progress, so a 4th create is accepted',
  'insufficient_credits · createVideo': 'stateless: a create with 0 credits is accepted',
};

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
});
afterAll(() => sb.close());

it('default run: only the known failures of a stateless Sketchpen', async () => {
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
  delete (known as Record<string, string>)['webhook_delivered · createVideo']; // no --webhook-host in this run
  const unexpected = o.failures.filter((f) => !(f in known));
  expect(unexpected, describeFailures(o)).toEqual([]);
  expect(Object.keys(known).filter((f) => !o.failures.includes(f)), 'these pass now: remove them from the known failures').toEqual([]);
  const passed = (c: string) => o.result.events.some((e) => e.type === 'check' && e.check === c && e.status === 'passed');
  expect(passed('rate_limit_enforced') && passed('rate_limit_resets')).toBe(true);
}, 180_000);
