// Assets: characters (with a voice; they can speak in multi_voice videos) and objects, per
// account, with an uploaded picture. The upload is multipart field `file`, checked to really be a
// PNG, JPEG or WebP (its bytes sniffed, then decoded by ffprobe) before it is kept. The store is
// bounded (x-sandbox.bounds.resources.assets): count and picture bytes per account and in all.
import { randomUUID } from 'node:crypto';
import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TenantStore, type Resettable } from '../../core/tenant-store.ts';
import type { ResourceBound } from '../../openapi/policy.ts';
import { ResourceMeter } from '../../tenancy/resource-meter.ts';
import type { Handler } from '../../engine/handler.ts';
import type { FormBody } from '../../engine/transport/multipart.ts';
import { imageInfo } from '../../media/image-size.ts';
import { probe } from '../../media/probe.ts';
import { VOICE_IDS } from './catalogues.ts';
import { invalidField, notFound } from './errors.ts';
import { iso, pageOf } from './paging.ts';

export type AssetType = 'character' | 'object';

export interface Asset {
  id: string;
  type: AssetType;
  name: string;
  description: string | null;
  voice_id: string | null;
  /** file name of the uploaded picture */
  image: string | null;
  createdAt: number;
  seq: number;
}

export class AssetStore implements Resettable {
  private readonly books: TenantStore<Map<string, Asset>>;
  private seq = 0;
  /** count and picture bytes per account and in all (x-sandbox.bounds.resources.assets) */
  readonly meter: ResourceMeter;

  constructor(
    private readonly dir: string,
    private readonly now: () => number,
    bound?: ResourceBound,
  ) {
    this.meter = new ResourceMeter(bound, 'assets');
    this.books = new TenantStore((assets) => {
      for (const a of assets.values()) this.removeImage(a);
    });
  }

  add(owner: string, a: Omit<Asset, 'id' | 'createdAt' | 'seq' | 'image'>): Asset {
    this.meter.admit(owner, 1, 0);
    const asset: Asset = { ...a, id: randomUUID(), image: null, createdAt: this.now(), seq: ++this.seq };
    this.books.upsert(owner, () => new Map()).set(asset.id, asset);
    this.meter.set(owner, asset.id, 0);
    return asset;
  }

  get(owner: string, id: string): Asset | undefined {
    return this.books.get(owner)?.get(id);
  }

  /** newest first */
  list(owner: string, type?: AssetType): Asset[] {
    const all = [...(this.books.get(owner)?.values() ?? [])];
    return all.filter((a) => type === undefined || a.type === type).sort((a, b) => b.seq - a.seq);
  }

  remove(owner: string, id: string): boolean {
    const book = this.books.get(owner);
    const asset = book?.get(id);
    if (!book || !asset) return false;
    book.delete(id);
    this.meter.delete(id);
    this.removeImage(asset);
    return true;
  }

  /** The local file of an asset's picture, if it has one. */
  imagePath(a: Asset): string | undefined {
    return a.image ? join(this.dir, a.image) : undefined;
  }

  reset(key?: string): void {
    this.books.reset(key);
    this.meter.reset(key);
  }

  private removeImage(a: Asset): void {
    if (a.image) void unlink(join(this.dir, a.image)).catch(() => undefined);
  }
}

const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;
const CODECS: Record<keyof typeof EXT, string> = { png: 'png', jpeg: 'mjpeg', webp: 'webp' };

/** PNG, JPEG or WebP by its first bytes. */
function sniff(bytes: Buffer): keyof typeof EXT | undefined {
  if (bytes.length >= 16 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return imageInfo(bytes)?.type;
}

function checkVoice(type: AssetType, voice: string | null | undefined): void {
  if (voice !== undefined && voice !== null && !VOICE_IDS.includes(voice)) {
    throw invalidField(['body', 'voice_id'], `Unknown voice_id '${voice}'; the voices are ${VOICE_IDS.join(', ')} (GET /voices)`);
  }
  if (type === 'character' && (voice === null || voice === undefined)) throw invalidField(['body', 'voice_id'], 'A character needs a voice_id', 'missing');
}

/** Objects do not speak: their voice_id reads null whatever was sent (the spec's Asset.voice_id). */
const voiceOfType = (type: AssetType, voice: string | null | undefined) => (type === 'character' ? (voice ?? null) : null);

export function assetHandlers(o: { store: AssetStore; dir: string; maxBytes: number; link: (name: string) => string }): Record<string, Handler> {
  const { store } = o;
  const view = (a: Asset, baseUrl: string) => ({
    id: a.id,
    type: a.type,
    name: a.name,
    description: a.description,
    voice_id: a.voice_id,
    image_url: a.image ? `${baseUrl}${o.link(a.image)}` : null,
    created_at: iso(a.createdAt),
  });
  const owned = (owner: string, id: string) => {
    const a = store.get(owner, id);
    if (!a) throw notFound('Asset');
    return a;
  };
  return {
    createAsset: ({ account, body, baseUrl }) => {
      const b = body as { type: AssetType; name: string; description?: string; voice_id?: string };
      checkVoice(b.type, b.voice_id);
      const asset = store.add(account.key, { type: b.type, name: b.name, description: b.description ?? null, voice_id: voiceOfType(b.type, b.voice_id) });
      return { status: 201, body: view(asset, baseUrl) };
    },
    listAssets: ({ account, query, baseUrl }) => ({
      status: 200,
      body: pageOf(store.list(account.key, query.type as AssetType | undefined), query, (a) => view(a, baseUrl)),
    }),
    getAsset: ({ account, params, baseUrl }) => ({ status: 200, body: view(owned(account.key, params.id!), baseUrl) }),
    updateAsset: ({ account, params, body, baseUrl }) => {
      const a = owned(account.key, params.id!);
      const b = body as { name?: string; description?: string | null; voice_id?: string | null };
      if ('voice_id' in b) checkVoice(a.type, b.voice_id);
      if (b.name !== undefined) a.name = b.name;
      if ('description' in b) a.description = b.description ?? null;
      if ('voice_id' in b) a.voice_id = voiceOfType(a.type, b.voice_id);
      return { status: 200, body: view(a, baseUrl) };
    },
    deleteAsset: ({ account, params }) => {
      if (!store.remove(account.key, params.id!)) throw notFound('Asset');
      return { status: 204 };
    },
    uploadAssetImage: async ({ account, params, body, baseUrl }) => {
      const a = owned(account.key, params.id!);
      const file = (body as FormBody | undefined)?.files.file;
      if (!file) throw invalidField(['body', 'file'], 'Expected a file upload in the field "file"', 'missing');
      if (!file.data.length) throw invalidField(['body', 'file'], 'The file is empty');
      if (file.data.length > o.maxBytes) throw invalidField(['body', 'file'], `The file is larger than ${o.maxBytes} bytes`);
      // Room for the new picture (the old one's bytes are given back when it is replaced).
      store.meter.admit(account.key, 0, file.data.length - store.meter.sizeOf(a.id));
      const type = sniff(file.data);
      if (!type) throw invalidField(['body', 'file'], 'The file is not a PNG, JPEG or WebP image');
      // Decoded for real: a truncated or corrupt image with a good header is refused too.
      const tmp = join(o.dir, `.upload-${randomUUID()}.${EXT[type]}`);
      await writeFile(tmp, file.data);
      try {
        const info = await probe(tmp, 10_000, true).catch(() => undefined);
        const ok = info?.video?.codec === CODECS[type] && info.video.width > 0 && info.video.height > 0 && info.video.width <= 16384 && info.video.height <= 16384;
        if (!ok) throw invalidField(['body', 'file'], `The file is not a readable ${type.toUpperCase()} image`);
        // Deleted (or reset) while its upload was checked: keep nothing.
        if (store.get(account.key, a.id) !== a) throw notFound('Asset');
        const name = `asset-${a.id}.${EXT[type]}`;
        await rename(tmp, join(o.dir, name));
        if (a.image && a.image !== name) void unlink(join(o.dir, a.image)).catch(() => undefined);
        a.image = name;
        store.meter.set(account.key, a.id, file.data.length);
      } finally {
        await rm(tmp, { force: true });
      }
      return { status: 200, body: view(a, baseUrl) };
    },
  };
}
