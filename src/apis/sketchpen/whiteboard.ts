// renderWhiteboard(video): a stored Sketchpen video → a narrated whiteboard MP4, its narration as
// a separate M4A, a JPEG thumbnail, and captions timed from the real audio. Speech first (the
// audio decides every scene's length), then one FFmpeg process for everything else. Never throws
// for bad input: a failure comes back with a VideoError code and a message for the client.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNarrator, SpeechError, SPEECH_SAMPLE_RATE, type FliteVoice, type Narration, type Narrator } from '../../media/speech.ts';
import { plainText, TextRefused } from '../../media/plain-text.ts';
import { imageInfo } from '../../media/image-size.ts';
import { measureFont } from '../../media/text-width.ts';
import { encodeWav } from '../../media/wav.ts';
import { readingSeconds, spreadWords, wordsOf, type WordTiming } from '../../media/word-timing.ts';
import { filterScriptArgs } from '../../media/filter-script.ts';
import { FONT_FILE } from '../../media/fonts.ts';
import { meaningfulLine, runFfmpeg } from '../../media/ffmpeg.ts';
import { probe } from '../../media/probe.ts';
import { resolveSource } from '../../media/sources.ts';
import { FIXTURES_DIR } from '../../paths.ts';
import { fliteVoiceFor, SPEAKER_ROTATION, UnknownVoice } from './voices.ts';
import { buildWhiteboardGraph, type GraphScene } from './whiteboard-graph.ts';
import { frameOf, layoutScene } from './whiteboard-layout.ts';
import type { AspectRatio, Fidelity, RenderedScene, WhiteboardErrorCode, WhiteboardResult, WhiteboardVideo } from './whiteboard-video.ts';

export type * from './whiteboard-video.ts';

/** Bounds, from openapi/sketchpen.yaml where it has them (Video.scenes maxItems, SceneUpdate maxLength). */
export const WHITEBOARD_LIMITS = {
  scenes: 40,
  speechChars: 2000,
  descriptionChars: 2000,
  /** all scenes' speech together (≈ 25 minutes of narration) */
  totalSpeechChars: 20_000,
  /** the finished video */
  seconds: 1800,
  imageBytes: 20 * 1024 * 1024,
} as const;

const ASPECTS: readonly AspectRatio[] = ['16:9', '9:16', '1:1'];
/** The video id names the output files, so it must not be able to name a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface WhiteboardRendererOptions {
  outputDir: string;
  fidelity?: Fidelity;
  /** a narrator to share (not closed by close()); by default the renderer makes its own */
  narrator?: Narrator;
  /** kill FFmpeg after this long (default 120 s) */
  ffmpegTimeoutMs?: number;
  /** for image_url: fixtures/ paths and guarded http(s) downloads, as for PhantomFlow sources */
  fixturesDir?: string;
  fetch?: { timeoutMs?: number; allowHosts?: readonly string[] };
  /** address-space cap of the FFmpeg process (bytes, via prlimit where it exists), as for PhantomFlow */
  memoryLimitBytes?: number;
}

export interface WhiteboardRenderOptions {
  /** names the output files; default the video id */
  jobId?: string;
  fidelity?: Fidelity;
  signal?: AbortSignal;
  /** a speaker asset's Sketchpen voice_id (multi_voice); unknown speakers get distinct voices */
  voiceOf?: (assetId: string) => string | null | undefined;
  onProgress?: (percent: number) => void;
}

export interface WhiteboardRenderer {
  renderWhiteboard(video: WhiteboardVideo, options?: WhiteboardRenderOptions): Promise<WhiteboardResult>;
  close(): Promise<void>;
}

export class Refused extends Error {
  constructor(readonly code: WhiteboardErrorCode, message: string) {
    super(message);
  }
}

export interface PreparedScene {
  id?: string;
  speech: string;
  description: string;
  voice: FliteVoice | null;
  imageSrc?: { path?: string; url?: string };
}

export function createWhiteboardRenderer(options: WhiteboardRendererOptions): WhiteboardRenderer {
  const narrator = options.narrator ?? createNarrator();
  // No limit of its own: the job engine's work semaphore decides how many renders run at once.
  const measure = measureFont(FONT_FILE);
  const timeoutMs = options.ffmpegTimeoutMs ?? 120_000;

  async function render(video: WhiteboardVideo, o: WhiteboardRenderOptions = {}): Promise<WhiteboardResult> {
    const t0 = performance.now();
    const jobId = o.jobId ?? video?.id;
    let tmp: string | undefined;
    // Files FFmpeg may have started; a failed render removes them (no half-written MP4 left behind).
    let outputs: string[] = [];
    try {
      if (typeof jobId !== 'string' || !SAFE_ID.test(jobId)) throw new Refused('INTERNAL_ERROR', 'Invalid video: its id must be 1–128 letters, digits, "-" or "_"');
      const config = video.config ?? {};
      const aspect = config.aspect_ratio ?? '16:9';
      const fps = config.fps ?? 24;
      const audioMode = config.audio_mode ?? 'single';
      const bgMode = config.bg_mode ?? 'white';
      if (!ASPECTS.includes(aspect)) throw new Refused('INTERNAL_ERROR', `Invalid video: aspect_ratio ${JSON.stringify(aspect)} is not one of ${ASPECTS.join(', ')}`);
      if (!Number.isInteger(fps) || fps < 1 || fps > 60) throw new Refused('INTERNAL_ERROR', `Invalid video: fps must be a whole number from 1 to 60, not ${JSON.stringify(fps)}`);
      if (!['none', 'single', 'multi_voice'].includes(audioMode)) throw new Refused('INTERNAL_ERROR', `Invalid video: audio_mode ${JSON.stringify(audioMode)}`);
      if (!['white', 'dynamic'].includes(bgMode)) throw new Refused('INTERNAL_ERROR', `Invalid video: bg_mode ${JSON.stringify(bgMode)}`);
      const scenes = prepareScenes(video, audioMode, o.voiceOf);
      const fidelity = o.fidelity ?? options.fidelity ?? 'light';
      const frame = frameOf(aspect, fps, fidelity);

      await mkdir(options.outputDir, { recursive: true });
      tmp = await mkdtemp(join(options.outputDir, `.wb-${jobId}-`));
      const dir = tmp;

      // Speech (the slow part) and images at the same time.
      const tSpeech = performance.now();
      const [timed, images] = await Promise.all([
        Promise.all(scenes.map((scene, i) => timeScene(scene, i, o.signal))),
        Promise.all(scenes.map((scene, i) => localImage(scene, i, dir))),
      ]);
      const speechMs = performance.now() - tSpeech;

      // Whole frames on the cumulative timeline: many scenes do not drift from their audio.
      // The last scene ends on the frame after its narration, so no sound is cut at the end.
      let elapsed = 0;
      let startFrame = 0;
      const slotsOf = timed.map((t, i) => {
        elapsed += t.duration;
        const end = i === timed.length - 1 ? Math.ceil(elapsed * fps - 1e-6) : Math.round(elapsed * fps);
        const frames = Math.max(1, end - startFrame);
        const slot = { startFrame, frames };
        startFrame += frames;
        return slot;
      });
      const totalSeconds = startFrame / fps;
      if (totalSeconds > WHITEBOARD_LIMITS.seconds) throw new Refused('INTERNAL_ERROR', `The video would be ${Math.round(totalSeconds)} s long; at most ${WHITEBOARD_LIMITS.seconds} s can be rendered`);

      let narrationFile: string | undefined;
      if (audioMode !== 'none') {
        narrationFile = join(dir, 'narration.wav');
        await writeFile(narrationFile, encodeWav(timeline(timed.map((t) => t.narration!), slotsOf, fps)));
      }

      const graphScenes: GraphScene[] = [];
      for (const [i, scene] of scenes.entries()) {
        const t = timed[i]!;
        const duration = slotsOf[i]!.frames / fps;
        const layout = layoutScene(
          { index: i, description: scene.description, duration, speech: t.span, captions: t.captions, image: images[i], bgMode },
          frame,
          measure,
        );
        const lineFiles = await Promise.all(layout.lines.map((l, li) => textFile(dir, `s${i}-l${li}.txt`, l.text)));
        const captionFiles = await Promise.all(layout.captions.map((c, ci) => textFile(dir, `s${i}-c${ci}.txt`, c.text)));
        graphScenes.push({ layout, frames: slotsOf[i]!.frames, imageFile: images[i]?.file, lineFiles, captionFiles });
      }

      const output = {
        video: join(options.outputDir, `${jobId}.mp4`),
        audio: audioMode === 'none' ? undefined : join(options.outputDir, `${jobId}.m4a`),
        thumbnail: join(options.outputDir, `${jobId}.jpg`),
      };
      // A re-render without audio must not leave an older narration behind.
      if (!output.audio) await rm(join(options.outputDir, `${jobId}.m4a`), { force: true });
      const built = buildWhiteboardGraph({ frame, fidelity, scenes: graphScenes, narrationFile, output });
      const args = [...built.inputArgs, ...(await filterScriptArgs(join(dir, 'graph.txt'), built.graph)), ...built.outputArgs];

      if (o.signal?.aborted) throw new Refused('INTERNAL_ERROR', 'The render was cancelled');
      const tFfmpeg = performance.now();
      outputs = [output.video, output.thumbnail, ...(output.audio ? [output.audio] : [])];
      const run = await runFfmpeg(args, {
        timeoutMs,
        memoryLimitBytes: options.memoryLimitBytes,
        signal: o.signal,
        onStdout: (chunk) => {
          const m = /out_time_(?:us|ms)=(\d+)/.exec(chunk);
          if (m && totalSeconds > 0) o.onProgress?.(Math.min(99, (Number(m[1]) / 1e6 / totalSeconds) * 100));
        },
      });
      const ffmpegMs = performance.now() - tFfmpeg;
      if (run.timedOut) throw new Refused('RENDER_TIMEOUT', `The render was stopped after ${timeoutMs} ms without finishing`);
      if (run.aborted) throw new Refused('INTERNAL_ERROR', 'The render was cancelled');
      if (run.code !== 0) throw new Refused('INTERNAL_ERROR', `FFmpeg exited with code ${run.code}: ${meaningfulLine(run.stderr).replaceAll(dir, '<job>')}`);
      const [info, size] = await Promise.all([probe(output.video), stat(output.video)]);
      o.onProgress?.(100);
      let start = 0;
      const rendered: RenderedScene[] = scenes.map((scene, i) => {
        const duration = slotsOf[i]!.frames / fps;
        const r = { id: scene.id, start: round3(start), duration: round3(duration), voice: scene.voice, captions: timed[i]!.captions };
        start += duration;
        return r;
      });
      return {
        ok: true,
        video: output.video,
        audio: output.audio ?? null,
        thumbnail: output.thumbnail,
        durationSeconds: info.durationSeconds,
        width: info.video?.width ?? frame.width,
        height: info.video?.height ?? frame.height,
        fps,
        bytes: size.size,
        scenes: rendered,
        timings: { speechMs: Math.round(speechMs), ffmpegMs: Math.round(ffmpegMs), totalMs: Math.round(performance.now() - t0) },
      };
    } catch (err) {
      await Promise.all(outputs.map((f) => rm(f, { force: true })));
      if (err instanceof Refused) return { ok: false, error: { code: err.code, message: err.message } };
      return { ok: false, error: { code: 'INTERNAL_ERROR', message: `The render could not run: ${(err as Error).message}` } };
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }

  /** The narration of one scene (or, without audio, its reading time) and its captions. */
  async function timeScene(scene: PreparedScene, i: number, signal?: AbortSignal): Promise<{ duration: number; span: { start: number; end: number }; captions: WordTiming[]; narration?: Narration }> {
    if (!scene.voice) {
      const words = wordsOf(scene.speech);
      const duration = words.length ? readingSeconds(words) : 2;
      const captions = spreadWords(words, 0.3, duration - 0.3);
      return { duration, span: { start: 0.3, end: duration - 0.3 }, captions };
    }
    let narration: Narration;
    try {
      narration = await narrator.narrate(scene.speech, scene.voice, { signal, what: `Scene ${i + 1}'s speech` });
    } catch (err) {
      if (err instanceof SpeechError) throw new Refused(err.code === 'CANCELLED' ? 'INTERNAL_ERROR' : 'AUDIO_GENERATION_ERROR', `Scene ${i + 1}: ${err.message}`);
      throw err;
    }
    const words = narration.words;
    const span = words.length ? { start: words[0]!.start, end: words[words.length - 1]!.end } : { start: 0, end: narration.durationSeconds };
    return { duration: narration.durationSeconds, span, captions: words, narration };
  }

  /** The scene's image as a local PNG/JPEG in the job's directory, or undefined when it has none. */
  async function localImage(scene: PreparedScene, i: number, dir: string): Promise<{ file: string; width: number; height: number } | undefined> {
    const src = scene.imageSrc;
    if (!src) return undefined;
    const what = `Scene ${i + 1}'s image`;
    let path = src.path;
    if (!path) {
      const r = await resolveSource(src.url!, `download-${i}`, {
        fixturesDir: options.fixturesDir ?? FIXTURES_DIR,
        tmpDir: dir,
        timeoutMs: options.fetch?.timeoutMs ?? 15_000,
        maxBytes: WHITEBOARD_LIMITS.imageBytes,
        allowHosts: options.fetch?.allowHosts,
      });
      if (!r.ok) throw new Refused('IMAGE_GENERATION_ERROR', `${what}: ${r.message}`);
      path = r.path;
    }
    let bytes: Buffer;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a file');
      if (info.size > WHITEBOARD_LIMITS.imageBytes) throw new Refused('IMAGE_GENERATION_ERROR', `${what} is larger than ${WHITEBOARD_LIMITS.imageBytes} bytes`);
      bytes = await readFile(path);
    } catch (err) {
      if (err instanceof Refused) throw err;
      throw new Refused('IMAGE_GENERATION_ERROR', `${what} could not be read`);
    }
    // Only real PNG or JPEG bytes reach FFmpeg, under a name of ours (no image2 patterns, no odd paths).
    const info = imageInfo(bytes);
    if (!info) throw new Refused('IMAGE_GENERATION_ERROR', `${what} is not a PNG or JPEG file`);
    const file = join(dir, `image-${i}.${info.type === 'png' ? 'png' : 'jpg'}`);
    await writeFile(file, bytes);
    return { file, width: info.width, height: info.height };
  }

  return {
    renderWhiteboard: render,
    async close() {
      if (!options.narrator) await narrator.close();
    },
  };
}

/** Texts cleaned and bounded, a voice per scene (none, the narrator's, or its speaker's). */
export function prepareScenes(video: WhiteboardVideo, audioMode: string, voiceOf?: (assetId: string) => string | null | undefined): PreparedScene[] {
  if (!video || !Array.isArray(video.scenes) || video.scenes.length === 0) throw new Refused('INTERNAL_ERROR', 'Invalid video: it has no scenes to render');
  if (video.scenes.length > WHITEBOARD_LIMITS.scenes) throw new Refused('INTERNAL_ERROR', `Invalid video: ${video.scenes.length} scenes; at most ${WHITEBOARD_LIMITS.scenes}`);
  const config = video.config ?? {};
  const speakers = Array.isArray(config.speaker_ids) ? config.speaker_ids.filter((s): s is string => typeof s === 'string') : [];
  let narrator: FliteVoice | null = null;
  const speakerVoice = new Map<string, FliteVoice>();
  try {
    if (audioMode !== 'none') narrator = fliteVoiceFor(config.voice_id);
    if (audioMode === 'multi_voice') {
      speakers.forEach((id, k) => {
        const own = voiceOf?.(id);
        speakerVoice.set(id, own ? fliteVoiceFor(own) : SPEAKER_ROTATION[k % SPEAKER_ROTATION.length]!);
      });
    }
  } catch (err) {
    if (err instanceof UnknownVoice) throw new Refused('AUDIO_GENERATION_ERROR', err.message);
    throw err;
  }
  let totalSpeech = 0;
  const scenes = video.scenes.map((scene, i) => {
    const what = `Scene ${i + 1}'s`;
    // Speech that cannot be narrated fails the narration; a bad description, the video itself.
    const speech = cleaned('AUDIO_GENERATION_ERROR', () => plainText(scene?.speech, { what: `${what} speech`, maxChars: WHITEBOARD_LIMITS.speechChars }));
    const description = cleaned('INTERNAL_ERROR', () =>
      plainText(scene?.visual_description, { what: `${what} visual_description`, maxChars: WHITEBOARD_LIMITS.descriptionChars, keepNewlines: true }),
    );
    if (audioMode !== 'none' && !speech) throw new Refused('AUDIO_GENERATION_ERROR', `${what} speech is empty: there is nothing to say`);
    totalSpeech += speech.length;
    let voice = narrator;
    if (audioMode === 'multi_voice' && speakers.length) {
      // The first speaker who appears in the scene says it; otherwise the speakers take turns.
      const present = (Array.isArray(scene.assets) ? scene.assets : []).find((a) => speakerVoice.has(a));
      voice = speakerVoice.get(present ?? speakers[i % speakers.length]!)!;
    }
    const imagePath = typeof scene.image_path === 'string' && scene.image_path ? scene.image_path : undefined;
    const imageUrl = typeof scene.image_url === 'string' && scene.image_url ? scene.image_url : undefined;
    return {
      id: typeof scene.id === 'string' ? scene.id : undefined,
      speech,
      description,
      voice,
      imageSrc: imagePath || imageUrl ? { path: imagePath, url: imageUrl } : undefined,
    };
  });
  if (totalSpeech > WHITEBOARD_LIMITS.totalSpeechChars) {
    throw new Refused('AUDIO_GENERATION_ERROR', `The video's speech is ${totalSpeech} characters long; at most ${WHITEBOARD_LIMITS.totalSpeechChars} can be narrated`);
  }
  return scenes;
}

function cleaned(code: WhiteboardErrorCode, clean: () => string): string {
  try {
    return clean();
  } catch (err) {
    if (err instanceof TextRefused) throw new Refused(code, err.message);
    throw err;
  }
}

/**
 * Every scene's narration from the start of its slot. A narration up to half a frame longer than
 * its slot (frame rounding) runs on into the next one, mixed: that tail is Flite's trailing
 * silence at any usual frame rate, and nothing is cut.
 */
function timeline(narrations: Narration[], slots: { startFrame: number; frames: number }[], fps: number) {
  const at = (frame: number) => Math.round((frame / fps) * SPEECH_SAMPLE_RATE);
  const last = slots[slots.length - 1]!;
  const mix = new Int32Array(at(last.startFrame + last.frames));
  narrations.forEach((n, i) => {
    const from = at(slots[i]!.startFrame);
    const samples = n.pcm.samples.subarray(0, mix.length - from);
    for (let k = 0; k < samples.length; k++) mix[from + k]! += samples[k]!;
  });
  const samples = new Int16Array(mix.length);
  for (let k = 0; k < mix.length; k++) samples[k] = Math.max(-32768, Math.min(32767, mix[k]!));
  return { samples, sampleRate: SPEECH_SAMPLE_RATE };
}

async function textFile(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, 'utf8');
  return path;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
