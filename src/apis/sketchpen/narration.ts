// The narrating stage's speech: every scene spoken with the voice the render will use (the
// renderer's own prepareScenes decides text and voice), its captions re-timed from the real
// audio. The narrations are kept in a small cache the renderer's narrator reads first, so the
// rendering stage does not synthesise the same speech twice, and the visualising stage can speak
// ahead while FFmpeg draws.
import { SpeechError, type FliteVoice, type Narration, type Narrator } from '../../media/speech.ts';
import type { WordTiming } from '../../media/word-timing.ts';
import { prepareScenes, Refused } from './whiteboard.ts';
import type { WhiteboardVideo } from './whiteboard-video.ts';

/**
 * A narrator that answers repeated (text, voice) pairs from memory, including one still being
 * spoken (both callers wait for the same synthesis); at most `size` are kept, a failed one is not.
 */
export class CachingNarrator implements Narrator {
  private readonly cache = new Map<string, Promise<Narration>>();

  constructor(
    private readonly inner: Narrator,
    private readonly size = 64,
  ) {}

  narrate(text: string, voice: FliteVoice, options?: Parameters<Narrator['narrate']>[2]): Promise<Narration> {
    const key = `${voice}\u0000${text}`;
    let pending = this.cache.get(key);
    if (pending) {
      // Most recently used last: the oldest goes first when the cache is full.
      this.cache.delete(key);
      this.cache.set(key, pending);
    } else {
      // Shared by every caller, so no one caller's signal stops it (a sentence is short and
      // bounded by the narrator's own time limit); a caller that gives up only stops waiting.
      const started = this.inner.narrate(text, voice, { what: options?.what });
      pending = started;
      this.cache.set(key, started);
      started.catch(() => {
        if (this.cache.get(key) === started) this.cache.delete(key);
      });
      while (this.cache.size > this.size) this.cache.delete(this.cache.keys().next().value!);
    }
    return abandonable(pending, options?.signal);
  }

  /** Start the speech processes now (the narrator's own warm-up); shared by the stages and the renderer. */
  warm(): Promise<void> {
    return this.inner.warm();
  }

  stats() {
    return this.inner.stats();
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.inner.close();
  }
}

/** `p`, or a CANCELLED SpeechError as soon as `signal` aborts. */
function abandonable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new SpeechError('CANCELLED', 'The narration was cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SpeechError('CANCELLED', 'The narration was cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

export type NarrationOutcome = { ok: true; captions: WordTiming[][] } | { ok: false; code: string; message: string };

/** Speak every scene of `video` (audio_mode other than none); captions per scene from the audio. */
export async function narrateScenes(
  narrator: Narrator,
  video: WhiteboardVideo,
  options: { voiceOf?: (assetId: string) => string | null | undefined; signal?: AbortSignal },
): Promise<NarrationOutcome> {
  const audioMode = video.config?.audio_mode ?? 'single';
  try {
    const scenes = prepareScenes(video, audioMode, options.voiceOf);
    // All at once, as the renderer does: the narrator spreads them over its Flite processes.
    const captions = await Promise.all(
      scenes.map(async (scene, i) => (scene.voice ? (await narrator.narrate(scene.speech, scene.voice, { signal: options.signal, what: `Scene ${i + 1}'s speech` })).words : [])),
    );
    return { ok: true, captions };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, code: err.code, message: err.message };
    if (err instanceof SpeechError) return { ok: false, code: err.code === 'CANCELLED' ? 'INTERNAL_ERROR' : 'AUDIO_GENERATION_ERROR', message: err.message };
    throw err;
  }
}
