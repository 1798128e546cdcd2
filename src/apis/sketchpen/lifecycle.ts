// The video lifecycle on the engine's JobEngine, and the work of each stage:
//
//   pending → scripting ─(script written)→ refining ─approve→ visualising → narrating → curating
//           → rendering → completed;  any stage's failure → failed ─approve (retry)→ visualising
//   refining | failed ─regenerate→ scripting
//
// Each state first holds for the timing profile's time (sandbox clock), then works: scripting
// writes the script, visualising draws one PNG per scene without one, narrating speaks every scene
// (real speech; captions from the audio), rendering makes the narrated whiteboard MP4. Heavy work
// takes a slot of the sandbox's work semaphore. Before its work a stage asks the fault hooks
// (x-sandbox.stages names them; visualising asks once per scene), and a stage that fails names one
// of its declared codes; what is refunded follows from which parts were made (videos.ts).
import { basename, join } from 'node:path';
import type { FaultHooks } from '../../faults/hooks.ts';
import { WorkTimeout, type JobError, type LifecycleDefinition, type WorkContext, type WorkOutcome } from '../../jobs/lifecycle.ts';
import type { StagePolicy } from '../../openapi/policy.ts';
import type { Narrator } from '../../media/speech.ts';
import type { AssetStore } from './assets.ts';
import { narrateScenes } from './narration.ts';
import { drawSceneImages } from './scene-images.ts';
import { writeScript } from './script.ts';
import type { Timing } from './timing.ts';
import { whiteboardInput, type SceneData, type VideoData, type VideoJob } from './video.ts';
import type { WhiteboardRenderer } from './whiteboard.ts';

/** The states in order, and those a video is processing in after approval. */
export const STATES = ['pending', 'scripting', 'refining', 'visualising', 'narrating', 'curating', 'rendering', 'completed', 'failed'];
export const AFTER_APPROVAL = ['visualising', 'narrating', 'curating', 'rendering'];
/** Active states that wait for the client (an event), not for work. */
export const WAITING_FOR_CLIENT = ['refining'];

export interface LifecycleDeps {
  api: string;
  faults: FaultHooks;
  /** x-sandbox.stages */
  stages: Record<string, StagePolicy>;
  timing: Timing;
  seed: number | string;
  assets: AssetStore;
  /** where the files go */
  dir: string;
  narrator: Narrator;
  renderer: WhiteboardRenderer;
  internalCode: string;
}

type Work = (ctx: WorkContext<VideoData>) => Promise<WorkOutcome<VideoData>>;

const LABELS: Record<string, string> = {
  scripting: 'Writing the script',
  visualising: 'Image generation',
  narrating: 'Audio generation',
  curating: 'Curating the assets',
  rendering: 'The render',
};

export function videoLifecycle(d: LifecycleDeps): LifecycleDefinition<VideoData> {
  const stageOf = (state: string): { name: string; errors: string[] } | undefined => {
    const found = Object.entries(d.stages).find(([, s]) => s.state === state);
    return found ? { name: found[0], errors: found[1].errors } : undefined;
  };

  /** The injected fault of the stage run in `state`, its code fitted to the stage's own codes. */
  const faultOf = (state: string, job: VideoJob): { delayMs: number; fail?: JobError } => {
    const stage = stageOf(state);
    if (!stage) return { delayMs: 0 };
    const f = d.faults.pipeline({ api: d.api, key: job.owner, jobId: job.id, stage: stage.name });
    const code = f?.fail && (stage.errors.includes(f.fail.code) ? f.fail.code : stage.errors[0]!);
    return { delayMs: f?.delayMs ?? 0, ...(code ? { fail: { code, message: f!.fail!.message ?? `${LABELS[state] ?? state} failed (injected fault)` } } : {}) };
  };

  const voiceOf = (job: VideoJob) => (assetId: string) => d.assets.get(job.owner, assetId)?.voice_id;
  const pathOf = (name: string) => join(d.dir, name);

  const scripting: Work = async (ctx) => {
    const { job } = ctx;
    const f = faultOf('scripting', job);
    if (f.delayMs) await ctx.sleep(f.delayMs);
    if (f.fail) return { to: 'failed', error: f.fail };
    const v = job.data;
    const assets = v.config.asset_ids
      .map((id) => d.assets.get(job.owner, id))
      .filter((a) => a !== undefined)
      .map((a) => ({ id: a.id, name: a.name, type: a.type }));
    const written = writeScript({
      prompt: v.prompt,
      seed: d.seed,
      generation: v.generation,
      feedback: v.feedback,
      assets,
      speakerIds: v.config.speaker_ids,
      ...(v.previousScenes ? { previousScenes: v.previousScenes } : {}),
    });
    const scenes: SceneData[] = written.map((s) => ({ ...s, image: null }));
    return { to: 'refining', data: { scenes } };
  };

  const visualising: Work = async (ctx) => {
    const { job } = ctx;
    const v = job.data;
    const todo = v.scenes.filter((s) => !s.image);
    // One fault question per scene: `times: 1` fails one scene's image, no limit fails them all.
    let delay = 0;
    let failure: JobError | undefined;
    const draw: SceneData[] = [];
    for (const s of todo) {
      const f = faultOf('visualising', job);
      delay = Math.max(delay, f.delayMs);
      if (f.fail) failure ??= f.fail;
      else draw.push(s);
    }
    if (delay) await ctx.sleep(delay);
    // The narration does not depend on the drawings: speak it meanwhile (other processes than
    // FFmpeg's), so the narrating stage finds it in the cache. Its faults are still asked there.
    if (v.config.audio_mode !== 'none' && !v.narrated) {
      void narrateScenes(d.narrator, whiteboardInput(job, pathOf), { voiceOf: voiceOf(job), signal: ctx.signal }).catch(() => undefined);
    }
    let drawError: string | undefined;
    let drawn = new Map<string, string>();
    if (draw.length) {
      await ctx.acquireSlot();
      const assetImage = (s: SceneData) => {
        for (const id of s.assets) {
          const a = d.assets.get(job.owner, id);
          const path = a && d.assets.imagePath(a);
          if (path) return path;
        }
        return undefined;
      };
      const r = await drawSceneImages(
        draw.map((s) => ({ id: s.id, index: v.scenes.indexOf(s), description: s.visual_description, assetImage: assetImage(s) })),
        { outputDir: d.dir, aspect: v.config.aspect_ratio, theme: v.config.theme, bgMode: v.config.bg_mode, signal: ctx.signal },
      );
      if (r.ok) drawn = r.files;
      else drawError = r.message;
    }
    const scenes = v.scenes.map((s) => (drawn.has(s.id) ? { ...s, image: drawn.get(s.id)! } : s));
    const missing = scenes.filter((s) => !s.image).length;
    if (missing) {
      const code = failure?.code ?? stageOf('visualising')?.errors[0] ?? d.internalCode;
      const count = `${missing} scene${missing === 1 ? '' : 's'}`;
      const message = failure && !drawError ? `${failure.message}: image generation failed for ${count}` : `Image generation failed for ${count}${drawError ? ` (${drawError})` : ''}`;
      return { to: 'failed', error: { code, message }, data: { scenes } };
    }
    return { to: 'narrating', data: { scenes } };
  };

  const narrating: Work = async (ctx) => {
    const { job } = ctx;
    const v = job.data;
    if (v.config.audio_mode === 'none' || v.narrated) return { to: 'curating' };
    const f = faultOf('narrating', job);
    if (f.delayMs) await ctx.sleep(f.delayMs);
    if (f.fail) return { to: 'failed', error: f.fail };
    await ctx.acquireSlot();
    const r = await narrateScenes(d.narrator, whiteboardInput(job, pathOf), { voiceOf: voiceOf(job), signal: ctx.signal });
    const own = stageOf('narrating')?.errors ?? [];
    if (!r.ok) return { to: 'failed', error: { code: own.includes(r.code) ? r.code : (own[0] ?? d.internalCode), message: `Audio generation failed: ${r.message}` } };
    const scenes = v.scenes.map((s, i) => ({ ...s, captions: r.captions[i] ?? s.captions }));
    return { to: 'curating', data: { scenes, narrated: true } };
  };

  const rendering: Work = async (ctx) => {
    const { job } = ctx;
    const f = faultOf('rendering', job);
    if (f.delayMs) await ctx.sleep(f.delayMs);
    if (f.fail) return { to: 'failed', error: f.fail };
    await ctx.acquireSlot();
    const r = await d.renderer.renderWhiteboard(whiteboardInput(job, pathOf), { jobId: job.id, signal: ctx.signal, voiceOf: voiceOf(job), onProgress: ctx.progress });
    if (!r.ok) return { to: 'failed', error: { code: r.error.code, message: `The render failed: ${r.error.message}` } };
    // Captions as the render timed them (silent videos too: reading pace).
    const scenes = job.data.scenes.map((s, i) => ({ ...s, captions: r.scenes[i]?.captions ?? s.captions }));
    return { to: 'completed', data: { scenes, files: { video: basename(r.video), audio: r.audio ? basename(r.audio) : null, thumbnail: basename(r.thumbnail) } } };
  };

  const hold = (state: string) => (job: VideoJob) => d.timing.holdMs(state, job.seq);
  return {
    initial: 'pending',
    failState: 'failed',
    internalErrorCode: d.internalCode,
    states: {
      pending: { active: true, progress: 0, holdMs: hold('pending'), next: 'scripting' },
      scripting: { active: true, progress: 5, holdMs: hold('scripting'), work: scripting },
      refining: { active: true, progress: 20, on: { approve: 'visualising', regenerate: 'scripting' } },
      visualising: { active: true, progress: 30, holdMs: hold('visualising'), work: visualising },
      narrating: { active: true, progress: 50, holdMs: hold('narrating'), work: narrating },
      curating: { active: true, progress: 70, holdMs: hold('curating'), next: 'rendering' },
      rendering: { active: true, progress: 75, holdMs: hold('rendering'), work: rendering },
      completed: { terminal: true, progress: 100 },
      failed: { terminal: true, progress: 100, on: { retry: 'visualising', regenerate: 'scripting' } },
    },
    describeFailure: (err, job) => {
      const own = stageOf(job.state)?.errors[0];
      const label = LABELS[job.state] ?? job.state;
      if (err instanceof WorkTimeout) return { code: own ?? d.internalCode, message: `${label} did not finish within ${Math.round(err.ms / 1000)} s` };
      return { code: d.internalCode, message: `${label} failed: ${err instanceof Error ? err.message : String(err)}` };
    },
  };
}
