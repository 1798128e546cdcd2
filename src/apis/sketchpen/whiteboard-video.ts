// The stored video as the whiteboard renderer reads it: the fields of openapi/sketchpen.yaml's
// Video / Scene / VideoConfig that a render needs (every one optional where the schema allows),
// plus `image_path`, the local file behind a scene's `image_url` when the sandbox made it itself.
import type { WordTiming } from '../../media/word-timing.ts';

export type AspectRatio = '16:9' | '9:16' | '1:1';
export type AudioMode = 'none' | 'single' | 'multi_voice';
export type BgMode = 'white' | 'dynamic';
export type Fidelity = 'light' | 'full';

export interface WhiteboardScene {
  id?: string;
  speech: string;
  visual_description: string;
  /** the drawn image: a fixtures/ path, or an http(s) URL fetched with the media-source guards */
  image_url?: string | null;
  /**
   * a local PNG/JPEG for the scene (wins over image_url). Trusted: the sandbox sets it for images it
   * made itself; it never comes from a request (the bytes must still be a PNG or JPEG).
   */
  image_path?: string | null;
  /**
   * asset ids in the scene. In multi_voice the first of config.speaker_ids among them speaks it;
   * a scene without one is spoken by the speakers in turn (by scene index); with no speakers at all,
   * by the narrator (config.voice_id).
   */
  assets?: string[];
  /** ignored: captions are recomputed from the real audio */
  captions?: unknown;
}

export interface WhiteboardConfig {
  fps?: number;
  aspect_ratio?: AspectRatio;
  audio_mode?: AudioMode;
  bg_mode?: BgMode;
  voice_id?: string | null;
  speaker_ids?: string[];
  theme?: string;
}

export interface WhiteboardVideo {
  id: string;
  scenes: WhiteboardScene[];
  config?: WhiteboardConfig;
}

/** Codes of the spec's VideoError, so the lifecycle can store a failure as it comes. */
export type WhiteboardErrorCode = 'AUDIO_GENERATION_ERROR' | 'IMAGE_GENERATION_ERROR' | 'RENDER_TIMEOUT' | 'INTERNAL_ERROR';

export interface RenderedScene {
  id?: string;
  /** seconds from the start of the video */
  start: number;
  duration: number;
  /** the Flite voice that spoke it; null when audio_mode is none */
  voice: string | null;
  /** the spoken words, in seconds from the start of the scene (the spec's Caption) */
  captions: WordTiming[];
}

export type WhiteboardResult =
  | {
      ok: true;
      /** H.264 + AAC MP4 with +faststart */
      video: string;
      /** the narration alone (AAC in MP4, .m4a); null when audio_mode is none */
      audio: string | null;
      /** a JPEG still of the first scene, drawn */
      thumbnail: string;
      /** as probed from the MP4 */
      durationSeconds: number;
      width: number;
      height: number;
      fps: number;
      bytes: number;
      scenes: RenderedScene[];
      /** wall-clock milliseconds: speech synthesis, the FFmpeg run, the whole render */
      timings: { speechMs: number; ffmpegMs: number; totalMs: number };
    }
  | { ok: false; error: { code: WhiteboardErrorCode; message: string } };
