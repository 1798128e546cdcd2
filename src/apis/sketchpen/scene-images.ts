// The visualising stage's drawings: one real PNG per scene, made by one FFmpeg run for all the
// scenes that need one. A drawing is a small board in the video's theme with a framed sketch —
// boxes and connectors placed from the description (seeded, so the same description gives the
// same drawing), its key words as labels, and the picture of an asset that appears in the scene.
// Text reaches drawtext only through files (textfile=, expansion=none).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '../../core/random.ts';
import { filterValue } from '../../media/filter-escape.ts';
import { filterScriptArgs } from '../../media/filter-script.ts';
import { FONT_FILE } from '../../media/fonts.ts';
import { meaningfulLine, runFfmpeg } from '../../media/ffmpeg.ts';
import { DYNAMIC_BOARDS } from './whiteboard-layout.ts';
import type { AspectRatio, BgMode } from './whiteboard-video.ts';

export interface SceneToDraw {
  id: string;
  /** the scene's position in the video (dynamic boards change colour per scene) */
  index: number;
  description: string;
  /** a local PNG/JPEG/WebP of an asset in the scene, checked when it was uploaded */
  assetImage?: string;
}

export interface DrawOptions {
  outputDir: string;
  aspect: AspectRatio;
  theme: string;
  bgMode: BgMode;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type DrawResult = { ok: true; files: Map<string, string> } | { ok: false; message: string };

const SIZES: Record<AspectRatio, [number, number]> = { '16:9': [480, 270], '9:16': [270, 480], '1:1': [360, 360] };

interface Palette {
  board: string;
  ink: string;
  accents: string[];
}

const PALETTES: Record<string, Palette> = {
  presentation: { board: '#ffffff', ink: '#1f2937', accents: ['#3b82f6', '#f97316', '#10b981'] },
  classroom: { board: '#1f3b2c', ink: '#f8fafc', accents: ['#fde68a', '#93c5fd', '#fca5a5'] },
  storybook: { board: '#fff7ed', ink: '#7c2d12', accents: ['#f59e0b', '#10b981', '#ec4899'] },
};

const hex = (c: string) => `0x${c.replace('#', '')}`;

/** The file name of a scene's drawing. */
export const sceneImageName = (sceneId: string) => `${sceneId}.png`;

/** Up to three labels for a drawing: the description's longest words. */
export function labelsOf(description: string): string[] {
  const words = description.split(/[^\p{L}\p{N}'-]+/u).filter((w) => w.length >= 3 && w.length <= 18);
  const unique = [...new Set(words.map((w) => w.toLowerCase()))];
  return unique.sort((a, b) => b.length - a.length || a.localeCompare(b)).slice(0, 3);
}

export async function drawSceneImages(scenes: SceneToDraw[], o: DrawOptions): Promise<DrawResult> {
  if (!scenes.length) return { ok: true, files: new Map() };
  const [W, H] = SIZES[o.aspect];
  const palette = PALETTES[o.theme] ?? PALETTES.presentation!;
  const font = filterValue(FONT_FILE);
  const tmp = await mkdtemp(join(o.outputDir, '.draw-'));
  try {
    const inputs: string[] = [];
    const filters: string[] = [];
    const outputs: string[] = [];
    const files = new Map<string, string>();
    for (const [n, scene] of scenes.entries()) {
      const r = new SeededRandom(`drawing|${scene.description}`);
      const board = o.bgMode === 'dynamic' && o.theme === 'presentation' ? DYNAMIC_BOARDS[scene.index % DYNAMIC_BOARDS.length]! : palette.board;
      const steps: string[] = [`color=c=${hex(board)}:s=${W}x${H}:d=1`, `drawbox=x=6:y=6:w=${W - 12}:h=${H - 12}:color=${hex(palette.ink)}@0.4:t=2`];
      // Three boxes in a row (or a column on a portrait board), joined by connectors, each with a label.
      const portrait = H > W;
      const labels = labelsOf(scene.description);
      const slots = 3;
      const cell = portrait ? Math.floor((H - 40) / slots) : Math.floor((W - 40) / slots);
      const boxW = portrait ? Math.floor(W * 0.62) : Math.floor(cell * 0.78);
      const boxH = portrait ? Math.floor(cell * 0.66) : Math.floor(H * 0.42);
      const centres: { x: number; y: number }[] = [];
      for (let k = 0; k < slots; k++) {
        const jitter = Math.round((r.next() - 0.5) * (portrait ? W * 0.12 : H * 0.2));
        const x = portrait ? Math.round((W - boxW) / 2) + jitter : 20 + k * cell + Math.round((cell - boxW) / 2);
        const y = portrait ? 20 + k * cell + Math.round((cell - boxH) / 2) : Math.round((H - boxH) / 2) + jitter;
        centres.push({ x: x + boxW / 2, y: y + boxH / 2 });
        const accent = palette.accents[k % palette.accents.length]!;
        steps.push(`drawbox=x=${x}:y=${y}:w=${boxW}:h=${boxH}:color=${hex(accent)}@0.25:t=fill`);
        steps.push(`drawbox=x=${x}:y=${y}:w=${boxW}:h=${boxH}:color=${hex(palette.ink)}:t=3`);
        const label = labels[k];
        if (label) {
          const file = join(tmp, `s${n}-l${k}.txt`);
          await writeFile(file, label, 'utf8');
          const size = Math.max(10, Math.min(Math.floor(boxH / 4), Math.floor((boxW * 1.6) / Math.max(4, label.length))));
          steps.push(
            `drawtext=fontfile=${font}:textfile=${filterValue(file)}:expansion=none:fontsize=${size}:fontcolor=${hex(palette.ink)}:x=${x}+(${boxW}-text_w)/2:y=${y}+(${boxH}-text_h)/2`,
          );
        }
      }
      for (let k = 0; k + 1 < centres.length; k++) {
        const a = centres[k]!;
        const b = centres[k + 1]!;
        steps.push(
          portrait
            ? `drawbox=x=${Math.round(a.x) - 2}:y=${Math.round(a.y + boxH / 2)}:w=4:h=${Math.max(2, Math.round(b.y - a.y - boxH))}:color=${hex(palette.ink)}:t=fill`
            : `drawbox=x=${Math.round(a.x + boxW / 2)}:y=${Math.round((a.y + b.y) / 2) - 2}:w=${Math.max(2, Math.round(b.x - a.x - boxW))}:h=4:color=${hex(palette.ink)}:t=fill`,
        );
      }
      let label = `d${n}`;
      filters.push(`${steps.join(',')}[${label}]`);
      if (scene.assetImage) {
        const idx = inputs.length / 4;
        inputs.push('-protocol_whitelist', 'file', '-i', scene.assetImage);
        const side = Math.floor(Math.min(W, H) * 0.38);
        filters.push(`[${idx}:v]scale=${side}:${side}:force_original_aspect_ratio=decrease,format=rgba[a${n}]`);
        filters.push(`[${label}][a${n}]overlay=x=W-w-14:y=H-h-14[d${n}b]`);
        label = `d${n}b`;
      }
      const name = sceneImageName(scene.id);
      files.set(scene.id, name);
      outputs.push('-map', `[${label}]`, '-frames:v', '1', '-update', '1', join(o.outputDir, name));
    }
    const graph = await filterScriptArgs(join(tmp, 'graph.txt'), filters.join(';\n'));
    const run = await runFfmpeg(['-y', '-loglevel', 'error', ...inputs, ...graph, ...outputs], { timeoutMs: o.timeoutMs ?? 30_000, signal: o.signal });
    if (run.timedOut) return { ok: false, message: `drawing the scenes took longer than ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s` };
    if (run.aborted) return { ok: false, message: 'drawing the scenes was cancelled' };
    if (run.code !== 0) return { ok: false, message: `FFmpeg could not draw the scenes: ${meaningfulLine(run.stderr).replaceAll(tmp, '<job>')}` };
    return { ok: true, files };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
