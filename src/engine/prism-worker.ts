// Stoplight Prism in a worker thread. Loading Prism costs about 1.5 s of CPU (thousands of
// modules), which on the main thread would stall every request in flight; in a worker it loads
// beside the server on the other core, and the main thread only posts requests and reads answers.
// One worker serves every spec of a sandbox. It starts on first use (or on warm-up after
// listen), is unref'd so it never keeps a process alive, and a crashed worker is replaced by
// the next request.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface PrismRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface PrismSelection {
  code?: number;
  example?: string;
  dynamic?: boolean;
}

export type PrismAnswer = { ok: true; status: number; headers: Record<string, string>; body: unknown } | { ok: false; message: string };

// The worker's own code, plain JavaScript (a worker cannot load TypeScript sources, and the
// bundle must not depend on where this file lives). It requires Prism by the absolute path the
// main thread resolved, so it finds the project's copy wherever the bundle runs from.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const prismHttp = require(workerData.prism);
const silent = new Proxy({}, { get: (_t, p) => (p === 'child' ? () => silent : () => undefined) });
const options = { checkSecurity: false, validateRequest: false, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false };
const prism = prismHttp.createInstance({ ...options, mock: { dynamic: false } }, { logger: silent });
const specs = new Map();
parentPort.postMessage({ ready: true });
parentPort.on('message', async (m) => {
  if (m.type === 'spec') {
    specs.set(m.spec, prismHttp.getHttpOperationsFromSpec(m.doc));
    return;
  }
  try {
    const operations = await specs.get(m.spec);
    const r = m.req;
    const result = await prism.request(
      { method: r.method, url: { path: r.path, query: r.query }, headers: r.headers, body: r.body },
      operations,
      { ...options, mock: { dynamic: m.prefer.dynamic ?? false, code: m.prefer.code, exampleKey: m.prefer.example } },
    )();
    if (result._tag === 'Left') parentPort.postMessage({ id: m.id, ok: false, message: result.left.message });
    else {
      const out = result.right.output;
      parentPort.postMessage({ id: m.id, ok: true, status: out.statusCode, headers: out.headers || {}, body: out.body });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, message: (err && err.message) || String(err) });
  }
});
`;

/** Who answers — Prism's version and how this worker calls it: part of the key of any answer kept between starts. */
export function prismIdentity(): string {
  const { version } = createRequire(import.meta.url)('@stoplight/prism-http/package.json') as { version: string };
  return `prism-http ${version}, worker ${createHash('sha256').update(WORKER_SOURCE).digest('hex').slice(0, 16)}`;
}

/** Milliseconds an answer may take, once Prism is loaded, before the request is given up as unanswerable. */
const ANSWER_TIMEOUT_MS = 30_000;

export class PrismWorker {
  private worker: Worker | undefined;
  /** Prism has loaded in the current worker (loading alone can take seconds on a busy machine) */
  private ready = false;
  private readonly specs = new Map<string, object>();
  private readonly pending = new Map<number, { resolve: (a: PrismAnswer) => void; timer?: NodeJS.Timeout }>();
  private nextId = 1;

  /** Make `doc` (with its paths as served) answerable under `spec`. */
  register(spec: string, doc: object): void {
    this.specs.set(spec, doc);
    this.worker?.postMessage({ type: 'spec', spec, doc });
  }

  /** Start loading Prism now (warm-up), instead of on the first request. */
  start(): void {
    this.running();
  }

  request(spec: string, req: PrismRequest, prefer: PrismSelection): Promise<PrismAnswer> {
    const worker = this.running();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const waiting: { resolve: (a: PrismAnswer) => void; timer?: NodeJS.Timeout } = { resolve };
      this.pending.set(id, waiting);
      if (this.ready) this.limit(id, waiting);
      worker.postMessage({ id, spec, req, prefer });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, message: 'the sandbox is closing' });
    if (w) await w.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const prism = createRequire(import.meta.url).resolve('@stoplight/prism-http');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { prism } });
    w.unref();
    this.ready = false;
    w.on('message', (m: ({ id: number } & PrismAnswer) | { ready: true }) => {
      if (!('ready' in m)) return this.settle(m.id, m);
      // Answers are timed from here: the requests that waited for Prism to load start their clocks now.
      this.ready = true;
      for (const [id, waiting] of this.pending) this.limit(id, waiting);
    });
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, message: `the mock worker stopped: ${why}` });
    };
    w.on('error', (err) => lost(err.message));
    w.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = w;
    for (const [spec, doc] of this.specs) w.postMessage({ type: 'spec', spec, doc });
    return w;
  }

  private limit(id: number, waiting: { timer?: NodeJS.Timeout }): void {
    if (waiting.timer) return;
    waiting.timer = setTimeout(() => this.settle(id, { ok: false, message: `the mock did not answer within ${ANSWER_TIMEOUT_MS} ms` }), ANSWER_TIMEOUT_MS);
    waiting.timer.unref();
  }

  private settle(id: number, answer: PrismAnswer): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(answer);
  }
}
