// The renderer PhantomFlow jobs call. The contract is src/render's
// (createRenderer({outputDir}).render(script, {jobId, onProgress}) → RenderResult); until that
// module lands this file carries a deliberately small INTERIM implementation: coloured scenes at
// the script's size and fps, media sources opened (so an unreachable `src` fails like a real
// render), no text or overlays. Replace the body of createPhantomflowRenderer with src/render.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';

export type RenderResult =
  | { ok: true; file: string; thumbnail?: string; durationSeconds: number }
  | { ok: false; error: { code: string; message: string } };

export interface RenderOptions {
  jobId: string;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export interface Renderer {
  render(script: unknown, options: RenderOptions): Promise<RenderResult>;
}

interface Script {
  width?: number;
  height?: number;
  fps?: number;
  scenes: { duration: number; background?: string; elements?: { type: string; src?: string }[] }[];
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FFMPEG = process.env.FFMPEG_PATH ?? ffmpegInstaller.path;
const FFPROBE = process.env.FFPROBE_PATH ?? ffprobeInstaller.path;

function run(bin: string, args: string[], signal?: AbortSignal, onStdout?: (chunk: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      onStdout?.(String(c));
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c).slice(-8000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const colour = (hex: string | undefined) => {
  const h = (hex ?? '#000000').slice(1);
  return `0x${h.length === 3 ? [...h].map((c) => c + c).join('') : h}`;
};
const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const source = (src: string) => (/^https?:\/\//.test(src) ? src : join(ROOT, src));

export function createPhantomflowRenderer(options: { outputDir: string }): Renderer {
  return {
    async render(raw, { jobId, onProgress, signal }) {
      const script = raw as Script;
      const width = even(script.width ?? 1920);
      const height = even(script.height ?? 1080);
      const fps = script.fps ?? 30;
      const total = script.scenes.reduce((s, sc) => s + sc.duration, 0);
      const file = join(options.outputDir, `${jobId}.mp4`);
      const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1'];
      for (const sc of script.scenes) args.push('-f', 'lavfi', '-i', `color=c=${colour(sc.background)}:s=${width}x${height}:r=${fps}:d=${sc.duration}`);
      const media = script.scenes.flatMap((sc) => (sc.elements ?? []).filter((e) => e.src).map((e) => source(e.src!)));
      for (const m of media) args.push('-rw_timeout', '10000000', '-i', m);
      const n = script.scenes.length;
      args.push('-filter_complex', `${script.scenes.map((_, i) => `[${i}:v]`).join('')}concat=n=${n}:v=1:a=0[v]`, '-map', '[v]');
      args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file);
      try {
        const r = await run(FFMPEG, args, signal, (chunk) => {
          const m = /out_time_us=(\d+)/.exec(chunk);
          if (m && total > 0) onProgress?.(Math.min(99, (Number(m[1]) / 1e6 / total) * 100));
        });
        if (r.code !== 0) {
          const detail = r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 400);
          return { ok: false, error: { code: 'RENDER_FAILED', message: `FFmpeg exited with code ${r.code}: ${detail}` } };
        }
        const probe = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file], signal);
        const durationSeconds = Number.parseFloat(probe.stdout.trim());
        return { ok: true, file, durationSeconds: Number.isFinite(durationSeconds) ? durationSeconds : total };
      } catch (err) {
        return { ok: false, error: { code: 'RENDER_FAILED', message: `FFmpeg could not run: ${err instanceof Error ? err.message : String(err)}` } };
      }
    },
  };
}
