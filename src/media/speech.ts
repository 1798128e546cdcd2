// narrate(text, voice): real speech from Flite, offline, as WAV/PCM with its duration and word
// timings taken from the audio itself. A Narrator owns its Flite child processes (nothing is
// shared across the process); long text is spoken in short pieces (Flite is unreliable on long
// inputs under node:wasi), each piece timed on its own voiced span.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLITE_VOICES, FliteFailure, FliteProcess, type FliteVoice } from './flite-process.ts';
import { asciiForSpeech, plainText, TextRefused } from './plain-text.ts';
import { durationOf, encodeWav, joinPcm, resample, voicedSpan, type Pcm } from './wav.ts';
import { spreadWords, wordsOf, type WordTiming } from './word-timing.ts';

export { FLITE_VOICES, type FliteVoice } from './flite-process.ts';
export type { WordTiming } from './word-timing.ts';

/** Output rate: Flite's own for awb/rms/slt (kal's 8 kHz is resampled up). */
export const SPEECH_SAMPLE_RATE = 16_000;
/** Characters per Flite run: well below the lengths that crash it, and a sentence or two. */
const PIECE_CHARS = 240;
/** A piece with nothing pronounceable (emoji, other scripts) still takes this long on screen. */
const UNSPOKEN_SECONDS = 0.4;

export type SpeechErrorCode = 'TEXT_REFUSED' | 'UNKNOWN_VOICE' | 'TIMEOUT' | 'CRASHED' | 'FAILED' | 'CANCELLED';

export class SpeechError extends Error {
  constructor(readonly code: SpeechErrorCode, message: string) {
    super(message);
  }
}

export interface Narration {
  /** the text as spoken and captioned (control characters removed, white space collapsed) */
  text: string;
  voice: FliteVoice;
  pcm: Pcm;
  /** a mono 16-bit RIFF/WAVE file of `pcm` */
  wav: Buffer;
  durationSeconds: number;
  /** each word of `text` with its time in the audio */
  words: WordTiming[];
}

export interface NarratorOptions {
  /** Flite child processes (syntheses at once); default: 2, or 1 on a single core */
  processes?: number;
  /** longest text one narrate() accepts, in characters; default 5000 */
  maxChars?: number;
  /** wall-clock limit per Flite run (a piece of ≤ 240 characters); default 20 s */
  pieceTimeoutMs?: number;
}

export interface NarrateOptions {
  signal?: AbortSignal;
  /** names the text in error messages; default "Speech" */
  what?: string;
}

export interface Narrator {
  narrate(text: string, voice: FliteVoice, options?: NarrateOptions): Promise<Narration>;
  /** Flite runs waiting or running, child processes started (restarts included), running children's ids, their scratch directory */
  stats(): { pending: number; spawned: number; pids: number[]; workDir?: string };
  /** Start the Flite children now instead of on the first narration (≈ 0.3 s each). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Words packed into pieces of at most `max` characters, breaking after sentences where possible. */
export function speechPieces(words: string[], max = PIECE_CHARS): string[][] {
  const pieces: string[][] = [];
  let current: string[] = [];
  let length = 0;
  const flush = () => {
    if (current.length) pieces.push(current);
    current = [];
    length = 0;
  };
  for (const raw of words) {
    // A "word" longer than a piece (a URL, a run of letters) is spoken in parts (captioned whole).
    for (let word = raw; word.length; word = word.slice(max)) {
      const part = word.slice(0, max);
      if (length && length + 1 + part.length > max) flush();
      current.push(part);
      length += (length ? 1 : 0) + part.length;
      // Prefer to end a piece at a sentence once it has some length: Flite phrases sentences anyway.
      if (/[.!?]["')\]]*$/.test(part) && length > max / 2) flush();
    }
  }
  flush();
  return pieces;
}

export function createNarrator(options: NarratorOptions = {}): Narrator {
  const maxChars = options.maxChars ?? 5000;
  const pieceTimeoutMs = options.pieceTimeoutMs ?? 20_000;
  const count = Math.max(1, Math.floor(options.processes ?? Math.min(2, availableParallelism())));
  let workDir: string | undefined;
  let processes: FliteProcess[] | undefined;
  let closed = false;
  // Children start on first use: a narrator that never speaks costs nothing.
  const pool = () => {
    if (!processes) {
      workDir = mkdtempSync(join(tmpdir(), 'flite-'));
      processes = Array.from({ length: count }, () => new FliteProcess({ workDir: workDir! }));
    }
    return processes;
  };

  return {
    stats: () => ({
      pending: processes?.reduce((n, p) => n + p.pending, 0) ?? 0,
      spawned: processes?.reduce((n, p) => n + p.spawned, 0) ?? 0,
      pids: (processes ?? []).flatMap((p) => (p.pid ? [p.pid] : [])),
      workDir,
    }),
    async warm() {
      await Promise.all(pool().map((p) => p.warm()));
    },
    async close() {
      closed = true;
      await Promise.all((processes ?? []).map((p) => p.close()));
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    },
    async narrate(text, voice, { signal, what = 'Speech' } = {}) {
      if (closed) throw new SpeechError('FAILED', 'The narrator is closed');
      if (!FLITE_VOICES.includes(voice)) throw new SpeechError('UNKNOWN_VOICE', `Unknown voice ${JSON.stringify(voice)}: the voices are ${FLITE_VOICES.join(', ')}`);
      let clean: string;
      try {
        clean = plainText(text, { what, maxChars });
      } catch (err) {
        if (err instanceof TextRefused) throw new SpeechError('TEXT_REFUSED', err.message);
        throw err;
      }
      const words = wordsOf(clean);
      if (!words.length) throw new SpeechError('TEXT_REFUSED', `${what} is empty: there is nothing to say`);
      // Pieces go to the least busy child each, so one long text uses every child; they are put
      // back in order afterwards.
      const children = pool();
      const audio = await Promise.all(
        speechPieces(words).map(async (piece) => {
          const spoken = asciiForSpeech(piece.join(' '));
          if (!/[A-Za-z0-9]/.test(spoken)) {
            return { piece, pcm: { samples: new Int16Array(Math.round(UNSPOKEN_SECONDS * SPEECH_SAMPLE_RATE)), sampleRate: SPEECH_SAMPLE_RATE } };
          }
          const flite = children.reduce((a, b) => (b.pending < a.pending ? b : a));
          try {
            return { piece, pcm: resample(await flite.synthesize(voice, spoken, pieceTimeoutMs, signal), SPEECH_SAMPLE_RATE) };
          } catch (err) {
            if (!(err instanceof FliteFailure)) throw new SpeechError('FAILED', `Speech synthesis failed: ${(err as Error).message}`);
            const code = ({ timeout: 'TIMEOUT', crashed: 'CRASHED', failed: 'FAILED', cancelled: 'CANCELLED' } as const)[err.reason];
            throw new SpeechError(code, err.message);
          }
        }),
      );
      const parts: Pcm[] = [];
      const timings: WordTiming[] = [];
      let offset = 0;
      for (const { piece, pcm } of audio) {
        const span = voicedSpan(pcm);
        timings.push(...spreadWords(piece, offset + span.start, offset + span.end));
        parts.push(pcm);
        offset += durationOf(pcm);
      }
      // A word cut into parts (longer than a piece) is captioned once, over all its parts.
      const merged = mergeCutWords(words, timings);
      const pcm = joinPcm(parts, SPEECH_SAMPLE_RATE);
      return { text: clean, voice, pcm, wav: encodeWav(pcm), durationSeconds: durationOf(pcm), words: merged };
    },
  };
}

function mergeCutWords(words: string[], timings: WordTiming[]): WordTiming[] {
  const out: WordTiming[] = [];
  let t = 0;
  for (const word of words) {
    const first = timings[t]!;
    let end = first.end;
    for (let covered = first.word.length; covered < word.length; covered += timings[t]!.word.length) end = timings[++t]!.end;
    t++;
    out.push({ word, start: first.start, end });
  }
  return out;
}

/** One-off narration: starts a Flite process, speaks, stops it. Prefer a Narrator for many calls. */
export async function narrate(text: string, voice: FliteVoice, options: NarrateOptions & NarratorOptions = {}): Promise<Narration> {
  const narrator = createNarrator({ ...options, processes: 1 });
  try {
    return await narrator.narrate(text, voice, options);
  } finally {
    await narrator.close();
  }
}
