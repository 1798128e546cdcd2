// Movie script → one FFmpeg command: a colour source per scene, its elements drawn or overlaid in
// order, the scenes concatenated, every audio element mixed over silence (so the file always has
// an audio stream), plus a JPEG thumbnail from the same run. One process per render keeps the
// overhead over bare FFmpeg to the cost of building this argv. The graph itself goes to FFmpeg as
// a file (-filter_complex_script): a long script's graph passes the kernel's argument limit.
import { FONT_FILE } from '../../../media/fonts.ts';
import { filterValue } from '../../../media/filter-escape.ts';
import type { ScriptDefaults } from '../script-defaults.ts';
import type { Element, Fidelity, MovieScript, Position } from './types.ts';

export const LIGHT_LONG_SIDE = 640;
const SAMPLE_RATE = 44100;
/**
 * Media inputs are opened with the demuxer decided for them (src/media/source-format.ts: no
 * playlists, concat scripts or image2 patterns) and may only read local files.
 */
const LOCAL_ONLY = ['-protocol_whitelist', 'file'];

export interface Geometry {
  width: number;
  height: number;
  fps: number;
  /** output pixels per requested pixel (font sizes, image sizes and margins scale with it) */
  scale: number;
}

/** The output frame: the requested aspect ratio and fps; light fidelity caps the long side. */
export function geometryOf(script: MovieScript, fidelity: Fidelity, defaults: ScriptDefaults): Geometry {
  const w = script.width ?? defaults.width;
  const h = script.height ?? defaults.height;
  const scale = fidelity === 'light' ? Math.min(1, LIGHT_LONG_SIDE / Math.max(w, h)) : 1;
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(w * scale), height: even(h * scale), fps: script.fps ?? defaults.fps, scale };
}

/** Length of a script: the sum of its scenes (also what PhantomFlow prices). */
export function totalSeconds(script: { scenes: { duration: number }[] }): number {
  return script.scenes.reduce((s, sc) => s + sc.duration, 0);
}

/**
 * #rgb / #rrggbb → FFmpeg's 0xRRGGBB. Anything else is refused: the value lands inside the filter
 * graph, where `:`, `,` or `;` would add options or whole filters (e.g. `movie=` reading any file).
 */
export function ffColour(hex: string | undefined, fallback: string): string {
  const value = hex ?? fallback;
  const m = typeof value === 'string' ? /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim()) : null;
  if (!m) throw new ScriptError(`${JSON.stringify(value)} is not a #rgb or #rrggbb colour`);
  const h = m[1]!;
  return `0x${(h.length === 3 ? [...h].map((c) => c + c).join('') : h).toLowerCase()}`;
}

/** A script the graph cannot be built from; the renderer reports it as RENDER_FAILED. */
export class ScriptError extends Error {}

/** x/y expressions for one of the nine positions; `W`/`H` frame size, `w`/`h` element size. */
function place(position: Position | undefined, m: number, names: { W: string; H: string; w: string; h: string }): { x: string; y: string } {
  const [v, hz] = (position ?? 'center') === 'center' ? ['center', 'center'] : (position ?? 'center').split('-');
  const x = hz === 'left' ? `${m}` : hz === 'right' ? `${names.W}-${names.w}-${m}` : `(${names.W}-${names.w})/2`;
  const y = v === 'top' ? `${m}` : v === 'bottom' ? `${names.H}-${names.h}-${m}` : `(${names.H}-${names.h})/2`;
  return { x, y };
}

export interface BuiltCommand {
  args: string[];
  /** the filter graph, for `graphFile` (-filter_complex_script) */
  graph: string;
  totalSeconds: number;
  geometry: Geometry;
}

export interface GraphOptions {
  /** width, height and fps when the script does not say (the spec's defaults) */
  defaults: ScriptDefaults;
  script: MovieScript;
  fidelity: Fidelity;
  /** local path of every media element's src, in scene/element order */
  mediaPath: (element: Element) => string;
  /** does this video source carry audio (from a probe) */
  hasAudio: (element: Element) => boolean;
  /** the demuxer each media element's file is opened with (decided by src/media/source-format.ts) */
  mediaFormat: (element: Element) => string;
  output: string;
  thumbnail: string;
  /** where the filter graph is written: it goes to FFmpeg as a file, never as one huge argument */
  graphFile: string;
  /**
   * threads FFmpeg may use for the filter graph and the encoder (undefined: FFmpeg's default, a
   * few per core, each with its own frame buffers — that is what memory grows with)
   */
  threads?: number;
}

export function buildCommand(o: GraphOptions): BuiltCommand {
  const { script } = o;
  const g = geometryOf(script, o.fidelity, o.defaults);
  const total = totalSeconds(script);
  const margin = Math.round(Math.min(g.width, g.height) * 0.05);
  const inputs: string[] = [];
  const filters: string[] = [];
  let inputCount = 0;
  const addInput = (...args: string[]) => {
    inputs.push(...args);
    return inputCount++;
  };
  const audio: string[] = [];
  // One decoding thread per input when threads are bounded: a source's decoder otherwise starts
  // one per core, and a script of hundreds of sources would start thousands.
  const decoderThreads = o.threads === undefined ? [] : ['-threads', '1'];

  // Scene boundaries sit on whole frames of the cumulative timeline, so scenes (and the audio
  // placed by `offset`) do not drift by up to a frame per scene when durations are not whole frames.
  let elapsed = 0;
  let startFrame = 0;
  const sceneLabels = script.scenes.map((scene, si) => {
    elapsed += scene.duration;
    const frames = Math.max(1, Math.round(elapsed * g.fps) - startFrame);
    const offset = startFrame / g.fps;
    startFrame += frames;
    // `color` emits frames while t < d: half a frame short of the end gives exactly `frames`.
    const d = ((frames - 0.5) / g.fps).toFixed(6);
    const bg = addInput('-f', 'lavfi', '-i', `color=c=${ffColour(scene.background, '#000000')}:s=${g.width}x${g.height}:r=${g.fps}:d=${d}`);
    let current = `${bg}:v`;
    (scene.elements ?? []).forEach((el, ei) => {
      const next = `s${si}e${ei}`;
      if (el.type === 'text') {
        const size = Math.max(1, Math.round((el.font_size ?? 48) * g.scale));
        const { x, y } = place(el.position, margin, { W: 'w', H: 'h', w: 'text_w', h: 'text_h' });
        filters.push(
          `[${current}]drawtext=fontfile=${filterValue(FONT_FILE)}:expansion=none:text=${filterValue(el.text)}:fontsize=${size}:fontcolor=${ffColour(el.color, '#ffffff')}:x=${x}:y=${y}[${next}]`,
        );
      } else if (el.type === 'image' || el.type === 'video') {
        const isVideo = el.type === 'video';
        // A clip's `start` is where in the scene it begins (as for audio); it plays from the clip's
        // beginning for `duration` seconds or until the scene ends.
        const start = isVideo ? Math.min(Math.max(0, el.start ?? 0), scene.duration) : 0;
        const play = isVideo ? Math.max(0, Math.min(el.duration ?? scene.duration, scene.duration - start)) : 0;
        if (isVideo && play <= 0) return;
        const open = [...decoderThreads, ...LOCAL_ONLY, '-f', o.mediaFormat(el), '-i', o.mediaPath(el)];
        const idx = isVideo ? addInput('-t', play.toFixed(6), ...open) : addInput(...open);
        const size = el.width || el.height
          ? `scale=${el.width ? Math.max(2, Math.round(el.width * g.scale)) : -2}:${el.height ? Math.max(2, Math.round(el.height * g.scale)) : -2}`
          : isVideo
            ? // No size given: a clip is scaled to fit the frame.
              `scale=${g.width}:${g.height}:force_original_aspect_ratio=decrease`
            : // An image keeps its natural size in requested pixels, never larger than the frame.
              `scale=w='min(${g.width},iw*${g.scale.toFixed(6)})':h='min(${g.height},ih*${g.scale.toFixed(6)})':force_original_aspect_ratio=decrease`;
        const timing = isVideo ? `,fps=${g.fps},setpts=PTS-STARTPTS+${start.toFixed(6)}/TB` : '';
        filters.push(`[${idx}:v]${size}${timing},format=yuva420p[m${next}]`);
        const { x, y } = place(el.position, margin, { W: 'main_w', H: 'main_h', w: 'overlay_w', h: 'overlay_h' });
        // Images hold their frame for the whole scene; a clip shows only while it plays.
        const when = isVideo ? `:enable='between(t,${start.toFixed(6)},${(start + play).toFixed(6)})'` : '';
        filters.push(`[${current}][m${next}]overlay=x=${x}:y=${y}:eof_action=${isVideo ? 'pass' : 'repeat'}${when}[${next}]`);
        if (isVideo && (el.volume ?? 1) > 0 && o.hasAudio(el)) {
          audio.push(audioChain(`${idx}:a`, `a${next}`, offset + start, play, el.volume ?? 1, filters));
        }
      } else {
        const start = Math.min(el.start ?? 0, scene.duration);
        const play = Math.max(0, Math.min(el.duration ?? scene.duration, scene.duration - start));
        if (play > 0) {
          const idx = addInput(...decoderThreads, ...LOCAL_ONLY, '-f', o.mediaFormat(el), '-i', o.mediaPath(el));
          audio.push(audioChain(`${idx}:a`, `a${next}`, offset + start, play, el.volume ?? 1, filters));
        }
        return; // audio does not touch the picture
      }
      current = next;
    });
    return current;
  });

  const n = sceneLabels.length;
  filters.push(`${sceneLabels.map((l) => `[${l}]`).join('')}concat=n=${n}:v=1:a=0,format=yuv420p,split=2[vout][vthumb]`);
  // The thumbnail: the frame a second in (or mid-way through a shorter video).
  filters.push(`[vthumb]trim=start=${Math.min(1, total / 2).toFixed(3)},setpts=PTS-STARTPTS[thumb]`);
  // Fixed-point seconds: String() of a tiny or huge number is an exponent FFmpeg cannot parse.
  const length = total.toFixed(6);
  const silence = addInput('-f', 'lavfi', '-t', length, '-i', `anullsrc=r=${SAMPLE_RATE}:cl=stereo`);
  if (audio.length) {
    // amix divides by the number of inputs still running; every chain is padded with silence
    // (apad) so none ends before the timeline does, and the volume filter puts the levels back.
    filters.push(`[${silence}:a]${audio.map((a) => `[${a}]`).join('')}amix=inputs=${audio.length + 1}:duration=first:dropout_transition=0,volume=${audio.length + 1}[aout]`);
  } else {
    filters.push(`[${silence}:a]anull[aout]`);
  }

  const crf = { low: 32, medium: 28, high: 24 }[script.quality ?? 'high'];
  const threads = o.threads === undefined ? [] : ['-threads', String(o.threads)];
  const args = [
    '-y',
    '-loglevel', 'error',
    '-progress', 'pipe:1',
    '-nostats',
    ...(o.threads === undefined ? [] : ['-filter_complex_threads', String(o.threads)]),
    ...inputs,
    '-filter_complex_script', o.graphFile,
    '-map', '[vout]', '-map', '[aout]',
    '-c:v', 'libx264', ...threads, '-preset', o.fidelity === 'light' ? 'ultrafast' : 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p', '-r', String(g.fps),
    '-c:a', 'aac', '-b:a', '96k', '-ar', String(SAMPLE_RATE), '-ac', '2',
    '-t', length,
    '-movflags', '+faststart',
    o.output,
    '-map', '[thumb]', '-frames:v', '1', '-q:v', '4', o.thumbnail,
  ];
  return { args, graph: filters.join(';'), totalSeconds: total, geometry: g };
}

/** One audio source cut to its window, delayed to its place in the timeline, at its volume. */
function audioChain(input: string, label: string, at: number, seconds: number, volume: number, filters: string[]): string {
  const delay = Math.round(at * 1000);
  filters.push(
    `[${input}]atrim=0:${seconds},asetpts=PTS-STARTPTS,aresample=${SAMPLE_RATE},aformat=channel_layouts=stereo,volume=${volume},adelay=${delay}|${delay},apad[${label}]`,
  );
  return label;
}
