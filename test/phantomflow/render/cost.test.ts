// What a script costs, and the budget that follows from it: proportional to what was asked.
import { expect, it } from 'vitest';
import { costOf, overLimit, renderBudgetMs } from '../../../src/apis/phantomflow/render/cost.ts';
import { shippedScriptDefaults } from '../../../src/apis/phantomflow/script-defaults.ts';

const defaults = shippedScriptDefaults();

it('counts seconds, elements, inputs and layer-pixels at the output size', () => {
  const script = { width: 1920, height: 1080, fps: 30, scenes: [{ duration: 2, elements: [{ type: 'text' as const, text: 'a' }, { type: 'audio' as const, src: 'fixtures/media/tone-1s.wav' }] }, { duration: 1 }] };
  const light = costOf(script, 'light', defaults);
  expect(light).toMatchObject({ seconds: 3, elements: 2, mediaElements: 1 });
  // Light caps the long side at 640: 640×360; layers: scene 1 background + text, scene 2 background.
  expect(light.layerPixels).toBe(3 * 640 * 360);
  expect(light.layerPixelFrames).toBe(2 * 640 * 360 * 60 + 640 * 360 * 30);
  expect(costOf(script, 'full', defaults).layerPixels).toBe(3 * 1920 * 1080);
});

it('the budget grows with the work asked for, from a floor, to a ceiling', () => {
  const tiny = renderBudgetMs(costOf({ width: 64, height: 36, fps: 5, scenes: [{ duration: 1 }] }, 'light', defaults));
  const big = renderBudgetMs(costOf({ width: 1920, height: 1080, fps: 30, scenes: Array.from({ length: 20 }, () => ({ duration: 30, elements: Array.from({ length: 10 }, () => ({ type: 'text' as const, text: 'x' })) })) }, 'light', defaults));
  expect(tiny).toBeGreaterThanOrEqual(15_000);
  expect(tiny).toBeLessThan(16_000);
  expect(big).toBeGreaterThan(10 * tiny);
  expect(renderBudgetMs({ seconds: 0, elements: 0, mediaElements: 0, layerPixels: 0, layerPixelFrames: 1e15 })).toBe(30 * 60_000);
  // Sources get their fetch time on top: a dead source is reported as such, not as an overrun.
  expect(renderBudgetMs({ seconds: 1, elements: 1, mediaElements: 1, layerPixels: 1, layerPixelFrames: 1 })).toBeGreaterThan(15_000 + 15_000);
});

it('names the first cap passed', () => {
  const cost = { seconds: 10, elements: 5, mediaElements: 2, layerPixels: 100, layerPixelFrames: 0 };
  expect(overLimit(cost, { maxSeconds: 10, maxElements: 5 }, 'light')).toBeUndefined();
  expect(overLimit(cost, { maxSeconds: 9 }, 'light')).toEqual(['scenes', expect.stringMatching(/at most 9 s of video per job at light fidelity; this script is 10 s/)]);
  expect(overLimit(cost, { maxMediaElements: 1 }, 'full')?.[1]).toMatch(/at most 1 image, video and audio elements per job at full fidelity/);
  expect(overLimit(cost, undefined, 'light')).toBeUndefined();
});
