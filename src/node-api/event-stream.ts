// GET /__sandbox/events read as a test suite wants it: opened (and connected: its `ready` event
// received) before the test acts, so nothing that follows is missed; then events in order, with
// `next(match)` to wait for one. Bounded: at most `maxQueued` unread events are kept (the oldest
// go first, and an `overflow` event says how many); a frame larger than 1 MiB ends the stream.
import { SandboxControlError } from './control-error.ts';
import type { SandboxEvent, SandboxEventType } from './shapes.ts';

export interface EventStreamOptions {
  /** only these types (ready, heartbeat, resync and overflow always come) */
  types?: readonly SandboxEventType[];
  /** seconds between the server's heartbeats (1–60; default 15) */
  heartbeat?: number;
  /** replay the kept events after this id first */
  lastEventId?: number;
  /** unread events kept before the oldest are dropped; default 10 000 */
  maxQueued?: number;
  /** closes the stream */
  signal?: AbortSignal;
}

export interface EventStream extends AsyncIterable<SandboxEvent> {
  /** the id of the last event before this stream connected (from its `ready` event) */
  readonly lastEventId: number;
  /** the next event that `match` accepts (earlier ones are consumed); rejects after timeoutMs (default 10 s) or when the stream ends */
  next<E extends SandboxEvent = SandboxEvent>(match?: (event: SandboxEvent) => event is E, options?: { timeoutMs?: number }): Promise<E>;
  next(match?: (event: SandboxEvent) => boolean, options?: { timeoutMs?: number }): Promise<SandboxEvent>;
  /** ends the stream (also ended by the sandbox's close()) */
  close(): void;
}

const MAX_FRAME = 1 << 20;
const DEFAULT_TIMEOUT_MS = 10_000;

export async function openEventStream(root: string, headers: Record<string, string>, options: EventStreamOptions = {}): Promise<EventStream> {
  const search = new URLSearchParams();
  if (options.types?.length) search.set('types', options.types.join(','));
  if (options.heartbeat !== undefined) search.set('heartbeat', String(options.heartbeat));
  if (options.lastEventId !== undefined) search.set('lastEventId', String(options.lastEventId));
  const endpoint = 'GET /__sandbox/events';
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let res: Response;
  try {
    res = await fetch(`${root}/__sandbox/events${search.size ? `?${search}` : ''}`, { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal });
  } catch (err) {
    options.signal?.removeEventListener('abort', onAbort);
    throw new Error(`video-api-sandbox: ${endpoint} got no answer from ${root} (is the sandbox closed?): ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok || !res.body) {
    options.signal?.removeEventListener('abort', onAbort);
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    throw SandboxControlError.from(res.status, body, endpoint);
  }

  const maxQueued = Math.max(1, options.maxQueued ?? 10_000);
  const queue: SandboxEvent[] = [];
  let dropped = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const end = () => {
    ended = true;
    options.signal?.removeEventListener('abort', onAbort);
    abort.abort();
    notify();
  };

  let readyId: number | undefined;
  let connected!: () => void;
  let refused!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    refused = reject;
  });
  const deliver = (event: SandboxEvent) => {
    if (event.type === 'ready' && readyId === undefined) {
      readyId = event.data.lastEventId;
      return connected();
    }
    if (queue.length >= maxQueued) {
      queue.shift();
      dropped++;
    }
    queue.push(event);
    notify();
  };

  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const frame = parseFrame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (frame) deliver(frame);
        }
        if (buffer.length > MAX_FRAME) throw new Error('an event larger than 1 MiB');
      }
    } catch {
      // aborted by close(), or the connection ended: the stream is over either way
    } finally {
      reader.releaseLock();
      if (readyId === undefined) refused(new Error(`video-api-sandbox: ${endpoint} ended before its ready event`));
      end();
    }
  })();
  await ready;

  async function take(deadline: number): Promise<SandboxEvent> {
    for (;;) {
      if (dropped) {
        const n = dropped;
        dropped = 0;
        return { type: 'overflow', id: undefined, data: { dropped: n, message: `${n} unread events were dropped (more than ${maxQueued} queued)` } };
      }
      const event = queue.shift();
      if (event) return event;
      if (ended) throw new Error('video-api-sandbox: the event stream has ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('video-api-sandbox: no matching event in time');
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? undefined : setTimeout(resolve, left);
        wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  return {
    lastEventId: readyId!,
    async next(match?: (event: SandboxEvent) => boolean, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const event = await take(deadline);
        if (!match || match(event)) return event;
      }
    },
    close: end,
    [Symbol.asyncIterator]() {
      return {
        next: async (): Promise<IteratorResult<SandboxEvent>> => {
          try {
            return { value: await take(Infinity), done: false };
          } catch (err) {
            if (ended && !queue.length && !dropped) return { value: undefined, done: true };
            throw err;
          }
        },
        return: async (): Promise<IteratorResult<SandboxEvent>> => {
          end();
          return { value: undefined, done: true };
        },
      };
    },
  } as EventStream;
}

/** One server-sent event (comment lines and `retry:` ignored); undefined for a comment-only frame. */
function parseFrame(text: string): SandboxEvent | undefined {
  let type: string | undefined;
  let id: number | undefined;
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'id') id = Number(value);
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return undefined;
  return { type: (type ?? 'message') as SandboxEvent['type'], id, data: JSON.parse(data.join('\n')) } as SandboxEvent;
}
