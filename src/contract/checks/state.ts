// Checks on state, each on one step of a create → read → list → update → delete sequence that the
// links of the spec describe, and on a second key that must not see, change or delete the first
// key's resources.
import { at, atAll, errorCode } from '../profile.ts';
import { fail, pass, type Check, type CheckContext } from '../types.ts';

function stateOf(ctx: CheckContext) {
  return ctx.meta.kind === 'state' ? ctx.meta : undefined;
}

/** Top-level scalar fields sent that the response also has, and differ. */
export function differingFields(sent: unknown, got: unknown): string[] {
  if (!sent || typeof sent !== 'object' || !got || typeof got !== 'object') return [];
  return Object.entries(sent as Record<string, unknown>)
    .filter(([k, v]) => (v === null || typeof v !== 'object') && k in (got as object) && (got as any)[k] !== v)
    .map(([k, v]) => `${k}: sent ${JSON.stringify(v)}, got ${JSON.stringify((got as any)[k])}`);
}

const short = (status: number, body: unknown, text: string) => `${status} ${body === undefined ? text.slice(0, 200) : JSON.stringify(body).slice(0, 200)}`;

export const resourceCreated: Check = {
  name: 'resource_created',
  family: 'state',
  description: 'a create answers its documented success status with the new id',
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (s?.step !== 'create') return undefined;
    if (res.status >= 200 && res.status < 300 && s.id) return pass();
    return fail(`a 2xx with an id (${s.label})`, short(res.status, res.json, res.text));
  },
};

export const resourceReadable: Check = {
  name: 'resource_readable',
  family: 'state',
  description: 'a created resource can be read back, with the same id and the values sent',
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (s?.step !== 'read') return undefined;
    if (res.status !== 200) return fail(`200 for the resource just created (${s.id})`, short(res.status, res.json, res.text));
    const diff = differingFields(s.sent, res.json);
    return diff.length ? fail('the values sent at create', diff.join('; ')) : pass();
  },
};

export const resourceListed: Check = {
  name: 'resource_listed',
  family: 'state',
  description: 'a created resource appears in the list operation the links name',
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (s?.step !== 'list') return undefined;
    if (res.status !== 200) return fail('200 from the list', short(res.status, res.json, res.text));
    const idPointer = ctx.facts.idPointer as string;
    const arrays = atAll(res.json, '/*').filter(Array.isArray) as unknown[][];
    const top = Array.isArray(res.json) ? [res.json as unknown[]] : arrays;
    const found = top.some((arr) => arr.some((item) => at(item, idPointer) === s.id));
    return found ? pass() : fail(`an item with ${idPointer.slice(1)} = ${s.id} in the list`, `${top.reduce((n, a) => n + a.length, 0)} items, none with that id`);
  },
};

export const updateApplied: Check = {
  name: 'update_applied',
  family: 'state',
  description: 'an update answers 2xx and a later read shows the new values',
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (s?.step === 'update') return res.status >= 200 && res.status < 300 ? pass() : fail('a 2xx for the update of an own resource', short(res.status, res.json, res.text));
    if (s?.step !== 'read-after-update') return undefined;
    if (res.status !== 200) return fail('200 reading the updated resource', short(res.status, res.json, res.text));
    const diff = differingFields(s.sent, res.json);
    return diff.length ? fail('the values sent in the update', diff.join('; ')) : pass();
  },
};

export const deleteThenNotFound: Check = {
  name: 'delete_then_not_found',
  family: 'state',
  description: 'delete answers 2xx; reading or deleting it again is 404',
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (s?.step === 'delete') return res.status >= 200 && res.status < 300 ? pass() : fail('a 2xx for deleting an own resource', short(res.status, res.json, res.text));
    if (s?.step !== 'read-after-delete' && s?.step !== 'delete-again') return undefined;
    return res.status === 404 ? pass() : fail(`404 after the delete (${s.step})`, `${res.status} ${errorCode(ctx.profile, res.json) ?? res.text.slice(0, 120)}`);
  },
};

export const tenantIsolation: Check = {
  name: 'tenant_isolation',
  family: 'state',
  description: "a second key cannot read, change or delete the first key's resource, which stays as it was",
  run(_op, _req, res, ctx) {
    const s = stateOf(ctx);
    if (!s || !s.step.startsWith('foreign-') && s.step !== 'owner-read-after-foreign') return undefined;
    if (s.step === 'foreign-list') {
      if (res.status !== 200) return undefined;
      const idPointer = ctx.facts.idPointer as string;
      const arrays = Array.isArray(res.json) ? [res.json as unknown[]] : (atAll(res.json, '/*').filter(Array.isArray) as unknown[][]);
      const leaked = arrays.some((arr) => arr.some((item) => at(item, idPointer) === s.id));
      return leaked ? fail(`the second key's list without ${s.id}`, 'it lists the first key\'s resource') : pass();
    }
    if (s.step === 'owner-read-after-foreign') {
      if (res.status !== 200) return fail("the owner still reads its resource after the second key's attempts", short(res.status, res.json, res.text));
      const before = JSON.stringify(s.created);
      return JSON.stringify(res.json) === before ? pass() : fail('the resource unchanged by the second key', `${JSON.stringify(res.json).slice(0, 200)} (was ${before.slice(0, 200)})`);
    }
    return res.status === 404 || res.status === 403 ? pass() : fail(`404 (or 403) for another account's resource (${s.step})`, short(res.status, res.json, res.text));
  },
};

export const paginationWorks: Check = {
  name: 'pagination',
  family: 'state',
  description: 'a page holds at most `limit` items, and the next page (cursor or offset) holds other items',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'page') return undefined;
    if (res.status !== 200) return fail(`200 for a page (${ctx.meta.label})`, short(res.status, res.json, res.text));
    const items = at(res.json, ctx.facts.items as string);
    if (!Array.isArray(items)) return fail(`an array at ${ctx.facts.items}`, JSON.stringify(items)?.slice(0, 120) ?? 'none');
    if (items.length > ctx.meta.limit) return fail(`at most ${ctx.meta.limit} item(s) with ${ctx.facts.limitParam}=${ctx.meta.limit}`, `${items.length} items`);
    if (ctx.meta.step === 'next') {
      const before = new Set(((ctx.facts.previous as unknown[]) ?? []).map((x) => JSON.stringify(x)));
      const repeated = items.filter((x) => before.has(JSON.stringify(x)));
      if (repeated.length) return fail('a next page without the items of the page before', `${repeated.length} repeated`);
      if (!items.length) return fail('items on the next page (there were more)', 'an empty page');
    }
    return pass();
  },
};

export const filterApplied: Check = {
  name: 'list_filter_applied',
  family: 'state',
  description: 'a list filtered by a documented parameter holds only items that match it',
  run(_op, _req, res, ctx) {
    if (ctx.meta.kind !== 'filter') return undefined;
    if (res.status !== 200) return fail(`200 for ${ctx.meta.label}`, short(res.status, res.json, res.text));
    const items = at(res.json, ctx.facts.items as string);
    if (!Array.isArray(items)) return fail(`an array at ${ctx.facts.items}`, 'none');
    const field = ctx.facts.field as string;
    const { value } = ctx.meta;
    const wrong = items.filter((item) => String(at(item, field)) !== value);
    return wrong.length ? fail(`only items with ${field.slice(1)} = ${value}`, `${wrong.length} of ${items.length} with ${[...new Set(wrong.map((w) => JSON.stringify(at(w, field))))].join(', ')}`) : pass();
  },
};

export const stateChecks: Check[] = [paginationWorks, filterApplied, resourceCreated, resourceReadable, resourceListed, updateApplied, deleteThenNotFound, tenantIsolation];
