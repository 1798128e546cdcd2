// Callbacks: an account's webhook subscriptions ({url, event} with a whsec_ signing secret), and
// the deliveries of video.completed / video.failed to them through the engine's dispatcher, which
// signs each body (x-sandbox.webhooks.signature: X-Sketchpen-Signature, hex HMAC-SHA256) and
// retries on the sandbox clock. Deleting a callback cancels its pending retries.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { TenantStore, type Resettable } from '../../core/tenant-store.ts';
import type { ResourceBound } from '../../openapi/policy.ts';
import { ResourceMeter } from '../../tenancy/resource-meter.ts';
import type { Handler } from '../../engine/handler.ts';
import type { WebhookDispatcher } from '../../webhooks/delivery.ts';
import { conflict, notFound } from './errors.ts';
import { iso, pageOf } from './paging.ts';

export type CallbackEvent = 'video.completed' | 'video.failed';

export interface Callback {
  id: string;
  url: string;
  event: CallbackEvent;
  secret: string;
  isActive: boolean;
  createdAt: number;
  seq: number;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** whsec_ and 24 random base62 characters, like the vendor's example. */
function newSecret(): string {
  return `whsec_${[...randomBytes(24)].map((b) => BASE62[b % 62]).join('')}`;
}

/** A stable UUID-shaped account id for `user_id`, derived from the key (the key itself is never shown). */
export function userIdOf(key: string): string {
  const h = createHash('sha256').update(`sketchpen-user:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class CallbackStore implements Resettable {
  private readonly books = new TenantStore<Map<string, Callback>>();
  private seq = 0;
  /** subscriptions per account and in all (x-sandbox.bounds.resources.callbacks) */
  private readonly meter: ResourceMeter;

  constructor(
    private readonly now: () => number,
    bound?: ResourceBound,
  ) {
    this.meter = new ResourceMeter(bound, 'callbacks');
  }

  add(owner: string, url: string, event: CallbackEvent): Callback {
    const book = this.books.upsert(owner, () => new Map());
    for (const c of book.values()) if (c.url === url && c.event === event) throw conflict('A callback for this url and event already exists');
    this.meter.admit(owner, 1, Buffer.byteLength(url));
    const cb: Callback = { id: randomUUID(), url, event, secret: newSecret(), isActive: true, createdAt: this.now(), seq: ++this.seq };
    book.set(cb.id, cb);
    this.meter.set(owner, cb.id, Buffer.byteLength(url));
    return cb;
  }

  /** newest first */
  list(owner: string, event?: CallbackEvent): Callback[] {
    return [...(this.books.get(owner)?.values() ?? [])].filter((c) => event === undefined || c.event === event).sort((a, b) => b.seq - a.seq);
  }

  has(owner: string, cb: Callback): boolean {
    return this.books.get(owner)?.get(cb.id) === cb;
  }

  remove(owner: string, id: string): boolean {
    const removed = this.books.get(owner)?.delete(id) ?? false;
    if (removed) this.meter.delete(id);
    return removed;
  }

  reset(key?: string): void {
    this.books.reset(key);
    this.meter.reset(key);
  }
}

/** The documented delivery body (WebhookPayload). */
export function webhookPayload(event: CallbackEvent, video: Record<string, unknown>, nowMs: number): Record<string, unknown> {
  const pick = ['id', 'status', 'prompt', 'video_url', 'audio_url', 'thumbnail_url', 'created_at', 'updated_at'];
  return { event, video_id: video.id, data: Object.fromEntries(pick.map((k) => [k, video[k] ?? null])), created_at: Math.floor(nowMs / 1000) };
}

/** Deliver `event` about a video to every active callback of its owner for that event. */
export function notify(o: { store: CallbackStore; dispatcher: WebhookDispatcher; secretField: string }, owner: string, event: CallbackEvent, video: Record<string, unknown>, nowMs: number): void {
  const payload = webhookPayload(event, video, nowMs);
  for (const cb of o.store.list(owner, event)) {
    if (!cb.isActive) continue;
    const secret = (cbView(cb, owner) as Record<string, unknown>)[o.secretField];
    o.dispatcher.send({
      key: owner,
      subject: String(video.id),
      url: cb.url,
      event,
      payload,
      secret: typeof secret === 'string' ? secret : cb.secret,
      isActive: () => o.store.has(owner, cb) && cb.isActive,
    });
  }
}

function cbView(c: Callback, owner: string) {
  return { id: c.id, user_id: userIdOf(owner), url: c.url, event: c.event, secret: c.secret, is_active: c.isActive, created_at: iso(c.createdAt) };
}

export function callbackHandlers(store: CallbackStore): Record<string, Handler> {
  return {
    createCallback: ({ account, body }) => {
      const b = body as { url: string; event: CallbackEvent };
      return { status: 201, body: cbView(store.add(account.key, b.url, b.event), account.key) };
    },
    listCallbacks: ({ account, query }) => ({ status: 200, body: pageOf(store.list(account.key), query, (c) => cbView(c, account.key)) }),
    deleteCallback: ({ account, params }) => {
      if (!store.remove(account.key, params.id!)) throw notFound('Callback');
      return { status: 204 };
    },
  };
}
