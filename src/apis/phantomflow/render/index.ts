// createRenderer: movie script → MP4 + JPEG thumbnail, for real and small. Never throws for bad
// input: an unusable source or an FFmpeg failure comes back as a RENDER_FAILED result.
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { meaningfulLine, runFfmpeg } from '../../../media/ffmpeg.ts';
import { buildCommand, ScriptError, totalSeconds } from './graph.ts';
import { probe } from '../../../media/probe.ts';
import { resolveSource } from '../../../media/sources.ts';
import { inspectSource, type Inspection, type InspectedSource } from '../../../media/source-format.ts';
import { redactPaths } from '../../../media/redact-paths.ts';
import { FONT_FILE } from '../../../media/fonts.ts';
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
  fetch?: { timeoutMs?: number; maxBytes?: number; allowHosts?: readonly string[] };
  fixturesDir?: string;
  /** width, height, fps of a script that does not say; default: the shipped spec's */
  defaults?: ScriptDefaults;
  /** largest picture (width × height) a source may have; default 4096 × 4096 */
  maxSourcePixels?: number;
  /** address-space cap of each FFmpeg process (bytes), where the platform can set one */
  memoryLimitBytes?: number;
  /** FFmpeg threads for the graph and the encoder (see graph.ts); default FFmpeg's own choice */
  threads?: number;
}

const failed = (message: string): RenderResult => ({ ok: false, error: { code: 'RENDER_FAILED', message } });

/** jobId names the output files, so it must not be able to name a path. */
const SAFE_JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function createRenderer(options: RendererOptions): Renderer {
  const fixturesDir = options.fixturesDir ?? FIXTURES_DIR;
  const defaults = options.defaults ?? shippedScriptDefaults();
  // No limit of its own: the job engine's work semaphore decides how many renders run at once.
  return {
    async render(script: MovieScript, { jobId, fidelity = options.fidelity ?? 'light', signal, onProgress, timeoutMs }: RenderOptions): Promise<RenderResult> {
      if (typeof jobId !== 'string' || !SAFE_JOB_ID.test(jobId)) return failed('The render could not run: jobId must be 1–128 letters, digits, "-" or "_"');
      if (!script || !Array.isArray(script.scenes) || script.scenes.length === 0) return failed('Invalid movie script: it needs at least one scene');
      let tmpDir: string | undefined;
      // Paths a message might contain, and what the client knows them as.
      const known: [string, string][] = [];
      const fail = (message: string) => failed(redactPaths(message, known));
      const output = join(options.outputDir, `${jobId}.mp4`);
      const thumbnail = join(options.outputDir, `${jobId}.jpg`);
      const ffmpegTimeoutMs = timeoutMs ?? options.ffmpegTimeoutMs ?? 120_000;
      try {
        await mkdir(options.outputDir, { recursive: true });
        tmpDir = await mkdtemp(join(options.outputDir, `.src-${jobId}-`));
        known.push([tmpDir, '<job>'], [options.outputDir, '<files>'], [FONT_FILE, 'the font'], [resolve(fixturesDir), 'fixtures']);
        // Make every source local and decide what it is first, so a bad one is named rather than
        // buried in FFmpeg output, and FFmpeg opens only files of a known, allowed format.
        const media = script.scenes.flatMap((s) => s.elements ?? []).filter((e): e is Exclude<Element, { type: 'text' }> => e.type !== 'text');
        const paths = new Map<Element, string>();
        const formats = new Map<Element, InspectedSource>();
        const sources = new Map<string, Promise<Awaited<ReturnType<typeof resolveSource>>>>();
        const inspections = new Map<string, Promise<Inspection>>();
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
          if (!r.ok) return fail(r.message);
          paths.set(el, r.path);
          known.push([r.path, el.src]);
          const inspectKey = `${el.type} ${el.src}`;
          if (!inspections.has(inspectKey)) inspections.set(inspectKey, inspectSource(r.path, el.type, el.src, { maxPixels: options.maxSourcePixels, reusable: r.fixture }));
          const inspected = await inspections.get(inspectKey)!;
          if (!inspected.ok) return fail(inspected.message);
          formats.set(el, inspected);
        }
        if (signal?.aborted) return fail('The render was cancelled');

        // FFmpeg writes into the job's own temporary directory; only a finished render is moved
        // to where files are served, so a failed or cancelled job leaves nothing behind.
        const partial = { output: join(tmpDir, 'out.mp4'), thumbnail: join(tmpDir, 'out.jpg'), graph: join(tmpDir, 'graph.txt') };
        let cmd: ReturnType<typeof buildCommand>;
        try {
          cmd = buildCommand({
            script,
            fidelity,
            defaults,
            mediaPath: (e) => paths.get(e)!,
            hasAudio: (e) => formats.get(e)?.hasAudio ?? false,
            mediaFormat: (e) => formats.get(e)!.demuxer,
            output: partial.output,
            thumbnail: partial.thumbnail,
            graphFile: partial.graph,
            threads: options.threads,
          });
        } catch (err) {
          if (err instanceof ScriptError) return fail(`Invalid movie script: ${err.message}`);
          throw err;
        }
        await writeFile(partial.graph, cmd.graph);
        const total = totalSeconds(script);
        const run = await runFfmpeg(cmd.args, {
          timeoutMs: ffmpegTimeoutMs,
          signal,
          memoryLimitBytes: options.memoryLimitBytes,
          onStdout: (chunk) => {
            const m = /out_time_(?:us|ms)=(\d+)/.exec(chunk);
            if (m && total > 0) onProgress?.(Math.min(99, (Number(m[1]) / 1e6 / total) * 100));
          },
        });
        if (run.timedOut) return fail(`FFmpeg was stopped after ${ffmpegTimeoutMs} ms without finishing`);
        if (run.aborted || signal?.aborted) return fail('The render was cancelled');
        if (run.code !== 0) return fail(`FFmpeg exited with code ${run.code}: ${meaningfulLine(run.stderr)}`);
        const [info, size] = await Promise.all([probe(partial.output), stat(partial.output)]);
        // A thumbnail is a courtesy: a script FFmpeg drew no thumbnail frame for still renders.
        const thumbnailBytes = await stat(partial.thumbnail).then((s) => s.size, () => undefined);
        const withThumbnail = thumbnailBytes !== undefined && (await rename(partial.thumbnail, thumbnail).then(() => true, () => false));
        await rename(partial.output, output);
        if (signal?.aborted) {
          // Cancelled while the files were being moved: take them back.
          await Promise.all([rm(output, { force: true }), rm(thumbnail, { force: true })]);
          return fail('The render was cancelled');
        }
        onProgress?.(100);
        return {
          ok: true,
          file: output,
          ...(withThumbnail ? { thumbnail, thumbnailBytes } : {}),
          durationSeconds: info.durationSeconds,
          width: info.video?.width ?? cmd.geometry.width,
          height: info.video?.height ?? cmd.geometry.height,
          fps: cmd.geometry.fps,
          bytes: size.size,
          peakRssBytes: run.peakRssBytes,
          // The same run as one argv (the graph inline, the final file names), for comparisons.
          command: equivalentArgv(cmd.args, cmd.graph, [[partial.output, output], [partial.thumbnail, thumbnail]]),
        };
      } catch (err) {
        return fail(`The render could not run: ${(err as Error).message}`);
      } finally {
        if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
      }
    },
  };
}

/** `args` with -filter_complex_script replaced by the graph itself and partial outputs renamed. */
function equivalentArgv(args: string[], graph: string, renames: [string, string][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-filter_complex_script') {
      out.push('-filter_complex', graph);
      i++;
      continue;
    }
    out.push(renames.find(([from]) => from === args[i])?.[1] ?? args[i]!);
  }
  return out;
}
