// Pipeline fault rules are checked against the APIs they can reach: an API that declares its
// stages (x-sandbox.stages, Sketchpen) takes only those stage names and each stage's own codes;
// one that does not (PhantomFlow) takes any stage and the codes of its catalogue.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../src/faults/engine.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';

const policies = ['phantomflow', 'sketchpen'].map((id) => loadSpec(join(SPEC_DIR, `${id}.yaml`)).policy);
const sketchpen = policies.filter((p) => p.id === 'sketchpen');

function refusal(rule: Record<string, unknown>, reach = policies): { message: string; path: string } | undefined {
  try {
    new FaultEngine().addRule(rule as any, reach);
    return undefined;
  } catch (err) {
    return { message: (err as Error).message, path: (err as { path: string }).path };
  }
}

describe('pipeline rules and declared stages', () => {
  it('Sketchpen: its stages with their own codes, or * with any of them', () => {
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'image', fail: 'IMAGE_GENERATION_ERROR' } })).toBeUndefined();
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'render', fail: 'INTERNAL_ERROR' } })).toBeUndefined();
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: '*', fail: 'AI_TIMEOUT' } })).toBeUndefined();
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'audio', delay: 500 } })).toBeUndefined();
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'image', fail: 'AUDIO_GENERATION_ERROR' } })).toEqual({
      path: 'action.fail',
      message: "action.fail: AUDIO_GENERATION_ERROR is not a failure code of sketchpen's image stage (IMAGE_GENERATION_ERROR, INTERNAL_ERROR)",
    });
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'rendering', delay: 5 } })?.path).toBe('action.stage');
    // A catalogue (HTTP) code is not a video failure.
    expect(refusal({ match: { api: 'sketchpen' }, action: { stage: 'render', fail: 'NOT_FOUND' } })?.path).toBe('action.fail');
  });

  it('PhantomFlow (no stages declared): any stage, catalogue codes; a rule for any API must fit one of them', () => {
    expect(refusal({ match: { api: 'phantomflow' }, action: { stage: 'render', fail: 'RENDER_FAILED' } })).toBeUndefined();
    expect(refusal({ match: { api: 'phantomflow' }, action: { stage: 'render', fail: 'RENDER_TIMEOUT' } })?.message).toContain('RENDER_TIMEOUT is not in the error catalogue of phantomflow');
    expect(refusal({ action: { stage: 'render', fail: 'RENDER_TIMEOUT' } })).toBeUndefined(); // fits Sketchpen
    expect(refusal({ action: { stage: 'render', fail: 'RENDER_FAILED' } })).toBeUndefined(); // fits PhantomFlow
    const neither = refusal({ action: { stage: 'render', fail: 'NO_SUCH_CODE' } });
    expect(neither?.message).toMatch(/phantomflow.*; .*sketchpen/);
    expect(refusal({ action: { stage: 'image', fail: 'IMAGE_GENERATION_ERROR' } }, sketchpen)).toBeUndefined();
  });
});
