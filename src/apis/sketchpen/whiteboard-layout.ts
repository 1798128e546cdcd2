// Where things go on one whiteboard scene and when they are drawn: the frame size for an aspect
// ratio, the description wrapped to its column (shrunk to fit), the image box, caption chunks.
// Pure arithmetic; the graph module turns it into filters.
import { wrapText, type TextMeasure } from '../../media/text-width.ts';
import type { WordTiming } from '../../media/word-timing.ts';
import type { AspectRatio, BgMode, Fidelity } from './whiteboard-video.ts';

/** Light fidelity: the long side at most this many pixels. */
export const LIGHT_LONG_SIDE = 640;
const REQUESTED: Record<AspectRatio, [number, number]> = { '16:9': [1920, 1080], '9:16': [1080, 1920], '1:1': [1080, 1080] };

/** Pastel boards for bg_mode dynamic, one per scene in turn; white otherwise. */
export const DYNAMIC_BOARDS = ['#fef3c7', '#dbeafe', '#dcfce7', '#fce7f3', '#ede9fe', '#ffedd5'] as const;
export const INK = '#1f2937';
export const BORDER = '#cbd5e1';
export const CAPTION_BOX = '#111827';

export interface Frame {
  width: number;
  height: number;
  fps: number;
}

export function frameOf(aspect: AspectRatio, fps: number, fidelity: Fidelity): Frame {
  const [w, h] = REQUESTED[aspect];
  const scale = fidelity === 'light' ? LIGHT_LONG_SIDE / Math.max(w, h) : 1;
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(w * scale), height: even(h * scale), fps };
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextLine {
  text: string;
  x: number;
  y: number;
  /** measured width in pixels (the wipe covers exactly this) */
  width: number;
  /** seconds into the scene the pen starts and finishes the line */
  from: number;
  to: number;
}

export interface CaptionChunk {
  text: string;
  /** measured width in pixels */
  width: number;
  from: number;
  to: number;
}

export interface SceneLayout {
  board: string;
  margin: number;
  fontSize: number;
  lineHeight: number;
  lines: TextLine[];
  image?: Box & { from: number; to: number };
  captionFontSize: number;
  /** top of the caption text */
  captionY: number;
  captions: CaptionChunk[];
}

export interface SceneInput {
  index: number;
  description: string;
  /** scene length in seconds (whole frames) */
  duration: number;
  /** when the voice is heard (or, without audio, the reading window), in scene seconds */
  speech: { start: number; end: number };
  captions: WordTiming[];
  /** the scene image's pixel size, when it has one */
  image?: { width: number; height: number };
  bgMode: BgMode;
}

const round = (n: number) => Math.round(n);
const ELLIPSIS = '\u2026';

export function layoutScene(input: SceneInput, frame: Frame, measure: TextMeasure): SceneLayout {
  const { width: W, height: H } = frame;
  const short = Math.min(W, H);
  const margin = round(short * 0.06);
  const captionFontSize = Math.max(10, round(short * 0.05));
  const captionBand = round(captionFontSize * 2.2);
  const captionY = H - margin - round(captionFontSize * 1.3);

  // Content: everything above the caption band, inside the margins.
  const content: Box = { x: margin, y: margin, w: W - 2 * margin, h: H - 2 * margin - captionBand };
  const gap = round(margin / 2);
  let textBox = content;
  let imageBox: Box | undefined;
  if (input.image) {
    if (W > H) {
      // Landscape: image on the right, text on the left.
      const iw = round(content.w * 0.42);
      imageBox = { x: content.x + content.w - iw, y: content.y, w: iw, h: content.h };
      textBox = { ...content, w: content.w - iw - gap };
    } else {
      // Portrait and square: image on top, text below.
      const ih = round(content.h * (W === H ? 0.42 : 0.45));
      imageBox = { ...content, h: ih };
      textBox = { ...content, y: content.y + ih + gap, h: content.h - ih - gap };
    }
  }

  // The largest font (down to a floor) at which the description fits its box; past the floor the
  // text is cut with an ellipsis.
  let fontSize = Math.max(12, round(short * 0.075));
  const floor = Math.max(10, round(short * 0.035));
  let wrapped: string[] = [];
  let lineHeight = 0;
  for (;;) {
    lineHeight = round(fontSize * 1.35);
    wrapped = wrapText(input.description, textBox.w, fontSize, measure);
    if (wrapped.length * lineHeight <= textBox.h || fontSize <= floor) break;
    fontSize = Math.max(floor, Math.floor(fontSize * 0.9));
  }
  const fit = Math.max(1, Math.floor(textBox.h / lineHeight));
  if (wrapped.length > fit) {
    wrapped = wrapped.slice(0, fit);
    let last = wrapped[fit - 1]!;
    while (last && measure.width(last + ELLIPSIS, fontSize) > textBox.w) last = [...last].slice(0, -1).join('');
    wrapped[fit - 1] = last.trimEnd() + ELLIPSIS;
  }

  // The pen draws while the voice speaks: lines in order, each for a share of 85 % of the speech
  // proportional to its width, so the board is complete before the scene ends.
  const drawn = wrapped.map((text, i) => ({ text, i, width: measure.width(text, fontSize) })).filter((l) => l.text.length > 0);
  const penStart = input.speech.start;
  const penTime = Math.max(0.2, (input.speech.end - input.speech.start) * 0.85);
  const inkTotal = drawn.reduce((s, l) => s + l.width, 0) || 1;
  let t = penStart;
  const lines: TextLine[] = drawn.map((l) => {
    const share = (penTime * l.width) / inkTotal;
    const line = { text: l.text, x: textBox.x, y: textBox.y + l.i * lineHeight, width: Math.ceil(l.width) + 2, from: t, to: t + share };
    t += share;
    return line;
  });

  // The image fitted (up or down) into its box, centred; revealed in the first part of the scene.
  let image: SceneLayout['image'];
  if (imageBox && input.image) {
    const scale = Math.min(imageBox.w / input.image.width, imageBox.h / input.image.height);
    const w = Math.max(2, Math.floor((input.image.width * scale) / 2) * 2);
    const h = Math.max(2, Math.floor((input.image.height * scale) / 2) * 2);
    image = { x: imageBox.x + round((imageBox.w - w) / 2), y: imageBox.y + round((imageBox.h - h) / 2), w, h, from: 0, to: Math.min(input.duration * 0.3, 1.2) };
  }
  return {
    board: input.bgMode === 'dynamic' ? DYNAMIC_BOARDS[input.index % DYNAMIC_BOARDS.length]! : '#ffffff',
    margin,
    fontSize,
    lineHeight,
    lines,
    image,
    captionFontSize,
    captionY,
    captions: captionChunks(input.captions, W - 2 * margin - captionFontSize, captionFontSize, input.duration, measure),
  };
}

/**
 * Words grouped into one-line captions (at most 7 words), each shown from its first word to its
 * last; a short gap before the next chunk is bridged so captions do not flicker.
 */
export function captionChunks(words: WordTiming[], maxWidth: number, fontSize: number, duration: number, measure: TextMeasure): CaptionChunk[] {
  const chunks: { words: WordTiming[] }[] = [];
  let current: WordTiming[] = [];
  for (const w of words) {
    const text = [...current, w].map((x) => x.word).join(' ');
    if (current.length && (current.length >= 7 || measure.width(text, fontSize) > maxWidth)) {
      chunks.push({ words: current });
      current = [];
    }
    current.push(w);
    // A sentence ends a caption.
    if (/[.!?]["')\]]*$/.test(w.word)) {
      chunks.push({ words: current });
      current = [];
    }
  }
  if (current.length) chunks.push({ words: current });
  return chunks.map((c, i) => {
    const from = c.words[0]!.start;
    const next = chunks[i + 1]?.words[0]!.start;
    let to = c.words[c.words.length - 1]!.end;
    if (next !== undefined && next - to < 0.35) to = next;
    // An over-long word is cut to fit the line.
    let text = c.words.map((w) => w.word).join(' ');
    while ([...text].length > 1 && measure.width(text, fontSize) > maxWidth) text = [...text].slice(0, -2).join('') + ELLIPSIS;
    return { text, width: measure.width(text, fontSize), from, to: Math.min(Math.max(to, from + 0.2), duration) };
  });
}
