// Sketchpen's credits (x-sandbox.credits, sketchpen-api.md): creating a video needs a minimum
// balance; approving charges each scene not yet paid for and the narration; a failed image
// refunds its scene, failed narration the audio credit; what was made is never refunded. Every
// movement is a ledger entry referring to the video, so a video's entries sum to what it cost.
import { ApiError } from '../../core/errors.ts';
import type { Account } from '../../tenancy/accounts.ts';
import type { CreditLedger } from '../../tenancy/credits.ts';
import { partsCost, type PartPricing } from '../../tenancy/pricing.ts';

/** What a video has paid for and not had back: its scenes' images (by scene id) and its narration. */
export interface PaidParts {
  scenes: string[];
  audio: boolean;
}

export class VideoBilling {
  constructor(
    readonly pricing: PartPricing,
    private readonly ledger: CreditLedger,
    /** the catalogue's INSUFFICIENT_CREDITS message, with {required} and {balance} */
    private readonly shortMessage: string,
  ) {}

  /** 402 unless the account can start a video. */
  assertCanCreate(account: Account): void {
    this.assertBalance(account, this.pricing.minimumToCreate);
  }

  /** Charge the parts `scenes` (ids) and, when `audio`, the narration; 402 (nothing charged) if short. */
  charge(account: Account, videoId: string, paid: PaidParts, scenes: string[], audio: boolean): PaidParts {
    const cost = partsCost(this.pricing, scenes.length, audio);
    this.assertBalance(account, cost);
    if (cost > 0) {
      const what = [scenes.length && `${scenes.length} scene${scenes.length === 1 ? '' : 's'}`, audio && 'narration'].filter(Boolean).join(' + ');
      this.ledger.post(account, 'charge', -cost, videoId, what);
    }
    return { scenes: [...paid.scenes, ...scenes], audio: paid.audio || audio };
  }

  /** Give back the credits of failed parts; returns what is still paid and how much came back. */
  refund(account: Account, videoId: string, paid: PaidParts, failed: { scenes: string[]; audio: boolean }): { paid: PaidParts; refunded: number } {
    const scenes = failed.scenes.filter((id) => paid.scenes.includes(id));
    const audio = failed.audio && paid.audio;
    const amount = partsCost(this.pricing, scenes.length, audio);
    if (amount > 0) {
      const what = [scenes.length && `${scenes.length} failed image${scenes.length === 1 ? '' : 's'}`, audio && 'failed narration'].filter(Boolean).join(' + ');
      this.ledger.post(account, 'refund', amount, videoId, what);
    }
    return { paid: { scenes: paid.scenes.filter((id) => !scenes.includes(id)), audio: paid.audio && !audio }, refunded: amount };
  }

  private assertBalance(account: Account, required: number): void {
    this.ledger.entries(account);
    if (account.balance >= required) return;
    const message = this.shortMessage.replace('{required}', String(required)).replace('{balance}', String(account.balance));
    throw new ApiError('INSUFFICIENT_CREDITS', message);
  }
}
