// The credit ledger stays bounded per account and still proves the balance: past its size the
// oldest entries fold into one `carried` entry, checked here directly and through the control API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/core/random.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';
import { AccountStore } from '../../src/tenancy/accounts.ts';
import { CreditLedger, DEFAULT_LEDGER_ENTRIES } from '../../src/tenancy/credits.ts';
import { call } from '../support/http.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';

const spec = loadSpec(`${SPEC_DIR}/phantomflow.yaml`);

describe('CreditLedger bound', () => {
  it('keeps at most maxEntries + 1 entries; every entry chains, and the entries sum to the balance', () => {
    const accounts = new AccountStore(spec.policy, [{ key: 've_test_ledger01', balance: 500 }]);
    const account = accounts.get('ve_test_ledger01')!;
    const ledger = new CreditLedger(Date.now, { maxEntries: 10 });
    const random = new SeededRandom(3);
    let posted = 0;
    for (let i = 0; i < 1000; i++) {
      const amount = Math.floor(random.next() * 21) - 10;
      if (amount < 0 && !ledger.reserve(account, -amount, `job-${i}`).ok) continue;
      if (amount >= 0) ledger.post(account, 'refund', amount, `job-${i}`);
      posted++;
      const entries = ledger.entries(account);
      expect(entries.length).toBeLessThanOrEqual(11);
      expect(ledger.sum(account)).toBe(account.balance);
    }
    const entries = ledger.entries(account);
    // The carried entry holds the sum of everything before it, which is the balance at that point.
    expect(entries[0]!.kind).toBe('carried');
    expect(entries[0]!.amount).toBe(entries[0]!.balance);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.balance).toBe(entries[i - 1]!.balance + entries[i]!.amount);
      expect(entries[i]!.seq).toBeGreaterThan(entries[i - 1]!.seq);
    }
    // Everything posted (and the opening grant) is either kept or counted as folded.
    expect(ledger.folded(account) + entries.length - 1).toBe(posted + 1);
  });

  it(`a small book is left alone (the default bound is ${DEFAULT_LEDGER_ENTRIES})`, () => {
    const accounts = new AccountStore(spec.policy, [{ key: 've_test_ledger02', balance: 50 }]);
    const account = accounts.get('ve_test_ledger02')!;
    const ledger = new CreditLedger();
    for (let i = 0; i < 5; i++) ledger.reserve(account, 1, `job-${i}`);
    expect(ledger.entries(account).map((e) => e.kind)).toEqual(['grant', 'reserve', 'reserve', 'reserve', 'reserve', 'reserve']);
    expect(ledger.folded(account)).toBe(0);
  });
});

describe('the control API ledger view of a long-lived account', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({ ledgerEntries: 20 });
  });
  afterAll(() => s.close());

  it('stays at its bound plus the carried entry, says how many were folded, and balances', async () => {
    const key = freshKey('ve_test_', 'pro');
    const changes = 76; // ends on an odd step: 1005
    for (let i = 0; i < changes; i++) {
      const r = await call(s.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 1000 + (i % 2 ? 5 : 9) } });
      expect(r.status).toBe(200);
    }
    const ledger = await call(s.url, 'GET', `/__sandbox/accounts/${key}/ledger`);
    expect(ledger.status).toBe(200);
    const { entries, folded, sum, balance, balanced } = ledger.body;
    expect(entries.length).toBeLessThanOrEqual(21);
    expect(folded).toBeGreaterThan(50);
    expect(entries[0].kind).toBe('carried');
    expect(folded + entries.length - 1).toBe(changes + 1);
    expect(sum).toBe(balance);
    expect(balance).toBe(1005);
    expect(balanced).toBe(true);
    const account = await call(s.url, 'GET', `/__sandbox/accounts/${key}`);
    expect(account.body.ledger).toEqual({ entries: entries.length, sum: 1005, balanced: true, folded });
  });

  it("Sketchpen's ledger is the same bounded ledger (its runtime composes the same piece)", async () => {
    const key = freshKey('sk_test_', 'pro');
    for (let i = 0; i < 45; i++) {
      const r = await call(s.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 200 + i } });
      expect(r.status).toBe(200);
    }
    const ledger = await call(s.url, 'GET', `/__sandbox/accounts/${key}/ledger`);
    expect(ledger.status).toBe(200);
    expect(ledger.body.api).toBe('sketchpen');
    expect(ledger.body.entries.length).toBeLessThanOrEqual(21);
    expect(ledger.body.entries[0].kind).toBe('carried');
    expect(ledger.body.folded + ledger.body.entries.length - 1).toBe(46);
    expect(ledger.body).toMatchObject({ balance: 244, sum: 244, balanced: true });
    // The API's own view shows the same balance.
    const account = await call(s.url, 'GET', '/api/v1/account', { headers: { 'x-api-key': key } });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ credits: 244, active_videos: 0 });
  });
});
