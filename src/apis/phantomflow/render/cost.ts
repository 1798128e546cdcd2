// What a movie script asks of the renderer, counted the way FFmpeg pays for it: video seconds,
// elements, media inputs (each a demuxer, a decoder and a thread), and layer-pixels — every
// scene background and visual element is a full frame in the filter graph, so frame memory grows
// with (layers × output pixels). The spec caps these per fidelity (x-sandbox.renderLimits), and a
// job's time budget is derived from the same count, so a small job cannot be held long and a big
// one is not cut short.
import type { RenderLimits } from '../../../openapi/policy.ts';
import type { ScriptDefaults } from '../script-defaults.ts';
import { geometryOf, totalSeconds } from './graph.ts';
import type { Fidelity, MovieScript } from './types.ts';

export interface ScriptCost {
  seconds: number;
  elements: number;
  mediaElements: number;
  /** (scene backgrounds + visual elements) × output frame pixels */
  layerPixels: number;
  /** layer-pixels × frames: the work of the filter graph */
  layerPixelFrames: number;
}

export function costOf(script: MovieScript, fidelity: Fidelity, defaults: ScriptDefaults): ScriptCost {
  const g = geometryOf(script, fidelity, defaults);
  const frame = g.width * g.height;
  let elements = 0;
  let media = 0;
  let layers = 0;
  let layerPixelFrames = 0;
  for (const scene of script.scenes) {
    const els = scene.elements ?? [];
    elements += els.length;
    media += els.filter((e) => e.type !== 'text').length;
    const visual = 1 + els.filter((e) => e.type !== 'audio').length;
    layers += visual;
    layerPixelFrames += visual * frame * Math.max(1, Math.round(scene.duration * g.fps));
  }
  return { seconds: totalSeconds(script), elements, mediaElements: media, layerPixels: layers * frame, layerPixelFrames };
}

/** The first cap the script passes, as [field path, message], or undefined when it fits. */
export function overLimit(cost: ScriptCost, limits: RenderLimits | undefined, fidelity: Fidelity): [string, string] | undefined {
  if (!limits) return undefined;
  const at = `at ${fidelity} fidelity`;
  if (limits.maxSeconds !== undefined && cost.seconds > limits.maxSeconds) return ['scenes', `The sandbox renders at most ${limits.maxSeconds} s of video per job ${at}; this script is ${round(cost.seconds)} s.`];
  if (limits.maxElements !== undefined && cost.elements > limits.maxElements) return ['scenes', `The sandbox renders at most ${limits.maxElements} elements per job ${at}; this script has ${cost.elements}.`];
  if (limits.maxMediaElements !== undefined && cost.mediaElements > limits.maxMediaElements) {
    return ['scenes', `The sandbox renders at most ${limits.maxMediaElements} image, video and audio elements per job ${at}; this script has ${cost.mediaElements}.`];
  }
  if (limits.maxLayerPixels !== undefined && cost.layerPixels > limits.maxLayerPixels) {
    return ['scenes', `The sandbox renders at most ${limits.maxLayerPixels} layer-pixels per job ${at} (scene backgrounds and visual elements × output frame size); this script needs ${cost.layerPixels}: fewer elements or a smaller frame.`];
  }
  return undefined;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Wall-clock ms a render may take: a floor, time to fetch and identify sources when there are
 * any (they are fetched at once, each under its own 15 s timeout, so a dead source is reported as
 * such rather than as a budget overrun), plus the graph's work at a rate far below what the
 * renderer achieves on a busy 2-core machine (≈ 5·10⁸ layer-pixel-frames per second measured),
 * so only a stuck render reaches it.
 */
export function renderBudgetMs(cost: ScriptCost, options: { floorMs?: number; sourcesMs?: number; layerPixelFramesPerSecond?: number; maxMs?: number } = {}): number {
  const { floorMs = 15_000, sourcesMs = 25_000, layerPixelFramesPerSecond = 5e7, maxMs = 30 * 60_000 } = options;
  const fetching = cost.mediaElements > 0 ? sourcesMs : 0;
  return Math.min(maxMs, Math.round(floorMs + fetching + (cost.layerPixelFrames / layerPixelFramesPerSecond) * 1000));
}
