// Templates through real HTTP: CRUD, visibility across two accounts (own/other × public/private),
// placeholders filled at render time.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { expectError, waitForJob } from '../support/phantomflow.ts';
import { expectRateHeaders } from '../support/http.ts';
import { fillPlaceholders, placeholderNames, UnresolvedPlaceholder } from '../../src/apis/phantomflow/placeholders.ts';

let s: RunningSandbox;
beforeAll(async () => {
  s = await startSandbox({ jobs: { queueDelayMs: 0 } });
});
afterAll(() => s.close());

const as = (key: string) => ({
  get: (path: string) => request(s.url).get(path).set('x-api-key', key),
  post: (path: string, body: unknown) => request(s.url).post(path).set('x-api-key', key).send(body as object),
  put: (path: string, body: unknown) => request(s.url).put(path).set('x-api-key', key).send(body as object),
  del: (path: string) => request(s.url).delete(path).set('x-api-key', key),
});

const script = { scenes: [{ duration: 1, background: '#000000', elements: [{ type: 'text', text: 'Fixed' }] }], width: 64, height: 36, fps: 5, quality: 'low' };

describe('template CRUD', () => {
  const key = freshKey('ve_test_', 'pro');
  const me = as(key);

  it('creates (201) with a tpl_ id, placeholders listed in order of appearance', async () => {
    const res = await me.post('/api/templates', {
      name: 'Welcome',
      script: { ...script, scenes: [{ duration: '{{seconds}}', elements: [{ type: 'text', text: 'Hi {{name}}, {{headline}} {{name}}' }] }] },
    });
    expect(res.status).toBe(201);
    expectRateHeaders(res.headers);
    expect(res.body.template_id).toMatch(/^tpl_[0-9a-f]{12}$/);
    expect(res.body).toMatchObject({ name: 'Welcome', is_public: false, is_owner: true, variables: ['seconds', 'name', 'headline'] });
    expect(res.body.created_at).toBe(res.body.updated_at);
  });

  it('reads, replaces (is_public defaults to false), deletes (204), then 404', async () => {
    const created = await me.post('/api/templates', { name: 'A', script, is_public: true });
    const id = created.body.template_id;
    expect((await me.get(`/api/templates/${id}`)).body).toMatchObject({ template_id: id, name: 'A', is_public: true });
    const replaced = await me.put(`/api/templates/${id}`, { name: 'B', script: { scenes: [{ duration: 2 }] } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ template_id: id, name: 'B', is_public: false, variables: [] });
    const del = await me.del(`/api/templates/${id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectRateHeaders(del.headers);
    expectError(await me.get(`/api/templates/${id}`), 404, 'NOT_FOUND');
    expectError(await me.del(`/api/templates/${id}`), 404, 'NOT_FOUND');
  });

  it('lists newest first', async () => {
    const k = freshKey('ve_test_', 'pro');
    const a = (await as(k).post('/api/templates', { name: 'first', script })).body.template_id;
    const b = (await as(k).post('/api/templates', { name: 'second', script })).body.template_id;
    const ids = (await as(k).get('/api/templates')).body.data.map((t: any) => t.template_id);
    expect(ids.indexOf(b)).toBeLessThan(ids.indexOf(a));
  });

  it('rejects an empty or blank name (VALIDATION_ERROR), a missing script (INVALID_REQUEST), a key typo (VALIDATION_ERROR)', async () => {
    const empty = await me.post('/api/templates', { name: '', script });
    expectError(empty, 400, 'VALIDATION_ERROR');
    expect(empty.body.error.path).toBe('name');
    expectError(await me.post('/api/templates', { name: '   ', script }), 400, 'VALIDATION_ERROR');
    const missing = await me.post('/api/templates', { name: 'x' });
    expectError(missing, 400, 'INVALID_REQUEST');
    expect(missing.body.error.path).toBe('script');
    const typo = await me.post('/api/templates', { name: 'x', script: { scenes: [{ durtion: 1 }] } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.path).toMatch(/^script\.scenes\.0/);
  });

  it('a malformed template id is 400 INVALID_REQUEST, an unknown one 404 NOT_FOUND', async () => {
    expectError(await me.get('/api/templates/nope'), 400, 'INVALID_REQUEST');
    expectError(await me.get('/api/templates/tpl_000000000000'), 404, 'NOT_FOUND');
  });
});

describe('visibility: two accounts, four templates', () => {
  const A = freshKey('ve_test_', 'pro');
  const B = freshKey('ve_test_', 'pro');
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [owner, vis] of [
      [A, 'public'],
      [A, 'private'],
      [B, 'public'],
      [B, 'private'],
    ] as const) {
      const res = await as(owner).post('/api/templates', { name: `${owner === A ? 'A' : 'B'}-${vis}`, script, is_public: vis === 'public' });
      expect(res.status).toBe(201);
      ids[`${owner === A ? 'own' : 'other'}-${vis}`] = res.body.template_id;
    }
  });

  it('lists own templates plus the other account\'s public one, with is_owner', async () => {
    const list = (await as(A).get('/api/templates')).body.data as any[];
    const byId = new Map(list.map((t) => [t.template_id, t]));
    expect(byId.get(ids['own-public']!)?.is_owner).toBe(true);
    expect(byId.get(ids['own-private']!)?.is_owner).toBe(true);
    expect(byId.get(ids['other-public']!)?.is_owner).toBe(false);
    expect(byId.has(ids['other-private']!)).toBe(false);
  });

  // [template, read, replace, delete, render]
  const matrix: [string, number, number, number, number][] = [
    ['own-public', 200, 200, 204, 202],
    ['own-private', 200, 200, 204, 202],
    ['other-public', 200, 403, 403, 202],
    ['other-private', 404, 404, 404, 404],
  ];
  for (const [which, read, replace, remove, render] of matrix) {
    it(`${which}: read ${read}, replace ${replace}, render ${render}, delete ${remove}`, async () => {
      const id = ids[which]!;
      const me = as(A);
      const r = await me.get(`/api/templates/${id}`);
      expect(r.status).toBe(read);
      if (read === 404) expectError(r, 404, 'NOT_FOUND');

      const rendered = await me.post('/api/render/template', { template_id: id });
      expect(rendered.status).toBe(render);
      if (render === 404) expectError(rendered, 404, 'TEMPLATE_NOT_FOUND');
      else {
        expect(rendered.body).toMatchObject({ status: 'queued', estimated_credits: 1 });
        const job = await waitForJob(s.url, A, rendered.body.job_id);
        expect(job).toMatchObject({ status: 'completed', template_id: id });
      }

      const put = await me.put(`/api/templates/${id}`, { name: 'changed', script, is_public: which.endsWith('public') });
      expect(put.status).toBe(replace);
      if (replace === 403) expectError(put, 403, 'FORBIDDEN');
      if (replace === 404) expectError(put, 404, 'NOT_FOUND');

      const del = await me.del(`/api/templates/${id}`);
      expect(del.status).toBe(remove);
      if (remove === 403) expectError(del, 403, 'FORBIDDEN');
      if (remove === 404) expectError(del, 404, 'NOT_FOUND');

      // The owner still sees its template unless A deleted its own.
      const owner = which.startsWith('own') ? A : B;
      expect((await as(owner).get(`/api/templates/${id}`)).status).toBe(remove === 204 ? 404 : 200);
    });
  }
});

describe('placeholders at render time', () => {
  const key = freshKey('ve_test_', 'pro');
  const me = as(key);
  let id = '';
  beforeAll(async () => {
    const res = await me.post('/api/templates', {
      name: 'Card',
      script: {
        width: '{{w}}',
        height: 36,
        fps: 5,
        quality: 'low',
        scenes: [{ duration: '{{seconds}}', background: '{{bg}}', elements: [{ type: 'text', text: 'Hello {{name}}!' }] }],
      },
    });
    expect(res.status).toBe(201);
    id = res.body.template_id;
  });

  it('fills typed values and renders (estimate from the filled duration)', async () => {
    const res = await me.post('/api/render/template', { template_id: id, variables: { w: 64, seconds: 1.5, bg: '#ff0000', name: 'Ada' } });
    expect(res.status).toBe(202);
    expect(res.body.estimated_credits).toBe(2);
    const job = await waitForJob(s.url, key, res.body.job_id);
    expect(job).toMatchObject({ status: 'completed', width: 64, height: 36, template_id: id, credits_used: 2 });
  });

  it('an unresolved placeholder is 400 VALIDATION_ERROR naming the variable and its path', async () => {
    const res = await me.post('/api/render/template', { template_id: id, variables: { w: 64, seconds: 1, bg: '#ff0000' } });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.message).toContain('{{name}}');
    expect(res.body.error.path).toBe('scenes.0.elements.0.text');
  });

  it('a filled script that breaks the movie-script schema is 400 SCHEMA_VALIDATION_ERROR with its path', async () => {
    const res = await me.post('/api/render/template', { template_id: id, variables: { w: 64, seconds: 'long', bg: '#ff0000', name: 'x' } });
    expectError(res, 400, 'SCHEMA_VALIDATION_ERROR');
    expect(res.body.error.path).toBe('scenes.0.duration');
  });

  it('no template_id is 400 INVALID_REQUEST; an unknown one 404 TEMPLATE_NOT_FOUND', async () => {
    const missing = await me.post('/api/render/template', { variables: {} });
    expectError(missing, 400, 'INVALID_REQUEST');
    expect(missing.body.error.path).toBe('template_id');
    expectError(await me.post('/api/render/template', { template_id: 'tpl_ffffffffffff' }), 404, 'TEMPLATE_NOT_FOUND');
  });
});

describe('placeholder filling (unit)', () => {
  it('keeps types for exact placeholders, stringifies inside text, reports the first missing one', () => {
    const tpl = { a: '{{n}}', b: 'x{{n}}y', c: [{ d: '{{ flag }}' }], e: 5 };
    expect(fillPlaceholders(tpl, { n: 3, flag: true })).toEqual({ a: 3, b: 'x3y', c: [{ d: true }], e: 5 });
    expect(placeholderNames(tpl)).toEqual(['n', 'flag']);
    try {
      fillPlaceholders(tpl, { n: 1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnresolvedPlaceholder);
      expect((err as UnresolvedPlaceholder).path).toEqual(['c', 0, 'd']);
    }
  });
});
