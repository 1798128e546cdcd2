// The one place that runs FFmpeg and ffprobe: binary paths, a process limit, timeouts, kills.
// Binaries come from @ffmpeg-installer/@ffprobe-installer (shipped inside the npm packages, so
// nothing downloads at install time) unless FFMPEG_PATH / FFPROBE_PATH point elsewhere.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { accessSync, chmodSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';

export const FFMPEG = process.env.FFMPEG_PATH || ffmpegInstaller.path;
export const FFPROBE = process.env.FFPROBE_PATH || ffprobeInstaller.path;

const checked = new Set<string>();
/** npm may skip the packages' install scripts that set the exec bit; set it once ourselves. */
function executable(bin: string): string {
  if (checked.has(bin)) return bin;
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    try {
      chmodSync(bin, 0o755);
    } catch {
      /* reported by spawn below */
    }
  }
  checked.add(bin);
  return bin;
}

export interface RunResult {
  /** exit code; null when killed */
  code: number | null;
  stdout: string;
  /** the last few KB of stderr (FFmpeg's diagnostics) */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** called with each chunk of stdout (FFmpeg's -progress output) */
  onStdout?: (chunk: string) => void;
}

// At most one FFmpeg/ffprobe process per core; the rest wait their turn.
let limit = availableParallelism();
let running = 0;
const waiting: (() => void)[] = [];

/** Processes running right now (the limit is observable in tests). */
export function runningProcesses(): number {
  return running;
}

/** Change the process limit (tests, embedding). */
export function setProcessLimit(n: number): void {
  limit = Math.max(1, n);
  drain();
}

function drain(): void {
  while (running < limit && waiting.length) {
    running++;
    waiting.shift()!();
  }
}

async function slot(): Promise<() => void> {
  await new Promise<void>((resolve) => {
    waiting.push(resolve);
    drain();
  });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    running--;
    drain();
  };
}

function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return slot().then(
    (release) =>
      new Promise<RunResult>((resolve) => {
        const result: RunResult = { code: null, stdout: '', stderr: '', timedOut: false, aborted: false };
        if (options.signal?.aborted) {
          release();
          resolve({ ...result, aborted: true });
          return;
        }
        let child: ChildProcessByStdio<null, Readable, Readable>;
        try {
          child = spawn(executable(bin), args, { stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (err) {
          // spawn throws for some failures (E2BIG: an argument over the kernel's limit): report
          // them like any other, and give the slot back.
          release();
          resolve({ ...result, stderr: (err as Error).message });
          return;
        }
        const kill = () => child.kill('SIGKILL');
        const timer = options.timeoutMs ? setTimeout(() => ((result.timedOut = true), kill()), options.timeoutMs) : undefined;
        const onAbort = () => ((result.aborted = true), kill());
        options.signal?.addEventListener('abort', onAbort, { once: true });
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          if (result.stdout.length < 1 << 20) result.stdout += c;
          options.onStdout?.(c);
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          result.stderr = (result.stderr + c).slice(-8192);
        });
        const finish = (code: number | null, error?: Error) => {
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          release();
          if (error) result.stderr += `\n${error.message}`;
          resolve({ ...result, code });
        };
        child.once('error', (err) => finish(null, err));
        child.once('close', (code) => finish(code));
      }),
  );
}

export function runFfmpeg(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(FFMPEG, ['-hide_banner', '-nostdin', ...args], options);
}

export function runFfprobe(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(FFPROBE, ['-v', 'error', ...args], options);
}

/** The line of FFmpeg's stderr that says what went wrong (the last non-noise line). */
export function meaningfulLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => !/^(Conversion failed!|Exiting normally|frame=|size=|video:|\[.*\] (Qavg|kb\/s))/.test(l));
  const errorish = telling.filter((l) => /error|invalid|fail|could not|no such|not found|unable|refused|denied|unknown|cannot|mismatch/i.test(l));
  return (errorish[errorish.length - 1] ?? telling[telling.length - 1] ?? 'no diagnostic output').slice(0, 500);
}
