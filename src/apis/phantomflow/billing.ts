// PhantomFlow credits (x-sandbox.credits {perSecond, rounding}): the estimate — rounding of the
// script's total seconds — is reserved when a job is accepted; a completed job is settled at the
// cost of the video actually rendered (never more than the reservation) and the difference
// returned; a failed job is refunded in full. Every movement is a ledger entry.
import { ApiError } from '../../core/errors.ts';
import type { Account, AccountStore } from '../../tenancy/accounts.ts';
import type { CreditLedger } from '../../tenancy/credits.ts';
import { durationCost, type DurationPricing } from '../../tenancy/pricing.ts';
import { totalSeconds, type MovieScript } from './render/index.ts';

export class RenderBilling {
  constructor(
    private readonly pricing: DurationPricing,
    private readonly ledger: CreditLedger,
    private readonly accounts: AccountStore,
  ) {}

  estimate(script: Pick<MovieScript, 'scenes'>): number {
    return durationCost(this.pricing, totalSeconds(script));
  }

  /** Take the estimate, or throw 402 INSUFFICIENT_CREDITS with `required` and `balance`. */
  reserve(account: Account, jobId: string, amount: number): void {
    const r = this.ledger.reserve(account, amount, jobId, 'render estimate reserved');
    if (!r.ok) {
      throw new ApiError('INSUFFICIENT_CREDITS', `This render needs ${amount} credits; the balance is ${r.balance}.`, {
        extra: { required: amount, balance: r.balance },
      });
    }
  }

  /** Settle a completed job; returns the credits it used. */
  settle(owner: string, jobId: string, reserved: number, renderedSeconds: number): number {
    const used = Math.min(reserved, durationCost(this.pricing, renderedSeconds));
    const account = this.accounts.get(owner);
    if (account && reserved > used) this.ledger.post(account, 'settle', reserved - used, jobId, `settled at ${used} credits`);
    return used;
  }

  /** Return the whole reservation of a failed job. */
  refund(owner: string, jobId: string, reserved: number): void {
    const account = this.accounts.get(owner);
    if (account && reserved > 0) this.ledger.post(account, 'refund', reserved, jobId, 'render failed: refunded in full');
  }
}
