// The movie script as the renderer reads it. Its JSON Schema lives in openapi/phantomflow.yaml
// (components/schemas/MovieScript) and requests are validated against it before they get here;
// the renderer still treats every optional field as optional.

export type Position =
  | 'top-left' | 'top-center' | 'top-right'
  | 'center-left' | 'center' | 'center-right'
  | 'bottom-left' | 'bottom-center' | 'bottom-right';

export interface TextElement { type: 'text'; text: string; font_size?: number; color?: string; position?: Position }
export interface ImageElement { type: 'image'; src: string; position?: Position; width?: number; height?: number }
/**
 * `start`: seconds into the scene at which the clip (or sound) begins; `duration`: seconds to play,
 * cut at the scene's end; `volume`: gain (1 = unchanged). A clip without width/height is scaled to
 * fit the frame (the spec's VideoElement has no size; the renderer accepts one).
 */
export interface VideoElement { type: 'video'; src: string; start?: number; duration?: number; volume?: number; position?: Position; width?: number; height?: number }
export interface AudioElement { type: 'audio'; src: string; start?: number; duration?: number; volume?: number }
export type Element = TextElement | ImageElement | VideoElement | AudioElement;

export interface Scene {
  duration: number;
  background?: string;
  elements?: Element[];
}

export interface MovieScript {
  width?: number;
  height?: number;
  fps?: number;
  quality?: 'low' | 'medium' | 'high';
  scenes: Scene[];
}

export type Fidelity = 'light' | 'full';

export type RenderResult =
  | {
      ok: true;
      file: string;
      /** absent when FFmpeg drew no thumbnail frame */
      thumbnail?: string;
      durationSeconds: number;
      width: number;
      height: number;
      fps: number;
      bytes: number;
      /** size of the thumbnail, when there is one */
      thumbnailBytes?: number;
      /** the FFmpeg process's peak resident memory, where the platform tells (Linux) */
      peakRssBytes?: number;
      /** the FFmpeg argv that produced the file (for the benchmark's bare-FFmpeg comparison) */
      command: string[];
    }
  | { ok: false; error: { code: 'RENDER_FAILED'; message: string } };

export interface RenderOptions {
  jobId: string;
  fidelity?: Fidelity;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** kill FFmpeg after this long (default: the renderer's ffmpegTimeoutMs) */
  timeoutMs?: number;
}

export interface Renderer {
  render(script: MovieScript, options: RenderOptions): Promise<RenderResult>;
}
