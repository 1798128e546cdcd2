// Laid-out scenes → one FFmpeg filter graph and argv: per scene the finished board drawn once
// (description, image, border) and repeated, each line then written by a wiping pen (a
// board-coloured cover with an ink edge that slides off it), the image revealed the same way, the
// captions on top; scenes concatenated; the narration (one WAV for the whole timeline) or silence;
// MP4 + M4A + JPEG from the same run. Text reaches drawtext only through files (textfile=,
// expansion=none).
import { FONT_FILE } from '../../media/fonts.ts';
import { filterValue } from '../../media/filter-escape.ts';
import { BORDER, CAPTION_BOX, INK, type Frame, type SceneLayout } from './whiteboard-layout.ts';
import type { Fidelity } from './whiteboard-video.ts';

export const AUDIO_RATE = 44_100;

export interface GraphScene {
  layout: SceneLayout;
  /** whole frames of this scene */
  frames: number;
  /** local image file (already checked to be a PNG or JPEG of the size the layout used) */
  imageFile?: string;
  /** text file per line and per caption chunk, in layout order */
  lineFiles: string[];
  captionFiles: string[];
}

export interface GraphOptions {
  frame: Frame;
  fidelity: Fidelity;
  scenes: GraphScene[];
  /** the narration WAV (the whole timeline); absent for audio_mode none */
  narrationFile?: string;
  output: { video: string; audio?: string; thumbnail: string };
}

/** FFmpeg's argv is `inputArgs`, the graph (`-filter_complex_script`), then `outputArgs`. */
export interface BuiltGraph {
  inputArgs: string[];
  graph: string;
  outputArgs: string[];
  totalSeconds: number;
}

/** #rrggbb → FFmpeg's 0xrrggbb (only our own constants reach here). */
const hex = (c: string) => `0x${c.replace('#', '')}`;
const s = (n: number) => n.toFixed(3);

export function buildWhiteboardGraph(o: GraphOptions): BuiltGraph {
  const { frame } = o;
  const fps = frame.fps;
  const font = filterValue(FONT_FILE);
  const inputs: string[] = [];
  const filters: string[] = [];
  let inputCount = 0;
  const narration = o.narrationFile ? inputCount++ : -1;
  if (o.narrationFile) inputs.push('-protocol_whitelist', 'file', '-i', o.narrationFile);

  const labels = o.scenes.map((scene, si) => {
    const L = scene.layout;
    const one = s(0.5 / fps); // a colour source this long gives exactly one frame
    let step = 0;
    const next = () => `s${si}x${step++}`;
    // Every still layer is drawn once, as a single frame, and repeated (drawtext and a full-frame
    // drawbox cost ~0.7 ms per frame each; repeating a frame costs nothing):
    //   empty   the board and its edge
    //   pictured   + the image
    //   written    + the description (what the scene ends as)
    const border = Math.round(L.margin / 2);
    const hasImage = Boolean(L.image && scene.imageFile);
    filters.push(
      `color=c=${hex(L.board)}:s=${frame.width}x${frame.height}:r=${fps}:d=${one},drawbox=x=${border}:y=${border}:w=${frame.width - 2 * border}:h=${frame.height - 2 * border}:color=${hex(BORDER)}:t=2,split=2[e${si}a][e${si}${hasImage ? 'c' : 'b'}]`,
    );
    let pictured = `e${si}a`;
    let coverSource = `e${si}b`;
    if (hasImage) {
      const idx = inputCount++;
      inputs.push('-protocol_whitelist', 'file', '-i', scene.imageFile!);
      const im = L.image!;
      filters.push(`[${idx}:v]scale=${im.w}:${im.h},format=yuva420p[im${si}]`);
      filters.push(`[e${si}a][im${si}]overlay=x=${im.x}:y=${im.y},split=2[p${si}a][p${si}b]`);
      pictured = `p${si}a`;
      coverSource = `p${si}b`;
    }
    const text = L.lines.map((line, li) => `drawtext=fontfile=${font}:textfile=${filterValue(scene.lineFiles[li]!)}:expansion=none:fontsize=${L.fontSize}:fontcolor=${hex(INK)}:x=${line.x}:y=${line.y}`);
    const repeat = `loop=loop=${scene.frames - 1}:size=1:start=0,setpts=N/${fps}/TB`;
    let cur = next();
    filters.push(`[${pictured}]${[...text, repeat].join(',')}[${cur}]`);

    // The pen: over each line, a cover cut from the layer beneath the text (so it shows exactly what
    // is behind the line, image and edge included) with an ink edge, sliding off the line while it
    // is written; until then it hides the whole line. The image is revealed the same way, with a
    // cover cut from the empty board, after the text covers (which may pass over its box). The
    // layers are widened first so a cover sliding past the right edge is never cut short.
    const widest = Math.max(0, ...L.lines.map((l) => l.width), L.image?.w ?? 0) + 8;
    const widen = `pad=w=${frame.width + widest}:h=${frame.height}:x=0:y=0:color=${hex(L.board)},${repeat}`;
    const textCovers = L.lines.map((_, li) => `t${si}c${li}`);
    if (textCovers.length) filters.push(`[${coverSource}]${widen}${textCovers.length > 1 ? `,split=${textCovers.length}` : ''}${textCovers.map((c) => `[${c}]`).join('')}`);
    else filters.push(`[${coverSource}]nullsink`);
    const wipe = (source: string, x: number, y: number, w: number, h: number, from: number, to: number) => {
      const out = next();
      // Even positions: 4:2:0 chroma cannot be cut or placed on odd columns, and crop and overlay
      // must agree to the pixel.
      const at = `2*floor((${x}+${w}*clip((t-${s(from)})/${s(Math.max(1 / fps, to - from))},0,1))/2)`;
      filters.push(
        `[${source}]crop=w=${w + 4}:h=${h}:x='${at}':y=${y},drawbox=x=0:y=${Math.round(h * 0.1)}:w=2:h=${Math.round(h * 0.8)}:color=${hex(INK)}:t=2:enable='gte(t,${s(from)})'[${source}w]`,
      );
      filters.push(`[${cur}][${source}w]overlay=x='${at}':y=${y}:eof_action=pass:enable='lt(t,${s(to)})'[${out}]`);
      cur = out;
    };
    L.lines.forEach((line, li) => wipe(textCovers[li]!, line.x, line.y - Math.round(L.lineHeight * 0.1), line.width, L.lineHeight, line.from, line.to));
    if (hasImage) {
      filters.push(`[e${si}c]${widen}[i${si}c]`);
      wipe(`i${si}c`, L.image!.x, L.image!.y, L.image!.w, L.image!.h, L.image!.from, L.image!.to);
    }

    // Captions: each chunk drawn once on its own dark plate, shown while its words are spoken.
    L.captions.forEach((c, ci) => {
      const out = next();
      const pad = Math.round(L.captionFontSize * 0.35);
      const w = Math.min(frame.width, Math.ceil(c.width) + 2 * pad);
      const h = Math.round(L.captionFontSize * 1.25) + pad;
      filters.push(
        `color=c=${hex(CAPTION_BOX)}:s=${w}x${h}:r=${fps}:d=${one},drawtext=fontfile=${font}:textfile=${filterValue(scene.captionFiles[ci]!)}:expansion=none:fontsize=${L.captionFontSize}:fontcolor=white:x=${pad}:y=${Math.round(pad * 0.8)}[cap${si}c${ci}]`,
      );
      filters.push(`[${cur}][cap${si}c${ci}]overlay=x=${Math.round((frame.width - w) / 2)}:y=${L.captionY - Math.round(pad * 0.8)}:eof_action=repeat:enable='gte(t,${s(c.from)})*lt(t,${s(c.to)})'[${out}]`);
      cur = out;
    });
    return cur;
  });

  const totalFrames = o.scenes.reduce((n, sc) => n + sc.frames, 0);
  const total = totalFrames / fps;
  filters.push(`${labels.map((l) => `[${l}]`).join('')}concat=n=${labels.length}:v=1:a=0,format=yuv420p,split=2[vout][vthumb]`);
  // The thumbnail: the first scene once its description is written (or near its end).
  const first = o.scenes[0]!;
  const written = Math.max(first.layout.lines.at(-1)?.to ?? 0, first.layout.image?.to ?? 0) + 0.1;
  const thumbAt = Math.min(written, (first.frames - 1) / fps);
  // One frame only: every frame let through would be converted to JPEG's full range for nothing.
  filters.push(`[vthumb]trim=start=${s(thumbAt)}:end=${s(thumbAt + 1.5 / fps)},setpts=PTS-STARTPTS[thumb]`);
  // The sound goes through the graph too, so FFmpeg pulls sound and pictures in step (an input read
  // directly lags the graph's own sources, and a long scene overflows the muxing queue).
  const withAudioFile = Boolean(o.output.audio) && narration >= 0;
  if (narration < 0) filters.push(`anullsrc=r=${AUDIO_RATE}:cl=mono,atrim=duration=${s(total)}[aout]`);
  else filters.push(`[${narration}:a]aresample=${AUDIO_RATE}${withAudioFile ? ',asplit=2[aout][afile]' : '[aout]'}`);
  const aac = ['-c:a', 'aac', '-b:a', '64k', '-ar', String(AUDIO_RATE), '-ac', '1'];

  const light = o.fidelity === 'light';
  const inputArgs = ['-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', ...inputs];
  const outputArgs = [
    '-map', '[vout]', '-map', '[aout]',
    '-c:v', 'libx264', '-preset', light ? 'ultrafast' : 'veryfast', '-crf', light ? '30' : '23', '-pix_fmt', 'yuv420p', '-r', String(fps), '-g', String(fps * 2),
    ...aac,
    '-t', s(total),
    '-movflags', '+faststart',
    o.output.video,
    ...(withAudioFile ? ['-map', '[afile]', ...aac, '-t', s(total), '-movflags', '+faststart', o.output.audio!] : []),
    '-map', '[thumb]', '-frames:v', '1', '-q:v', '4', o.output.thumbnail,
  ];
  return { inputArgs, graph: filters.join(';\n'), outputArgs, totalSeconds: total };
}
