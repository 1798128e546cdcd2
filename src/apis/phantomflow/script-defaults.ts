// The movie script's defaults (width, height, fps) as the spec declares them
// (components/schemas/MovieScript): the one place they are read, for the jobs and the renderer.
import { join } from 'node:path';
import { loadSpec } from '../../openapi/load.ts';
import { resolvePointer } from '../../openapi/refs.ts';
import { SPEC_DIR } from '../../paths.ts';

export const MOVIE_SCRIPT = '#/components/schemas/MovieScript';

export interface ScriptDefaults {
  width: number;
  height: number;
  fps: number;
}

export function scriptDefaultsOf(doc: unknown): ScriptDefaults {
  const read = (prop: keyof ScriptDefaults): number => {
    const d = (resolvePointer(doc, `${MOVIE_SCRIPT}/properties/${prop}`) as { default?: unknown } | undefined)?.default;
    if (typeof d !== 'number') throw new Error(`phantomflow: ${MOVIE_SCRIPT}/properties/${prop} declares no numeric default`);
    return d;
  };
  return { width: read('width'), height: read('height'), fps: read('fps') };
}

let shipped: ScriptDefaults | undefined;
/** The defaults of the shipped openapi/phantomflow.yaml (for the renderer used as a library). */
export function shippedScriptDefaults(): ScriptDefaults {
  return (shipped ??= scriptDefaultsOf(loadSpec(join(SPEC_DIR, 'phantomflow.yaml')).doc));
}
