// PhantomFlow credit rules on the real ledger: estimate, reservation, settlement at the actual
// cost (never above the reservation), full refund; the ledger always sums to the balance.
import { describe, expect, it } from 'vitest';
import { RenderBilling } from '../../src/apis/phantomflow/billing.ts';
import { AccountStore } from '../../src/tenancy/accounts.ts';
import { CreditLedger } from '../../src/tenancy/credits.ts';
import { durationCost, durationPricingFrom } from '../../src/tenancy/pricing.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';
import { ApiError } from '../../src/core/errors.ts';

const spec = loadSpec(`${SPEC_DIR}/phantomflow.yaml`);
const pricing = durationPricingFrom(spec.policy.credits)!;

describe('pricing from x-sandbox.credits', () => {
  it('is ceil(seconds × 1), free of float noise', () => {
    expect(pricing).toEqual({ perSecond: 1, rounding: 'ceil' });
    expect(durationCost(pricing, 15.2)).toBe(16);
    expect(durationCost(pricing, 2.2 + 0.8)).toBe(3);
    expect(durationCost(pricing, 5)).toBe(5);
    expect(durationCost({ perSecond: 2, rounding: 'round' }, 1.2)).toBe(2);
  });
});

describe('RenderBilling', () => {
  const setup = () => {
    const accounts = new AccountStore(spec.policy, [{ key: 've_test_billing01', balance: 20 }]);
    const ledger = new CreditLedger();
    return { account: accounts.get('ve_test_billing01')!, ledger, billing: new RenderBilling(pricing, ledger, accounts) };
  };

  it('reserves, settles the difference back, refunds failures; the ledger sums to the balance', () => {
    const { account, ledger, billing } = setup();
    const estimate = billing.estimate({ scenes: [{ duration: 5 }, { duration: 3.5 }] });
    expect(estimate).toBe(9);
    billing.reserve(account, 'job-1', estimate);
    expect(account.balance).toBe(11);
    expect(billing.settle(account.key, 'job-1', estimate, 7.01)).toBe(8);
    expect(account.balance).toBe(12);
    billing.reserve(account, 'job-2', 4);
    billing.refund(account.key, 'job-2', 4);
    expect(account.balance).toBe(12);
    // a render a hair longer than the script is not charged above its reservation
    billing.reserve(account, 'job-3', 2);
    expect(billing.settle(account.key, 'job-3', 2, 2.04)).toBe(2);
    expect(account.balance).toBe(10);
    expect(ledger.entries(account).map((e) => [e.kind, e.amount, e.ref ?? null])).toEqual([
      ['grant', 20, null],
      ['reserve', -9, 'job-1'],
      ['settle', 1, 'job-1'],
      ['reserve', -4, 'job-2'],
      ['refund', 4, 'job-2'],
      ['reserve', -2, 'job-3'],
    ]);
    expect(ledger.sum(account)).toBe(account.balance);
  });

  it('a short balance is INSUFFICIENT_CREDITS with required and balance, and takes nothing', () => {
    const { account, ledger, billing } = setup();
    try {
      billing.reserve(account, 'job', 21);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('INSUFFICIENT_CREDITS');
      expect((err as ApiError).extra).toEqual({ required: 21, balance: 20 });
    }
    expect(account.balance).toBe(20);
    expect(ledger.sum(account)).toBe(20);
  });
});
