// Pricing read from `x-sandbox.credits` (decision 002). Duration pricing `{perSecond, rounding}`:
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

/** Per-part pricing from `x-sandbox.credits` `{perScene, audio, minimumToCreate}` (Sketchpen). */
export interface PartPricing {
  perScene: number;
  audio: number;
  minimumToCreate: number;
}

/** The per-part pricing of a spec's x-sandbox.credits; undefined when it prices otherwise. */
export function partPricingFrom(credits: CreditsPolicy | undefined): PartPricing | undefined {
  if (credits?.perScene === undefined) return undefined;
  return { perScene: credits.perScene, audio: credits.audio ?? 0, minimumToCreate: credits.minimumToCreate ?? 0 };
}

/** Credits for `scenes` scenes, plus the audio part when narrated. */
export function partsCost(pricing: PartPricing, scenes: number, narrated: boolean): number {
  return Math.max(0, scenes) * pricing.perScene + (narrated ? pricing.audio : 0);
}
