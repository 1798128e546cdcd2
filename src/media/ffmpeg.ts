// The one place that runs FFmpeg and ffprobe: binary paths, a process limit, timeouts, kills.
// Binaries come from @ffmpeg-installer/@ffprobe-installer (shipped inside the npm packages, so
// nothing downloads at install time) unless FFMPEG_PATH / FFPROBE_PATH point elsewhere.
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';

// The installer packages are resolved on first use: a start that renders nothing need not load them.
const require = createRequire(import.meta.url);
let ffmpegBin: string | undefined;
let ffprobeBin: string | undefined;
export const ffmpegPath = (): string => (ffmpegBin ??= process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
export const ffprobePath = (): string => (ffprobeBin ??= process.env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path);

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
  /** peak resident memory of the process, sampled from /proc (Linux only) */
  peakRssBytes?: number;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** called with each chunk of stdout (FFmpeg's -progress output) */
  onStdout?: (chunk: string) => void;
  /** cap the process's address space (bytes) through prlimit, where it exists (Linux) */
  memoryLimitBytes?: number;
}

// util-linux's prlimit sets a resource limit and execs the command (same PID, so kills reach it).
// Under an address-space cap, what counts is virtual memory: FFmpeg starts a thread per input
// (8 MiB of stack each by default) and glibc a 64 MiB malloc arena per thread. Smaller stacks and
// two arenas keep the cap about frames, not reservations (measured: bench/results/ffmpeg-memory.md).
const STACK_BYTES = 2 * 1024 * 1024;
const LIMITED_ENV = { MALLOC_ARENA_MAX: '2' };
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/** Whether runs can be given a memory cap on this machine. */
export const memoryLimitAvailable = PRLIMIT !== undefined;

/** The peak resident set (VmHWM) of a live process, from /proc; undefined where there is none. */
function peakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// Live child processes, observable in tests (a killed render leaves none behind). Not a limit:
// how many renders run at once is the job engine's work semaphore's business.
let running = 0;

/** FFmpeg/ffprobe processes alive right now in this process. */
export function runningProcesses(): number {
  return running;
}

function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise<RunResult>((resolve) => {
    const result: RunResult = { code: null, stdout: '', stderr: '', timedOut: false, aborted: false };
    if (options.signal?.aborted) {
      resolve({ ...result, aborted: true });
      return;
    }
    let child: ReturnType<typeof spawn>;
    const limited = options.memoryLimitBytes && PRLIMIT ? [PRLIMIT, `--as=${Math.floor(options.memoryLimitBytes)}`, `--stack=${STACK_BYTES}`, '--', executable(bin)] : [executable(bin)];
    try {
      child = spawn(limited[0]!, [...limited.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(limited.length > 1 ? { env: { ...process.env, ...LIMITED_ENV } } : {}) });
    } catch (err) {
      // spawn() throws synchronously for an argv the kernel refuses (E2BIG) or a NUL byte: a
      // failed run like any other (the caller's slot is released on its normal path). The message
      // names the binary, not where it is installed.
      resolve({ ...result, stderr: (err as Error).message.replaceAll(bin, basename(bin)) });
      return;
    }
    running++;
    const kill = () => child.kill('SIGKILL');
    // Sampled while the process lives: /proc forgets it at exit.
    const sample = () => {
      const rss = peakRss(child.pid);
      if (rss !== undefined) result.peakRssBytes = Math.max(result.peakRssBytes ?? 0, rss);
    };
    const sampler = process.platform === 'linux' ? setInterval(sample, 100) : undefined;
    const timer = options.timeoutMs ? setTimeout(() => ((result.timedOut = true), kill()), options.timeoutMs) : undefined;
    const onAbort = () => ((result.aborted = true), kill());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      sample();
      if (result.stdout.length < 1 << 20) result.stdout += c;
      options.onStdout?.(c);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      result.stderr = (result.stderr + c).slice(-8192);
    });
    let finished = false;
    const finish = (code: number | null, error?: Error) => {
      if (finished) return;
      finished = true;
      running--;
      if (sampler) clearInterval(sampler);
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) result.stderr += `\n${error.message}`;
      resolve({ ...result, code });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code));
  });
}

export function runFfmpeg(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], options);
}

export function runFfprobe(args: string[], options?: RunOptions): Promise<RunResult> {
  return run(ffprobePath(), ['-v', 'error', ...args], options);
}

/** The line of FFmpeg's stderr that says what went wrong (the last non-noise line). */
export function meaningfulLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => !/^(Conversion failed!|Exiting normally|frame=|size=|video:|\[.*\] (Qavg|kb\/s))/.test(l));
  const errorish = telling.filter((l) => /error|invalid|fail|could not|no such|not found|unable|refused|denied|unknown|cannot|mismatch/i.test(l));
  return (errorish[errorish.length - 1] ?? telling[telling.length - 1] ?? 'no diagnostic output').slice(0, 500);
}
