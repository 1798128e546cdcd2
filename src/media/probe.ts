// What a media file really is, according to ffprobe.
import { runFfprobe } from './ffmpeg.ts';

export interface ProbeResult {
  durationSeconds: number;
  video?: { codec: string; width: number; height: number; fps: number; pixFmt: string };
  audio?: { codec: string; sampleRate: number; channels: number };
  formatName: string;
}

function rate(r: string | undefined): number {
  const [n, d] = (r ?? '0/1').split('/').map(Number);
  return d ? n! / d : 0;
}

/**
 * Probe a file; rejects when ffprobe cannot read it (callers turn that into a render failure).
 * `localOnly` restricts ffprobe to the file protocol (for downloaded, untrusted sources); `format`
 * forces a demuxer instead of letting ffprobe guess one from the content (source-format.ts).
 */
export async function probe(file: string, timeoutMs = 30_000, localOnly = false, format?: string): Promise<ProbeResult> {
  const guard = [...(localOnly ? ['-protocol_whitelist', 'file'] : []), ...(format ? ['-f', format] : [])];
  const r = await runFfprobe([...guard, '-print_format', 'json', '-show_format', '-show_streams', file], { timeoutMs });
  if (r.code !== 0) throw new Error(r.stderr.trim().split('\n').pop() || `ffprobe exited with code ${r.code}`);
  const json = JSON.parse(r.stdout) as { format?: { duration?: string; format_name?: string }; streams?: any[] };
  const v = json.streams?.find((s) => s.codec_type === 'video');
  const a = json.streams?.find((s) => s.codec_type === 'audio');
  return {
    durationSeconds: Number(json.format?.duration ?? v?.duration ?? 0),
    formatName: json.format?.format_name ?? '',
    ...(v ? { video: { codec: v.codec_name, width: v.width, height: v.height, fps: rate(v.avg_frame_rate || v.r_frame_rate), pixFmt: v.pix_fmt } } : {}),
    ...(a ? { audio: { codec: a.codec_name, sampleRate: Number(a.sample_rate), channels: a.channels } } : {}),
  };
}
