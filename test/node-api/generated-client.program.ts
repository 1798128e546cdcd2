// A client of the control API as any team would generate one: openapi-typescript over the
// document the sandbox serves (admin-api.ts, written next to this file by generated-client.test.ts)
// and openapi-fetch. Type-checked with tsc (strict) there, then run against a live sandbox; it
// prints what it saw as JSON. Excluded from the project's own tsc (admin-api.ts exists only there).
import createClient from 'openapi-fetch';
import type { paths } from './admin-api.ts';

const [baseUrl, key] = [process.argv[2]!, process.argv[3]!];
const client = createClient<paths>({ baseUrl });
const must = <T>(r: { data?: T; error?: unknown; response: Response }, what: string): T => {
  if (r.data === undefined) throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
};
const out: Record<string, unknown> = {};

// health: the served APIs and their base URLs
const health = must(await client.GET('/__sandbox/health'), 'health');
out.health = { status: health.status, apis: health.apis.map((a) => [a.id, a.baseUrl]), mode: health.clock.mode, seed: health.seed };

// faults: one 500 for the next getAccount, fired by a vendor request, read back, deleted
const rule = must(
  await client.POST('/__sandbox/faults', { body: { match: { operationId: 'getAccount', key }, action: { error: 'INTERNAL_ERROR' }, times: 1 } }),
  'createFault',
);
const vendor = [];
for (let i = 0; i < 2; i++) vendor.push((await fetch(`${health.apis[0]!.baseUrl}/api/account`, { headers: { 'x-api-key': key } })).status);
const fired = must(await client.GET('/__sandbox/faults/{id}', { params: { path: { id: rule.id } } }), 'getFault');
const refused = await client.POST('/__sandbox/faults', { body: { action: { status: 99 } } });
const kinds = must(await client.GET('/__sandbox/faults', { params: { query: { kind: 'request' } } }), 'listFaults');
const deleted = await client.DELETE('/__sandbox/faults/{id}', { params: { path: { id: rule.id } } });
out.faults = {
  id: rule.id,
  vendor,
  fired: [fired.fired, fired.remaining, fired.exhausted],
  refused: [refused.response.status, refused.error?.error.code, refused.error?.error.path],
  listed: kinds.data.map((r) => r.id),
  deleted: deleted.response.status,
};

// clock: freeze, advance, read
const frozen = must(await client.POST('/__sandbox/clock', { body: { mode: 'manual' } }), 'setClock');
const advanced = must(await client.POST('/__sandbox/clock/advance', { body: { seconds: 61 } }), 'advanceClock');
const clock = must(await client.GET('/__sandbox/clock'), 'getClock');
out.clock = { frozen: frozen.mode, advancedMs: advanced.advancedMs, moved: advanced.nowMs - frozen.nowMs, now: clock.nowMs === advanced.nowMs, pending: typeof clock.pendingTimers };

// accounts: a balance through the ledger, the limits overridden, read back
const patched = must(
  await client.PATCH('/__sandbox/accounts/{key}', { params: { path: { key } }, body: { balance: 7, limits: { requestsPerMinute: 3, concurrentJobs: null } } }),
  'updateAccount',
);
const account = must(await client.GET('/__sandbox/accounts/{key}', { params: { path: { key }, query: { api: 'phantomflow' } } }), 'getAccount');
const ledger = must(await client.GET('/__sandbox/accounts/{key}/ledger', { params: { path: { key } } }), 'getAccountLedger');
const missing = await client.GET('/__sandbox/accounts/{key}', { params: { path: { key: `${key}_never` } } });
out.accounts = {
  balance: [patched.balance, account.balance, ledger.sum, ledger.balanced],
  limits: account.limits,
  lastEntry: ledger.entries.at(-1)?.kind,
  ledgerSummary: account.ledger.balanced,
  missing: [missing.response.status, missing.error?.error.code],
};

// requests: the vendor calls above, newest first, filtered by key and status class
const requests = must(await client.GET('/__sandbox/requests', { params: { query: { key, status: '5xx', limit: 10 } } }), 'listRequests');
out.requests = { data: requests.data.map((r) => [r.operationId, r.status, r.errorCode, r.faults?.length ?? 0]), capacity: requests.capacity };

// jobs and webhooks: typed views; reset
const jobs = must(await client.GET('/__sandbox/jobs', { params: { query: { key } } }), 'listJobs');
const hooks = must(await client.GET('/__sandbox/webhooks', { params: { query: { key } } }), 'listWebhooks');
const reset = must(await client.POST('/__sandbox/reset', { body: { key } }), 'resetSandbox');
out.views = { jobs: jobs.data.length, webhooks: hooks.data.map((d) => d.attempts.length), reset };

// The generated types really constrain the calls (these lines must not type-check):
if (process.argv[4] === 'never') {
  // @ts-expect-error no such clock mode
  await client.POST('/__sandbox/clock', { body: { mode: 'fast' } });
  // @ts-expect-error no such path
  await client.GET('/__sandbox/nothing');
  // @ts-expect-error a fault rule needs an action
  await client.POST('/__sandbox/faults', { body: { match: {} } });
  // @ts-expect-error the path parameter is required
  await client.GET('/__sandbox/accounts/{key}', {});
}
console.log(JSON.stringify(out));
