// Both pricing shapes read from the shipped specs' x-sandbox.credits.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';
import { durationCost, durationPricingFrom, partPricingFrom, partsCost } from '../../src/tenancy/pricing.ts';

const phantomflow = loadSpec(join(SPEC_DIR, 'phantomflow.yaml')).policy.credits;
const sketchpen = loadSpec(join(SPEC_DIR, 'sketchpen.yaml')).policy.credits;

describe('pricing', () => {
  it('duration pricing (PhantomFlow): 1 credit a second, rounded up', () => {
    const p = durationPricingFrom(phantomflow)!;
    expect(p).toEqual({ perSecond: 1, rounding: 'ceil' });
    expect(durationCost(p, 15.2)).toBe(16);
    expect(durationCost(p, 2.2 + 0.8)).toBe(3);
    expect(partPricingFrom(phantomflow)).toBeUndefined();
  });

  it('per-part pricing (Sketchpen): a credit a scene, one for narration, one needed to create', () => {
    const p = partPricingFrom(sketchpen)!;
    expect(p).toEqual({ perScene: 1, audio: 1, minimumToCreate: 1 });
    expect(partsCost(p, 5, true)).toBe(6);
    expect(partsCost(p, 5, false)).toBe(5);
    expect(durationPricingFrom(sketchpen)).toBeUndefined();
  });
});
