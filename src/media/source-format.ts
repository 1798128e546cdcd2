// What a media source really is, decided before FFmpeg opens it for real. FFmpeg guesses formats
// from content, and some formats open other files: an HLS playlist opens its segments (file://
// ones pass a `file` protocol whitelist), a concat script its list, image2 a filename pattern.
// So the format is decided here, from the first bytes, against an allow-list per element kind;
// ffprobe then reads the file with that demuxer forced (and only the file protocol) and its
// streams must carry allowed codecs. The render opens the file with the same forced demuxer.
import { open, stat } from 'node:fs/promises';
import { probe } from './probe.ts';

export type MediaKind = 'image' | 'video' | 'audio';

interface Container {
  /** the FFmpeg demuxer forced with -f */
  demuxer: string;
  /** what to call it in messages */
  label: string;
  kinds: MediaKind[];
}

const PNG: Container = { demuxer: 'png_pipe', label: 'PNG', kinds: ['image'] };
const JPEG: Container = { demuxer: 'jpeg_pipe', label: 'JPEG', kinds: ['image'] };
const GIF: Container = { demuxer: 'gif', label: 'GIF', kinds: ['image'] };
const WEBP: Container = { demuxer: 'webp_pipe', label: 'WebP', kinds: ['image'] };
const MP4: Container = { demuxer: 'mov', label: 'MP4/MOV', kinds: ['video', 'audio'] };
const MATROSKA: Container = { demuxer: 'matroska', label: 'WebM/Matroska', kinds: ['video', 'audio'] };
const WAV: Container = { demuxer: 'wav', label: 'WAV', kinds: ['audio'] };
const MP3: Container = { demuxer: 'mp3', label: 'MP3', kinds: ['audio'] };
const AAC: Container = { demuxer: 'aac', label: 'AAC (ADTS)', kinds: ['audio'] };
const OGG: Container = { demuxer: 'ogg', label: 'Ogg', kinds: ['audio'] };
const FLAC: Container = { demuxer: 'flac', label: 'FLAC', kinds: ['audio'] };

/** Codecs accepted per stream type (what the movie script's elements need, nothing exotic). */
const VIDEO_CODECS = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'prores']);
const IMAGE_CODECS = new Set(['png', 'mjpeg', 'gif', 'webp']);
const AUDIO_CODECS = new Set(['aac', 'mp3', 'opus', 'vorbis', 'flac', 'alac', 'pcm_u8', 'pcm_s16le', 'pcm_s16be', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le', 'pcm_f64le']);

const ascii = (b: Buffer, from: number, to: number) => b.subarray(from, to).toString('latin1');

/** The container the first bytes announce, or what they are instead (for the refusal). */
export function sniff(head: Buffer): Container | { refused: string } {
  const text = ascii(head, 0, 64).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return PNG;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return JPEG;
  if (/^GIF8[79]a/.test(ascii(head, 0, 6))) return GIF;
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return WEBP;
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return WAV;
  if (['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(head, 4, 8))) return MP4;
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return MATROSKA;
  if (ascii(head, 0, 4) === 'OggS') return OGG;
  if (ascii(head, 0, 4) === 'fLaC') return FLAC;
  if (ascii(head, 0, 3) === 'ID3') return MP3;
  if (head[0] === 0xff && head[1] !== undefined) {
    if ((head[1] & 0xf6) === 0xf0) return AAC; // ADTS: 12 sync bits, layer 00
    if ((head[1] & 0xe0) === 0xe0 && ((head[1] >> 1) & 3) !== 0) return MP3; // MPEG audio frame
  }
  if (/^#EXTM3U/i.test(text)) return { refused: 'an HLS playlist' };
  if (/^ffconcat/i.test(text)) return { refused: 'an FFmpeg concat script' };
  if (/^<!doctype html|^<html/i.test(text)) return { refused: 'an HTML page' };
  if (/^<\?xml|^<MPD/i.test(text)) return { refused: 'an XML document (a DASH manifest?)' };
  return { refused: 'not a recognised media file' };
}

export interface InspectedSource {
  /** the demuxer the render must force for this file */
  demuxer: string;
  /** a video or audio source carries an audio stream of an allowed codec */
  hasAudio: boolean;
}

export type Inspection = ({ ok: true } & InspectedSource) | { ok: false; message: string };

export interface InspectOptions {
  timeoutMs?: number;
  /** largest picture (width × height) a source may have: decoding is what costs memory */
  maxPixels?: number;
  /**
   * the file outlives the job (a fixture): a usable verdict is kept for it, keyed by its size and
   * modification time. Each inspection runs ffprobe (tens of ms of CPU), and a batch of renders
   * uses the same few fixtures.
   */
  reusable?: boolean;
}

const verdicts = new Map<string, Inspection>();
const MAX_VERDICTS = 256;

const KIND_WORD: Record<MediaKind, string> = { image: 'an image', video: 'a video', audio: 'an audio file' };

/** Decide what the local file `path` is, for an element of `kind`; `name` is how messages call it. */
export async function inspectSource(path: string, kind: MediaKind, name: string, options: InspectOptions = {}): Promise<Inspection> {
  if (!options.reusable) return inspect(path, kind, name, options);
  const st = await stat(path).catch(() => undefined);
  if (!st) return inspect(path, kind, name, options);
  const key = `${kind}\0${options.maxPixels ?? ''}\0${st.size}\0${st.mtimeMs}\0${path}`;
  const kept = verdicts.get(key);
  if (kept) return kept;
  const verdict = await inspect(path, kind, name, options);
  // Only a usable verdict is kept: a refusal names the source as this job called it.
  if (verdict.ok) {
    if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(key, verdict);
  }
  return verdict;
}

async function inspect(path: string, kind: MediaKind, name: string, options: InspectOptions): Promise<Inspection> {
  const refuse = (why: string): Inspection => ({ ok: false, message: `Source ${name} is not usable as ${KIND_WORD[kind]}: ${why}` });
  let head: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.alloc(512);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return refuse('it cannot be read');
  }
  const container = sniff(head);
  if ('refused' in container) return refuse(`it is ${container.refused} (allowed: ${allowedFor(kind)})`);
  if (!container.kinds.includes(kind)) return refuse(`it is ${container.label} (allowed: ${allowedFor(kind)})`);
  let info;
  try {
    info = await probe(path, options.timeoutMs ?? 15_000, true, container.demuxer);
  } catch {
    return refuse(`it is not a readable ${container.label} file`);
  }
  const video = info.video;
  const audioCodec = info.audio?.codec;
  const audioOk = audioCodec !== undefined && AUDIO_CODECS.has(audioCodec);
  if (kind === 'image' || kind === 'video') {
    const codecs = kind === 'image' ? IMAGE_CODECS : VIDEO_CODECS;
    if (!video) return refuse(`its ${container.label} file holds no picture`);
    if (!codecs.has(video.codec)) return refuse(`its picture is ${video.codec}, not one of ${[...codecs].join(', ')}`);
    const max = options.maxPixels ?? 4096 * 4096;
    if (video.width * video.height > max) return refuse(`its picture is ${video.width}×${video.height}, more than ${max} pixels`);
    if (audioCodec !== undefined && !audioOk) return refuse(`its sound is ${audioCodec}, not one of ${[...AUDIO_CODECS].join(', ')}`);
    return { ok: true, demuxer: container.demuxer, hasAudio: kind === 'video' && audioOk };
  }
  if (!audioCodec) return refuse(`its ${container.label} file holds no sound`);
  if (!audioOk) return refuse(`its sound is ${audioCodec}, not one of ${[...AUDIO_CODECS].join(', ')}`);
  return { ok: true, demuxer: container.demuxer, hasAudio: true };
}

function allowedFor(kind: MediaKind): string {
  return [PNG, JPEG, GIF, WEBP, MP4, MATROSKA, WAV, MP3, AAC, OGG, FLAC].filter((c) => c.kinds.includes(kind)).map((c) => c.label).join(', ');
}
