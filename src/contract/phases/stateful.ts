// Stateful sequences from the spec's links: create → read → list → (a second key reads, changes,
// deletes: all refused, the owner's copy unchanged) → update → read → delete → read 404 → delete
// 404. Job resources are followed by the jobs phase instead (they end on their own).
import { at, type LinkView, type Resource } from '../profile.ts';
import type { Session } from '../session.ts';
import type { StateStep } from '../types.ts';
import { aValidBody, defaultParameters, fillPath, jsonBody } from './common.ts';

function linkPath(link: LinkView, created: unknown): string {
  return fillPath(link.target.path, Object.fromEntries(Object.entries(link.params).map(([k, p]) => [k, String(at(created, p))])));
}

export async function followLinks(s: Session, r: Resource, created: unknown, id: string, sent: unknown, opts: { update: boolean; del: boolean }): Promise<void> {
  const random = s.random.fork(`state:${r.name}`);
  const meta = (step: StateStep, extra: Record<string, unknown> = {}) => ({ kind: 'state' as const, step, resource: r.name, id, label: `${step} ${r.name} ${id}`, ...extra });
  let ownerView: unknown = created;
  if (r.read) {
    const res = await s.exchange(r.read.target, { method: 'get', path: linkPath(r.read, created) }, meta('read', { sent }));
    if (res.status === 200) ownerView = res.json;
  }
  if (r.list) {
    const q = defaultParameters(s, r.list.target, random).query;
    await s.exchange(r.list.target, { method: 'get', path: r.list.target.path, query: q }, meta('list'), { facts: { idPointer: r.idPointer } });
  }
  const second = s.keys.second;
  if (!second) {
    s.record('tenant_isolation', r.create, { status: 'skipped', reason: 'no second key (--second-key, or a sandbox to provision one)' });
  } else if (r.read || r.list || r.update || r.delete) {
    if (r.read) await s.exchange(r.read.target, { method: 'get', path: linkPath(r.read, created), key: second }, meta('foreign-read'));
    if (r.list) await s.exchange(r.list.target, { method: 'get', path: r.list.target.path, query: defaultParameters(s, r.list.target, random).query, key: second }, meta('foreign-list'), { facts: { idPointer: r.idPointer } });
    if (r.update) await s.exchange(r.update.target, { method: r.update.target.method, path: linkPath(r.update, created), json: aValidBody(s, r.update.target, random), key: second }, meta('foreign-update'));
    if (r.delete) await s.exchange(r.delete.target, { method: 'delete', path: linkPath(r.delete, created), key: second }, meta('foreign-delete'));
    if (r.read) await s.exchange(r.read.target, { method: 'get', path: linkPath(r.read, created) }, meta('owner-read-after-foreign', { created: ownerView }));
  }
  if (opts.update && r.update) {
    const body = aValidBody(s, r.update.target, random);
    await s.exchange(r.update.target, { method: r.update.target.method, path: linkPath(r.update, created), json: body }, meta('update', { sent: body }));
    if (r.read) await s.exchange(r.read.target, { method: 'get', path: linkPath(r.read, created) }, meta('read-after-update', { sent: body }));
  }
  if (opts.del && r.delete) {
    await s.exchange(r.delete.target, { method: 'delete', path: linkPath(r.delete, created) }, meta('delete'));
    if (r.read) await s.exchange(r.read.target, { method: 'get', path: linkPath(r.read, created) }, meta('read-after-delete'));
    await s.exchange(r.delete.target, { method: 'delete', path: linkPath(r.delete, created) }, meta('delete-again'));
  }
}

export async function statefulPhase(s: Session, r: Resource): Promise<void> {
  const random = s.random.fork(`create:${r.name}`);
  const params = defaultParameters(s, r.create, random);
  const body = jsonBody(r.create) ? aValidBody(s, r.create, random) : undefined;
  const res = await s.exchange(r.create, { method: r.create.method, path: fillPath(r.create.path, params.path), query: params.query, json: body }, { kind: 'plain', label: `create via ${r.create.operationId}` });
  const id = at(res.json, r.idPointer);
  if (res.status < 200 || res.status >= 300 || id === undefined) {
    s.record('resource_created', r.create, { status: 'failed', expected: `a 2xx with ${r.idPointer.slice(1)}`, got: `${res.status} ${res.text.slice(0, 200)}` });
    return;
  }
  s.record('resource_created', r.create, { status: 'passed' });
  await followLinks(s, r, res.json, String(id), body, { update: true, del: true });
}
