// A video as the module keeps it (the job data of its lifecycle) and as the API shows it (the
// spec's Video and Scene objects), with its files behind signed links.
import type { Job } from '../../jobs/lifecycle.ts';
import type { WordTiming } from '../../media/word-timing.ts';
import type { PaidParts } from './billing.ts';
import { iso } from './paging.ts';
import type { AspectRatio, AudioMode, BgMode, WhiteboardVideo } from './whiteboard-video.ts';

export interface VideoConfig {
  fps: number;
  aspect_ratio: AspectRatio;
  theme: string;
  voice_id: string | null;
  audio_mode: AudioMode;
  bg_mode: BgMode;
  asset_ids: string[];
  speaker_ids: string[];
}

export interface SceneData {
  id: string;
  speech: string;
  visual_description: string;
  assets: string[];
  captions: WordTiming[];
  /** file name of the scene's drawing, once visualised */
  image: string | null;
}

export interface VideoFiles {
  video: string;
  audio: string | null;
  thumbnail: string;
}

export interface VideoData {
  prompt: string;
  config: VideoConfig;
  scenes: SceneData[];
  /** scripts written so far minus one: a regenerate writes the next */
  generation: number;
  feedback: string;
  /** scenes of the script a regenerate replaced (feedback such as "fewer scenes" moves from there) */
  previousScenes: number | null;
  /** parts charged and not refunded */
  paid: PaidParts;
  /** the narration exists (audio_mode other than none) */
  narrated: boolean;
  files: VideoFiles | null;
  /** the status the video was in when it failed */
  failedIn: string | null;
  /** scheme://host the client last used, for links in webhook bodies and control views */
  baseUrl: string;
}

export type VideoJob = Job<VideoData>;

export const TERMINAL = ['completed', 'failed'];

/** The spec's Scene. */
export function sceneView(s: SceneData, fileUrl: (name: string) => string): Record<string, unknown> {
  return {
    id: s.id,
    speech: s.speech,
    visual_description: s.visual_description,
    image_url: s.image ? fileUrl(s.image) : null,
    assets: [...s.assets],
    captions: s.captions.map((c) => ({ word: c.word, start: c.start, end: c.end })),
  };
}

/** The spec's Video; `fileUrl` turns a file name into its signed absolute link. */
export function videoView(job: VideoJob, fileUrl: (name: string) => string): Record<string, unknown> {
  const d = job.data;
  const files = job.state === 'completed' ? d.files : null;
  return {
    id: job.id,
    status: job.state,
    prompt: d.prompt,
    theme: d.config.theme,
    scenes: d.scenes.map((s) => sceneView(s, fileUrl)),
    video_url: files ? fileUrl(files.video) : null,
    audio_url: files?.audio ? fileUrl(files.audio) : null,
    thumbnail_url: files ? fileUrl(files.thumbnail) : null,
    processing_time_sec: job.state === 'completed' && job.finishedAt !== null ? Math.round((job.finishedAt - job.createdAt) / 100) / 10 : null,
    config: { ...d.config, asset_ids: [...d.config.asset_ids], speaker_ids: [...d.config.speaker_ids] },
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    error: job.error && job.state === 'failed' ? { code: job.error.code, message: job.error.message, ...(d.failedIn ? { stage: d.failedIn } : {}) } : null,
  };
}

/** What the whiteboard renderer reads: the scenes with their drawings as local files. */
export function whiteboardInput(job: VideoJob, pathOf: (name: string) => string): WhiteboardVideo {
  const d = job.data;
  return {
    id: job.id,
    config: { ...d.config },
    scenes: d.scenes.map((s) => ({ id: s.id, speech: s.speech, visual_description: s.visual_description, assets: s.assets, image_path: s.image ? pathOf(s.image) : null })),
  };
}
