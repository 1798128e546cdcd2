// Duration-based pricing from `x-sandbox.credits` `{perSecond, rounding}` (decision 002):
// cost = rounding(seconds × perSecond). PhantomFlow: {perSecond: 1, rounding: ceil}, 15.2 s → 16.
import type { CreditsPolicy, Rounding } from '../openapi/policy.ts';

export interface DurationPricing {
  perSecond: number;
  rounding: Rounding;
}

/** The duration pricing of a spec's x-sandbox.credits; undefined when it prices otherwise. */
export function durationPricingFrom(credits: CreditsPolicy | undefined): DurationPricing | undefined {
  return credits?.perSecond === undefined ? undefined : { perSecond: credits.perSecond, rounding: credits.rounding };
}

/** Credits for `seconds` of video. Float noise (2.2 + 0.8 = 3.0000000000000004) is ignored. */
export function durationCost(pricing: DurationPricing, seconds: number): number {
  const exact = Math.round(Math.max(0, seconds) * pricing.perSecond * 1e6) / 1e6;
  return Math[pricing.rounding](exact);
}
