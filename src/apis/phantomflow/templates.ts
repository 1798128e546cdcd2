// Templates: stored movie scripts with placeholders, owned by one account. Own templates can be
// changed; other accounts' public ones are read-only (403 on change), their private ones do not
// exist for the caller (404). The store is bounded (x-sandbox.bounds.resources.templates): count
// and bytes per account and in all; a create or replace past a bound is the spec's error.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../core/errors.ts';
import type { ResourceBound } from '../../openapi/policy.ts';
import type { Handler } from '../../engine/handler.ts';
import { placeholderNames } from './placeholders.ts';

export interface TemplateRecord {
  id: string;
  owner: string;
  seq: number;
  name: string;
  script: unknown;
  isPublic: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface TemplateInput {
  name: string;
  script: unknown;
  is_public?: boolean;
}

type Lookup = { found: TemplateRecord; own: boolean } | { found: undefined; own: false };

/** The bytes a template takes, as the JSON it came in (what memory grows with). */
const sizeOf = (input: TemplateInput) => Buffer.byteLength(JSON.stringify(input.script) ?? '') + Buffer.byteLength(input.name ?? '');

export class TemplateStore {
  private templates = new Map<string, TemplateRecord>();
  private seq = 0;
  private readonly sizes = new Map<string, number>();
  private readonly perOwner = new Map<string, { count: number; bytes: number }>();
  private totalBytes = 0;

  constructor(
    private readonly now: () => number,
    private readonly bound?: ResourceBound,
  ) {}

  /** Throw the spec's error if adding `bytes` (and `count` templates) for `owner` passes a bound. */
  private admit(owner: string, count: number, bytes: number): void {
    const b = this.bound;
    if (!b) return;
    const mine = this.perOwner.get(owner) ?? { count: 0, bytes: 0 };
    const refuse = (why: string) => new ApiError(b.code, `${why}; delete templates first.`);
    if (b.perAccount !== undefined && mine.count + count > b.perAccount) throw refuse(`This account holds ${mine.count} templates, the most the sandbox keeps per account (${b.perAccount})`);
    if (b.bytesPerAccount !== undefined && mine.bytes + bytes > b.bytesPerAccount) throw refuse(`This account's templates would take ${mine.bytes + bytes} bytes, more than the ${b.bytesPerAccount} bytes the sandbox keeps per account`);
    if (b.total !== undefined && this.templates.size + count > b.total) throw refuse(`The sandbox holds ${this.templates.size} templates, the most it keeps in all (${b.total})`);
    if (b.totalBytes !== undefined && this.totalBytes + bytes > b.totalBytes) throw refuse(`The sandbox's templates would take more than the ${b.totalBytes} bytes it keeps in all`);
  }

  private account(owner: string, id: string, bytes: number): void {
    const mine = this.perOwner.get(owner) ?? { count: 0, bytes: 0 };
    const before = this.sizes.get(id);
    if (before === undefined) mine.count++;
    mine.bytes += bytes - (before ?? 0);
    this.totalBytes += bytes - (before ?? 0);
    this.sizes.set(id, bytes);
    this.perOwner.set(owner, mine);
  }

  private unaccount(t: TemplateRecord): void {
    const bytes = this.sizes.get(t.id) ?? 0;
    this.sizes.delete(t.id);
    this.totalBytes -= bytes;
    const mine = this.perOwner.get(t.owner);
    if (!mine) return;
    mine.count--;
    mine.bytes -= bytes;
    if (mine.count <= 0) this.perOwner.delete(t.owner);
  }

  create(owner: string, input: TemplateInput): TemplateRecord {
    const bytes = sizeOf(input);
    this.admit(owner, 1, bytes);
    let id: string;
    do id = `tpl_${randomBytes(6).toString('hex')}`;
    while (this.templates.has(id));
    const now = this.now();
    const t: TemplateRecord = { id, owner, seq: ++this.seq, name: input.name, script: input.script, isPublic: input.is_public ?? false, createdAt: now, updatedAt: now };
    this.templates.set(id, t);
    this.account(owner, id, bytes);
    return t;
  }

  /** An own template, or another account's public one. */
  visible(owner: string, id: string): Lookup {
    const t = this.templates.get(id);
    if (!t) return { found: undefined, own: false };
    if (t.owner === owner) return { found: t, own: true };
    return t.isPublic ? { found: t, own: false } : { found: undefined, own: false };
  }

  /** Own templates plus other accounts' public ones, newest first. */
  list(owner: string): TemplateRecord[] {
    return [...this.templates.values()].filter((t) => t.owner === owner || t.isPublic).sort((a, b) => b.seq - a.seq);
  }

  replace(t: TemplateRecord, input: TemplateInput): TemplateRecord {
    const bytes = sizeOf(input);
    this.admit(t.owner, 0, bytes - (this.sizes.get(t.id) ?? 0));
    Object.assign(t, { name: input.name, script: input.script, isPublic: input.is_public ?? false, updatedAt: this.now() });
    this.account(t.owner, t.id, bytes);
    return t;
  }

  delete(t: TemplateRecord): void {
    if (this.templates.delete(t.id)) this.unaccount(t);
  }

  reset(owner?: string): void {
    if (owner === undefined) {
      this.templates.clear();
      this.sizes.clear();
      this.perOwner.clear();
      this.totalBytes = 0;
      return;
    }
    for (const [id, t] of this.templates) {
      if (t.owner !== owner) continue;
      this.templates.delete(id);
      this.unaccount(t);
    }
  }
}

export function templateView(t: TemplateRecord, caller: string): Record<string, unknown> {
  return {
    template_id: t.id,
    name: t.name,
    script: t.script,
    is_public: t.isPublic,
    is_owner: t.owner === caller,
    variables: placeholderNames(t.script),
    created_at: new Date(t.createdAt).toISOString(),
    updated_at: new Date(t.updatedAt).toISOString(),
  };
}

const notFound = (id: string) => new ApiError('NOT_FOUND', `Template ${id} not found.`);

/** The template the caller may change, or the documented 404 / 403. */
function ownedOrThrow(store: TemplateStore, owner: string, id: string): TemplateRecord {
  const { found, own } = store.visible(owner, id);
  if (!found) throw notFound(id);
  if (!own) throw new ApiError('FORBIDDEN', `Template ${id} belongs to another account; public templates can be read and rendered, not changed.`);
  return found;
}

export function templateHandlers(store: TemplateStore): Record<string, Handler> {
  return {
    createTemplate: ({ account, body }) => ({ status: 201, body: templateView(store.create(account.key, body as TemplateInput), account.key) }),
    listTemplates: ({ account }) => ({ status: 200, body: { data: store.list(account.key).map((t) => templateView(t, account.key)) } }),
    getTemplate: ({ account, params }) => {
      const { found } = store.visible(account.key, params.template_id!);
      if (!found) throw notFound(params.template_id!);
      return { status: 200, body: templateView(found, account.key) };
    },
    replaceTemplate: ({ account, params, body }) => {
      const t = ownedOrThrow(store, account.key, params.template_id!);
      return { status: 200, body: templateView(store.replace(t, body as TemplateInput), account.key) };
    },
    deleteTemplate: ({ account, params }) => {
      store.delete(ownedOrThrow(store, account.key, params.template_id!));
      return { status: 204 };
    },
  };
}
