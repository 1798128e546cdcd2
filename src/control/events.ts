// The sandbox's event stream (GET /__sandbox/events, text/event-stream): finished requests, job
// transitions, webhook attempts and changes made through the control API, as server-sent events.
//
// Bounded everywhere: the bus keeps the last `recent` frames for replay (Last-Event-ID), and
// only while someone listens (or has just stopped: a reconnecting browser gets its gap
// replayed); each subscriber queues at most `maxQueuedBytes` while its socket is full, then drops
// what is queued and tells it so (`overflow`), so a slow consumer costs a fixed amount of memory.
// Heartbeats keep proxies and the client's liveness check happy; close() ends every stream.
import type { Writable } from 'node:stream';
import { EVENT_TYPES, type EventPublisher, type SandboxEventType } from '../core/events.ts';

export { EVENT_TYPES, type EventPublisher, type SandboxEventType };

export interface EventBusOptions {
  /** frames kept for replay to a reconnecting client; default 512 */
  recent?: number;
  /** bytes a subscriber may have queued behind a full socket before its queue is dropped; default 1 MiB */
  maxQueuedBytes?: number;
  /** streams open at once; default 32 */
  maxSubscribers?: number;
  /** default heartbeat interval; default 15 000 ms */
  heartbeatMs?: number;
  /** wall ms the bus keeps frames after the last subscriber left; default 60 000 */
  lingerMs?: number;
  /** sandbox time (ISO), for heartbeats */
  now?: () => string;
}

export interface SubscribeOptions {
  /** only these types (heartbeat, ready, overflow and resync always come) */
  types?: SandboxEventType[];
  /** the last event id the client saw: newer kept frames are replayed first */
  lastEventId?: number;
  heartbeatMs?: number;
}

export interface EventBusStats {
  subscribers: number;
  lastEventId: number;
  /** bytes queued behind full sockets, all subscribers */
  queuedBytes: number;
  /** events dropped for slow subscribers since start */
  dropped: number;
}

interface Frame {
  id: number;
  type: SandboxEventType;
  text: string;
}

const frameOf = (type: string, data: unknown, id?: number) => `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

class Subscriber {
  private queue: string[] = [];
  private queuedBytes = 0;
  private waiting = false;
  private pendingDrops = 0;
  dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly out: Writable,
    readonly types: Set<SandboxEventType> | undefined,
    private readonly maxQueuedBytes: number,
  ) {}

  get backlog(): number {
    return this.queuedBytes;
  }

  wants(type: SandboxEventType): boolean {
    return !this.types || this.types.has(type);
  }

  heartbeat(everyMs: number, beat: () => string): void {
    this.timer = setInterval(() => this.send(beat()), everyMs);
    this.timer.unref();
  }

  send(text: string): void {
    if (this.out.destroyed || this.out.writableEnded) return;
    if (this.waiting) {
      const size = Buffer.byteLength(text);
      if (this.queuedBytes + size > this.maxQueuedBytes) {
        // Too far behind: forget the backlog (the client is told, and resyncs from the lists).
        this.pendingDrops += this.queue.length + 1;
        this.dropped += this.queue.length + 1;
        this.queue = [];
        this.queuedBytes = 0;
        return;
      }
      this.queue.push(text);
      this.queuedBytes += size;
      return;
    }
    if (!this.out.write(text)) {
      this.waiting = true;
      this.out.once('drain', () => this.flush());
    }
  }

  private flush(): void {
    this.waiting = false;
    if (this.pendingDrops) {
      const n = this.pendingDrops;
      this.pendingDrops = 0;
      this.send(frameOf('overflow', { dropped: n, message: 'this stream fell behind; events were dropped: reload the lists' }));
    }
    while (this.queue.length && !this.waiting) {
      const next = this.queue.shift()!;
      this.queuedBytes -= Buffer.byteLength(next);
      this.send(next);
    }
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.out.destroyed && !this.out.writableEnded) this.out.end();
  }
}

export class EventBus implements EventPublisher {
  private seq = 0;
  private frames: (Frame | undefined)[];
  private next = 0;
  private subscribers = new Set<Subscriber>();
  private lingerUntil = 0;
  private closed = false;
  private droppedBefore = 0;
  private readonly o: Required<EventBusOptions>;

  constructor(options: EventBusOptions = {}) {
    this.o = {
      recent: 512,
      maxQueuedBytes: 1024 * 1024,
      maxSubscribers: 32,
      heartbeatMs: 15_000,
      lingerMs: 60_000,
      now: () => new Date().toISOString(),
      ...options,
    };
    this.frames = new Array(Math.max(1, this.o.recent));
  }

  get active(): boolean {
    return this.subscribers.size > 0 || Date.now() < this.lingerUntil;
  }

  /** Room for another stream? */
  get full(): boolean {
    return this.subscribers.size >= this.o.maxSubscribers;
  }

  get maxSubscribers(): number {
    return this.o.maxSubscribers;
  }

  stats(): EventBusStats {
    let queuedBytes = 0;
    let dropped = this.droppedBefore;
    for (const s of this.subscribers) {
      queuedBytes += s.backlog;
      dropped += s.dropped;
    }
    return { subscribers: this.subscribers.size, lastEventId: this.seq, queuedBytes, dropped };
  }

  publish(type: SandboxEventType, data: unknown): void {
    const id = ++this.seq;
    if (this.closed || !this.active) return;
    const frame: Frame = { id, type, text: frameOf(type, data, id) };
    this.frames[this.next] = frame;
    this.next = (this.next + 1) % this.frames.length;
    for (const s of this.subscribers) if (s.wants(type)) s.send(frame.text);
  }

  /** Stream to `out` (whose headers are sent) until it closes or the bus does. */
  subscribe(out: Writable, options: SubscribeOptions = {}): void {
    if (this.closed) {
      out.end();
      return;
    }
    const sub = new Subscriber(out, options.types?.length ? new Set(options.types) : undefined, this.o.maxQueuedBytes);
    this.subscribers.add(sub);
    const leave = () => {
      if (!this.subscribers.delete(sub)) return;
      this.droppedBefore += sub.dropped;
      sub.end();
      if (!this.subscribers.size) this.lingerUntil = Date.now() + this.o.lingerMs;
    };
    out.once('close', leave);
    out.once('error', leave);

    sub.send(`: video-api-sandbox events\nretry: 2000\n\n`);
    const last = options.lastEventId;
    if (last !== undefined && last < this.seq) {
      const kept = this.kept().filter((f) => f.id > last);
      // Replay only a gap the bus fully kept; otherwise the client must reload its lists.
      const whole = kept.length > 0 && kept.every((f, i) => f.id === last + 1 + i) && kept[kept.length - 1]!.id === this.seq;
      if (whole) for (const f of kept) sub.wants(f.type) && sub.send(f.text);
      else sub.send(frameOf('resync', { lastEventId: last, oldestKept: kept[0]?.id ?? null, message: 'events since lastEventId are no longer kept: reload the lists' }));
    }
    const heartbeatMs = options.heartbeatMs ?? this.o.heartbeatMs;
    sub.send(frameOf('ready', { lastEventId: this.seq, types: options.types?.length ? options.types : EVENT_TYPES, heartbeatSeconds: heartbeatMs / 1000 }, this.seq));
    sub.heartbeat(heartbeatMs, () => frameOf('heartbeat', { at: new Date().toISOString(), now: this.o.now() }));
  }

  /** End every stream; later subscriptions end at once. */
  close(): void {
    this.closed = true;
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
    this.frames = new Array(this.frames.length);
  }

  /** Kept frames, oldest first. */
  private kept(): Frame[] {
    const out: Frame[] = [];
    for (let i = 0; i < this.frames.length; i++) {
      const f = this.frames[(this.next + i) % this.frames.length];
      if (f) out.push(f);
    }
    return out;
  }
}
