// Templates: stored movie scripts with placeholders, owned by one account. Own templates can be
// changed; other accounts' public ones are read-only (403 on change), their private ones do not
// exist for the caller (404). The store is bounded (x-sandbox.bounds.resources.templates): count
// and bytes per account and in all; a create or replace past a bound is the spec's error.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../core/errors.ts';
import { isoTime } from '../../core/iso-time.ts';
import type { ResourceBound } from '../../openapi/policy.ts';
import { ResourceMeter } from '../../tenancy/resource-meter.ts';
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
  private readonly meter: ResourceMeter;

  constructor(
    private readonly now: () => number,
    bound?: ResourceBound,
  ) {
    this.meter = new ResourceMeter(bound, 'templates');
  }

  create(owner: string, input: TemplateInput): TemplateRecord {
    const bytes = sizeOf(input);
    this.meter.admit(owner, 1, bytes);
    let id: string;
    do id = `tpl_${randomBytes(6).toString('hex')}`;
    while (this.templates.has(id));
    const now = this.now();
    const t: TemplateRecord = { id, owner, seq: ++this.seq, name: input.name, script: input.script, isPublic: input.is_public ?? false, createdAt: now, updatedAt: now };
    this.templates.set(id, t);
    this.meter.set(owner, id, bytes);
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
    this.meter.admit(t.owner, 0, bytes - this.meter.sizeOf(t.id));
    Object.assign(t, { name: input.name, script: input.script, isPublic: input.is_public ?? false, updatedAt: this.now() });
    this.meter.set(t.owner, t.id, bytes);
    return t;
  }

  delete(t: TemplateRecord): void {
    if (this.templates.delete(t.id)) this.meter.delete(t.id);
  }

  reset(owner?: string): void {
    this.meter.reset(owner);
    if (owner === undefined) return this.templates.clear();
    for (const [id, t] of this.templates) if (t.owner === owner) this.templates.delete(id);
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
    created_at: isoTime(t.createdAt),
    updated_at: isoTime(t.updatedAt),
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
