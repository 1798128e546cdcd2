// createRenderer: movie script → MP4 + JPEG thumbnail, for real and small. Never throws for bad
// input: an unusable source or an FFmpeg failure comes back as a RENDER_FAILED result.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { meaningfulLine, runFfmpeg } from '../../../media/ffmpeg.ts';
import { buildCommand, ScriptError, totalSeconds } from './graph.ts';
import { probe } from '../../../media/probe.ts';
import { resolveSource } from '../../../media/sources.ts';
import { shippedScriptDefaults, type ScriptDefaults } from '../script-defaults.ts';
import type { Element, Fidelity, MovieScript, RenderOptions, RenderResult, Renderer } from './types.ts';

export type {
  AudioElement, Element, Fidelity, ImageElement, MovieScript, Position, RenderOptions, RenderResult, Renderer,
  Scene, TextElement, VideoElement,
} from './types.ts';
export { probe, type ProbeResult } from '../../../media/probe.ts';
export { totalSeconds } from './graph.ts';
export { runningProcesses } from '../../../media/ffmpeg.ts';

export { FIXTURES_DIR as DEFAULT_FIXTURES_DIR } from '../../../paths.ts';
import { FIXTURES_DIR } from '../../../paths.ts';

export interface RendererOptions {
  outputDir: string;
  fidelity?: Fidelity;
  /** kill FFmpeg after this long (default 120 s) */
  ffmpegTimeoutMs?: number;
  fetch?: { timeoutMs?: number; maxBytes?: number; allowHosts?: string[] };
  fixturesDir?: string;
  /** width, height, fps of a script that does not say; default: the shipped spec's */
  defaults?: ScriptDefaults;
}

const failed = (message: string): RenderResult => ({ ok: false, error: { code: 'RENDER_FAILED', message } });

/** jobId names the output files, so it must not be able to name a path. */
const SAFE_JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function createRenderer(options: RendererOptions): Renderer {
  const fixturesDir = options.fixturesDir ?? FIXTURES_DIR;
  const defaults = options.defaults ?? shippedScriptDefaults();
  // No limit of its own: the job engine's work semaphore decides how many renders run at once.
  return {
    async render(script: MovieScript, { jobId, fidelity = options.fidelity ?? 'light', signal, onProgress }: RenderOptions): Promise<RenderResult> {
      if (typeof jobId !== 'string' || !SAFE_JOB_ID.test(jobId)) return failed('The render could not run: jobId must be 1–128 letters, digits, "-" or "_"');
      if (!script || !Array.isArray(script.scenes) || script.scenes.length === 0) return failed('Invalid movie script: it needs at least one scene');
      let tmpDir: string | undefined;
      try {
        await mkdir(options.outputDir, { recursive: true });
        tmpDir = await mkdtemp(join(options.outputDir, `.src-${jobId}-`));
        // Make every source local first, so a bad one is named rather than buried in FFmpeg output.
        const media = script.scenes.flatMap((s) => s.elements ?? []).filter((e): e is Exclude<Element, { type: 'text' }> => e.type !== 'text');
        const paths = new Map<Element, string>();
        const withAudio = new Set<Element>();
        const sources = new Map<string, Promise<Awaited<ReturnType<typeof resolveSource>>>>();
        for (const [i, el] of media.entries()) {
          // One fetch per distinct src, however often it is used.
          if (!sources.has(el.src)) {
            sources.set(el.src, resolveSource(el.src, `src-${i}`, {
              fixturesDir,
              tmpDir,
              timeoutMs: options.fetch?.timeoutMs ?? 15_000,
              maxBytes: options.fetch?.maxBytes ?? 100 * 1024 * 1024,
              allowHosts: options.fetch?.allowHosts,
              signal,
            }));
          }
        }
        for (const el of media) {
          const r = await sources.get(el.src)!;
          if (!r.ok) return failed(r.message);
          paths.set(el, r.path);
        }
        if (signal?.aborted) return failed('The render was cancelled');
        // A clip's sound is mixed in only when it has any (the graph cannot reference a missing stream).
        for (const el of media.filter((e) => e.type === 'video')) {
          try {
            if ((await probe(paths.get(el)!, 15_000, true)).audio) withAudio.add(el);
          } catch {
            // Unreadable: FFmpeg below rejects it with its own message, naming the src.
          }
        }

        const output = join(options.outputDir, `${jobId}.mp4`);
        const thumbnail = join(options.outputDir, `${jobId}.jpg`);
        let cmd: ReturnType<typeof buildCommand>;
        try {
          cmd = buildCommand({ script, fidelity, defaults, mediaPath: (e) => paths.get(e)!, hasAudio: (e) => withAudio.has(e), output, thumbnail });
        } catch (err) {
          if (err instanceof ScriptError) return failed(`Invalid movie script: ${err.message}`);
          throw err;
        }
        const total = totalSeconds(script);
        const run = await runFfmpeg(cmd.args, {
          timeoutMs: options.ffmpegTimeoutMs ?? 120_000,
          signal,
          onStdout: (chunk) => {
            const m = /out_time_(?:us|ms)=(\d+)/.exec(chunk);
            if (m && total > 0) onProgress?.(Math.min(99, (Number(m[1]) / 1e6 / total) * 100));
          },
        });
        if (run.timedOut) return failed(`FFmpeg was stopped after ${options.ffmpegTimeoutMs ?? 120_000} ms without finishing`);
        if (run.aborted) return failed('The render was cancelled');
        if (run.code !== 0) {
          // Name sources by their src, not by our temporary paths.
          let line = meaningfulLine(run.stderr);
          for (const [el, path] of paths) line = line.replaceAll(path, (el as { src: string }).src);
          return failed(`FFmpeg exited with code ${run.code}: ${line}`);
        }
        const [info, size] = await Promise.all([probe(output), stat(output)]);
        onProgress?.(100);
        return {
          ok: true,
          file: output,
          thumbnail,
          durationSeconds: info.durationSeconds,
          width: info.video?.width ?? cmd.geometry.width,
          height: info.video?.height ?? cmd.geometry.height,
          fps: cmd.geometry.fps,
          bytes: size.size,
          command: cmd.args,
        };
      } catch (err) {
        return failed(`The render could not run: ${(err as Error).message}`);
      } finally {
        if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
      }
    },
  };
}
