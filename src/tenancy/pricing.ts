// Duration-based pricing from `x-sandbox.credits` `{perSecond, rounding}` (decision 002):
// cost = rounding(seconds × perSecond). PhantomFlow: {perSecond: 1, rounding: ceil}, 15.2 s → 16.

export type Rounding = 'ceil' | 'round' | 'floor';

export interface DurationPricing {
  perSecond: number;
  rounding: Rounding;
}

/** Read the duration pricing of a spec's x-sandbox.credits; undefined when it prices otherwise. */
export function durationPricingFrom(raw: unknown): DurationPricing | undefined {
  const c = raw as { perSecond?: unknown; rounding?: unknown } | undefined;
  if (!c || typeof c.perSecond !== 'number' || !(c.perSecond >= 0)) return undefined;
  const rounding = c.rounding === 'round' || c.rounding === 'floor' ? c.rounding : 'ceil';
  return { perSecond: c.perSecond, rounding };
}

/** Credits for `seconds` of video. Float noise (2.2 + 0.8 = 3.0000000000000004) is ignored. */
export function durationCost(pricing: DurationPricing, seconds: number): number {
  const exact = Math.round(Math.max(0, seconds) * pricing.perSecond * 1e6) / 1e6;
  return Math[pricing.rounding](exact);
}
