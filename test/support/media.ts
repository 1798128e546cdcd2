// Looking at real media output in tests: frames as pixels, audio loudness and pitch, MP4 box order.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';

export interface Frame {
  width: number;
  height: number;
  /** [r, g, b] at (x, y) */
  rgb(x: number, y: number): [number, number, number];
  /** pixels in the box whose luma is below `below` (ink, caption boxes) */
  dark(box: Box, below?: number): number;
  /** mean absolute difference per channel against another frame, inside the box */
  diff(other: Frame, box: Box): number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

let n = 0;
/** The frame shown at `t` seconds, decoded to rgb24. */
export async function frameAt(file: string, t: number, width: number, height: number, scratch: string): Promise<Frame> {
  const raw = join(scratch, `frame-${process.pid}-${n++}.rgb`);
  const r = await runFfmpeg(['-y', '-loglevel', 'error', '-ss', t.toFixed(3), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw]);
  if (r.code !== 0) throw new Error(`frame at ${t}: ${r.stderr}`);
  const bytes = readFileSync(raw);
  rmSync(raw);
  if (bytes.length !== width * height * 3) throw new Error(`frame at ${t}: ${bytes.length} bytes, expected ${width}x${height}`);
  const rgb = (x: number, y: number): [number, number, number] => {
    const i = (y * width + x) * 3;
    return [bytes[i]!, bytes[i + 1]!, bytes[i + 2]!];
  };
  const each = (box: Box, f: (x: number, y: number) => void) => {
    for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) f(x, y);
  };
  return {
    width,
    height,
    rgb,
    dark(box, below = 110) {
      let count = 0;
      each(box, (x, y) => {
        const [r, g, b] = rgb(x, y);
        if (0.299 * r + 0.587 * g + 0.114 * b < below) count++;
      });
      return count;
    },
    diff(other, box) {
      let sum = 0;
      each(box, (x, y) => {
        const a = rgb(x, y);
        const b = other.rgb(x, y);
        sum += Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
      });
      return sum / (box.w * box.h * 3);
    },
  };
}

/** Mean volume in dB of a file's audio (optionally between two times), from FFmpeg's volumedetect. */
export async function meanVolume(file: string, from?: number, to?: number): Promise<number> {
  const trim = from !== undefined ? `atrim=${from}:${to},` : '';
  const r = await runFfmpeg(['-loglevel', 'info', '-i', file, '-vn', '-af', `${trim}volumedetect`, '-f', 'null', '-']);
  const m = /mean_volume: (-?[\d.]+) dB/.exec(r.stderr);
  if (!m) throw new Error(`no volumedetect output: ${r.stderr.slice(-300)}`);
  return Number(m[1]);
}

/** The audio decoded to mono 16-bit samples at `rate` Hz (optionally a time window). */
export async function decodeAudio(file: string, scratch: string, rate = 16000, from?: number, to?: number): Promise<Int16Array> {
  const raw = join(scratch, `audio-${process.pid}-${n++}.raw`);
  const window = from !== undefined ? ['-ss', String(from), '-to', String(to)] : [];
  const r = await runFfmpeg(['-y', '-loglevel', 'error', '-i', file, ...window, '-vn', '-ac', '1', '-ar', String(rate), '-f', 's16le', raw]);
  if (r.code !== 0) throw new Error(`decode: ${r.stderr}`);
  const bytes = readFileSync(raw);
  rmSync(raw);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
}

/**
 * Median fundamental frequency (Hz) of the voiced 40 ms frames, by autocorrelation over 70–400 Hz:
 * enough to tell a female from a male synthetic voice.
 */
export function medianPitch(samples: Int16Array, rate: number): number {
  const frame = Math.round(rate * 0.04);
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 70);
  const pitches: number[] = [];
  for (let start = 0; start + frame + maxLag < samples.length; start += frame) {
    let energy = 0;
    for (let i = 0; i < frame; i++) energy += samples[start + i]! ** 2;
    if (Math.sqrt(energy / frame) < 1500) continue; // silence or noise
    let best = 0;
    let bestLag = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let c = 0;
      for (let i = 0; i < frame; i++) c += samples[start + i]! * samples[start + i + lag]!;
      if (c > best) {
        best = c;
        bestLag = lag;
      }
    }
    if (best > 0.3 * energy && bestLag) pitches.push(rate / bestLag);
  }
  pitches.sort((a, b) => a - b);
  return pitches.length ? pitches[Math.floor(pitches.length / 2)]! : 0;
}

/** Top-level MP4 box types in file order (ftyp, moov, mdat, …). */
export function topLevelBoxes(file: string): string[] {
  const bytes = readFileSync(file);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length && boxes.length < 50; ) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    if (size === 0) size = bytes.length - at;
    if (size < 8) break;
    boxes.push(type);
    at += size;
  }
  return boxes;
}
