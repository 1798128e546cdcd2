// A test client for GET /__sandbox/events over a real socket: collects parsed server-sent events
// and waits for the ones a test expects.
export interface SseEvent {
  id?: number;
  type: string;
  data: any;
}

export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** the stream ended (the server closed it) */
  ended: Promise<void>;
  /** the first event (already received or still to come) that `match` accepts */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  close(): void;
}

export async function openEvents(url: string, path = '/__sandbox/events', headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url + path, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  const parse = (block: string) => {
    let type = 'message';
    let data = '';
    let id: number | undefined;
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c === -1 ? line : line.slice(0, c);
      const v = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (field === 'event') type = v;
      else if (field === 'data') data += data ? `\n${v}` : v;
      else if (field === 'id') id = Number(v);
    }
    if (!data) return;
    events.push({ id, type, data: JSON.parse(data) });
    for (const w of waiters) w();
  };
  if (res.body && res.headers.get('content-type')?.startsWith('text/event-stream')) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
            parse(buffer.slice(0, i));
            buffer = buffer.slice(i + 2);
          }
        }
      } catch {
        /* aborted */
      }
      endedResolve();
      for (const w of waiters) w();
    })();
  } else endedResolve();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    next(match, timeoutMs = 10_000, what = 'event') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
