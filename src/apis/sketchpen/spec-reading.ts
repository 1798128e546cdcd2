// What the module reads from openapi/sketchpen.yaml beyond x-sandbox's engine keys, checked at
// start-up: the lifecycle's states are the spec's VideoStatus, every stage's codes are VideoError
// codes, and CreateVideoRequest's defaults fill a video's config.
import type { ApiPolicy, StagePolicy } from '../../openapi/policy.ts';
import type { VideoConfig } from './video.ts';

type Doc = Record<string, any>;

const schema = (doc: Doc, name: string): Record<string, any> => {
  const s = doc.components?.schemas?.[name];
  if (!s) throw new Error(`sketchpen: the spec has no components.schemas.${name}`);
  return s;
};

/** The declared stages, after checking them and the states against the spec's own enums. */
export function checkSpec(doc: Doc, policy: ApiPolicy, states: string[]): Record<string, StagePolicy> {
  const statuses: string[] = schema(doc, 'VideoStatus').enum ?? [];
  if (statuses.join() !== states.join()) throw new Error(`sketchpen: the lifecycle's states (${states.join(', ')}) are not the spec's VideoStatus (${statuses.join(', ')})`);
  const active = policy.concurrency.activeStates ?? [];
  const strayActive = active.filter((s) => !states.includes(s));
  if (strayActive.length) throw new Error(`sketchpen: x-sandbox.concurrency.activeStates names unknown states ${strayActive.join(', ')}`);
  const codes: string[] = schema(doc, 'VideoError').properties?.code?.enum ?? [];
  const stages = policy.stages ?? {};
  for (const [name, stage] of Object.entries(stages)) {
    if (!states.includes(stage.state)) throw new Error(`sketchpen: x-sandbox.stages.${name}.state ${stage.state} is not a video status`);
    const stray = stage.errors.filter((c) => !codes.includes(c));
    if (stray.length) throw new Error(`sketchpen: x-sandbox.stages.${name}.errors names codes VideoError lacks: ${stray.join(', ')}`);
  }
  if (!codes.includes(policy.errors.internal)) throw new Error(`sketchpen: VideoError lacks the internal code ${policy.errors.internal}`);
  return stages;
}

/** CreateVideoRequest's defaults (fps, aspect_ratio, theme, audio_mode, bg_mode). */
export function createDefaults(doc: Doc): Pick<VideoConfig, 'fps' | 'aspect_ratio' | 'theme' | 'audio_mode' | 'bg_mode'> {
  const p = schema(doc, 'CreateVideoRequest').properties ?? {};
  const need = (k: string) => {
    if (p[k]?.default === undefined) throw new Error(`sketchpen: CreateVideoRequest.${k} has no default`);
    return p[k].default;
  };
  return { fps: need('fps'), aspect_ratio: need('aspect_ratio'), theme: need('theme'), audio_mode: need('audio_mode'), bg_mode: need('bg_mode') };
}
