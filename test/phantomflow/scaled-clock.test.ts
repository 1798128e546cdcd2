// A scaled clock shortens everything on the sandbox clock: the queue hold and webhook retries
// (30+60+120+240 s at ×600 ≈ 0.75 s of wall time). Also the control-API views.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { eventually, localServer, tinyScript, waitForJob, type LocalServer } from '../support/phantomflow.ts';
import type { WebhookDelivery } from '../../src/webhooks/delivery.ts';

let s: RunningSandbox;
let hook: LocalServer;
beforeAll(async () => {
  s = await startSandbox({ clock: { mode: 'scaled', scale: 600 } });
  hook = await localServer((_req, res) => res.writeHead(502).end());
});
afterAll(async () => {
  await s.close();
  await hook.close();
});

describe('scaled clock ×600', () => {
  it('the 1 s queue hold and all 5 webhook attempts pass in well under 5 s of wall time', async () => {
    const k = freshKey('ve_test_', 'pro');
    const wall = Date.now();
    const res = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(0.4, { webhook_uri: hook.url }));
    const job = await waitForJob(s.url, k, res.body.job_id);
    expect(job.status).toBe('completed');
    // sandbox time between acceptance and start is the 1 s hold (scaled), not wall time
    const hold = Date.parse(job.started_at) - Date.parse(job.created_at);
    expect(hold).toBeGreaterThanOrEqual(1000);
    // As for the retry gaps below: half a second of wall-clock jitter is 300 sandbox seconds.
    expect(hold).toBeLessThan(1000 + 300_000);
    await eventually(() => hook.requests.length === 5, 5000, '5 attempts');
    expect(Date.now() - wall).toBeLessThan(5000);
    const deliveries = () => s.sandbox.apis[0]!.views.webhooks!({ key: k }).map((r) => r.body) as unknown as WebhookDelivery[];
    await eventually(() => deliveries()[0]!.status === 'failed', 2000, 'failed');
    const at = deliveries()[0]!.attempts.map((a) => Date.parse(a.at));
    const gaps = at.slice(1).map((t, i) => (t - at[i]!) / 1000);
    [30, 60, 120, 240].forEach((d, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(d);
      // The lower bound checks the schedule (the manual-clock test checks it exactly); the upper
      // one catches runaway delays, allowing half a second of wall-clock jitter (×600) since
      // CPU-heavy render tests may share the machine.
      expect(gaps[i]).toBeLessThan(d + 300);
    });
  });

  it('views.jobs lists jobs across accounts (or one), newest first, with their key', async () => {
    const a = freshKey('ve_test_', 'pro');
    const b = freshKey('ve_test_', 'pro');
    const ja = (await request(s.url).post('/api/render').set('x-api-key', a).send(tinyScript(0.2))).body.job_id;
    const jb = (await request(s.url).post('/api/render').set('x-api-key', b).send(tinyScript(0.2))).body.job_id;
    const jobs = (f: Parameters<NonNullable<typeof views.jobs>>[0]) => views.jobs!(f).map((r) => ({ key: r.key, ...r.body })) as any[];
    const views = s.sandbox.apis[0]!.views;
    const all = jobs({});
    expect(all.slice(0, 2).map((j) => [j.key, j.job_id])).toEqual([
      [b, jb],
      [a, ja],
    ]);
    expect(jobs({ key: a }).map((j) => j.job_id)).toEqual([ja]);
    await waitForJob(s.url, a, ja);
    expect(jobs({ key: a, status: 'completed', limit: 5 })[0]).toMatchObject({ job_id: ja, status: 'completed', key: a });
  });

  it('reset(key) forgets one account\'s jobs and templates', async () => {
    const a = freshKey('ve_test_', 'pro');
    const b = freshKey('ve_test_', 'pro');
    const tpl = (await request(s.url).post('/api/templates').set('x-api-key', a).send({ name: 'x', script: tinyScript(), is_public: true })).body.template_id;
    const job = (await request(s.url).post('/api/render').set('x-api-key', a).send(tinyScript(0.2))).body.job_id;
    const other = (await request(s.url).post('/api/render').set('x-api-key', b).send(tinyScript(0.2))).body.job_id;
    s.sandbox.reset({ key: a });
    expect((await request(s.url).get(`/api/jobs/${job}`).set('x-api-key', a)).status).toBe(404);
    expect((await request(s.url).get(`/api/templates/${tpl}`).set('x-api-key', b)).status).toBe(404);
    expect((await waitForJob(s.url, b, other)).status).toBe('completed');
  });
});
