// Answer a request from the spec's own examples and schemas, through Stoplight Prism's HTTP
// mocker, which runs in a worker thread (prism-worker.ts): an operation without a handler, a
// `Prefer: code=2xx` / `example=` request, an injected 2xx. Prism runs its static mock without
// request validation or security checks (the sandbox has done both), so its answer depends only
// on the method, the operation, the Accept header and the selection (code, example): it is
// cached per those, frozen, unless `dynamic=true` asks for generated data. After the first, such
// a request costs a map lookup instead of a trip through Prism. warm() starts the worker and
// answers every operation once off the request path (plainly where there is no handler, and
// with each documented success code), so first requests are already cached; the answers are
// kept for the next start (keyed by Prism's version and the document).
import { createHash } from 'node:crypto';
import type { ApiSpec } from '../openapi/load.ts';
import { prismIdentity, type PrismRequest, type PrismSelection, type PrismWorker } from './prism-worker.ts';

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export class MockUnavailable extends Error {}

/** Where answers are kept between starts (the sandbox's StartCache). */
export interface AnswerStore {
  load(key: string): unknown;
  save(key: string, value: unknown): void;
}

/** Accept values warmed for every operation: none, curl's and fetch's, and SDKs'. */
const WARM_ACCEPTS = [undefined, '*/*', 'application/json'];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class SpecMocker {
  private readonly cache = new Map<string, MockResponse>();
  /** a few Accept and selection variants per operation at most: the cache cannot grow with traffic */
  private readonly maxCached: number;
  private registered = false;
  /** the key of this document's answers in the store, once the document Prism sees is built */
  private storeKey: string | undefined;

  constructor(
    private readonly spec: ApiSpec,
    private readonly prism: PrismWorker,
    private readonly store?: AnswerStore,
  ) {
    this.maxCached = Math.max(32, spec.operations.length * 8);
  }

  /** Answers cached so far (for tests and the benchmark). */
  get cached(): number {
    return this.cache.size;
  }

  /**
   * Start Prism now and answer every operation with the usual Accept values: plainly for
   * `unhandled`, the operations without a handler, and with each documented 2xx/3xx code for all
   * (what `Prefer: code=` and an injected success ask), so that first requests hit the cache.
   */
  async warm(unhandled: string[]): Promise<void> {
    if (!this.spec.operations.length) return;
    this.register();
    this.prism.start();
    const plain = new Set(unhandled);
    for (const op of this.spec.operations) {
      const asks: { accept?: string; prefer: PrismSelection }[] = plain.has(op.operationId) ? WARM_ACCEPTS.map((accept) => ({ accept, prefer: {} })) : [];
      for (const code of Object.keys(op.responses)) if (/^[23]\d\d$/.test(code)) for (const accept of WARM_ACCEPTS) asks.push({ accept, prefer: { code: Number(code) } });
      for (const { accept, prefer } of asks) {
        try {
          await this.respond({ method: op.method, path: op.servedPath, query: {}, headers: accept ? { accept } : {}, body: undefined }, prefer, op.operationId);
        } catch {
          // An operation Prism cannot answer says so when it is requested.
        }
      }
    }
    // Kept as they go on the wire (a JSON round trip drops undefined bodies and headers).
    if (this.store && this.storeKey) this.store.save(this.storeKey, JSON.parse(JSON.stringify([...this.cache])));
  }

  /**
   * The documented response for a request; `code`/`example`/`dynamic` select one as Prism's
   * Prefer header does. `cacheAs` (the operationId) allows a cached answer unless `dynamic` asks
   * for generated data.
   */
  async respond(req: PrismRequest, prefer: PrismSelection = {}, cacheAs?: string): Promise<MockResponse> {
    const accept = req.headers.accept;
    const key =
      cacheAs !== undefined && !prefer.dynamic
        ? `${req.method} ${cacheAs} ${Array.isArray(accept) ? accept.join(',') : (accept ?? '')} ${prefer.code ?? ''} ${prefer.example ?? ''}`
        : undefined;
    this.register();
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (hit) return hit;
    const answer = await this.prism.request(this.spec.policy.id, req, prefer);
    if (!answer.ok) throw new MockUnavailable(answer.message);
    const out: MockResponse = { status: answer.status, headers: answer.headers, body: answer.body };
    if (key !== undefined && this.cache.size < this.maxCached) this.cache.set(key, deepFreeze(out));
    return out;
  }

  private register(): void {
    if (this.registered) return;
    this.registered = true;
    // Prism routes by the document's paths; give it the paths as the sandbox serves them.
    const doc = structuredClone(this.spec.doc);
    doc.servers = [{ url: '/' }];
    doc.paths = Object.fromEntries(Object.entries(doc.paths ?? {}).map(([p, v]) => [(this.spec.mount + p).replace(/\/{2,}/g, '/'), v]));
    this.prism.register(this.spec.policy.id, doc);
    if (!this.store) return;
    this.storeKey = `mock answers v2: ${prismIdentity()}, document ${createHash('sha256').update(JSON.stringify(doc)).digest('hex')}`;
    const saved = this.store.load(this.storeKey);
    if (!Array.isArray(saved)) return;
    for (const [key, answer] of saved as [string, MockResponse][]) {
      if (this.cache.size < this.maxCached) this.cache.set(key, deepFreeze(answer));
    }
  }
}
