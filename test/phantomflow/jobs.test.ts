// Render jobs through real HTTP: the lifecycle on the sandbox clock, real MP4 output served with
// Range support, listing with cursors, isolation between accounts, bounded history, and 50 jobs
// at once on an enterprise key with the ledger balancing afterwards.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ffprobe from '@ffprobe-installer/ffprobe';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { expectError, tinyScript, waitForJob } from '../support/phantomflow.ts';
import { expectRateHeaders } from '../support/http.ts';

// Async: the file is served by this very process, so a blocking probe would deadlock.
const probe = async (url: string) =>
  JSON.parse((await promisify(execFile)(ffprobe.path, ['-v', 'error', '-show_entries', 'stream=width,height,codec_name:format=duration', '-of', 'json', url])).stdout);

describe('lifecycle on a manual clock', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({ clock: { mode: 'manual' }, jobs: { queueDelayMs: 2000 } });
  });
  afterAll(() => s.close());

  it('queued (held on the clock) → rendering → completed, with sandbox timestamps and a real MP4', async () => {
    const k = freshKey('ve_test_', 'pro');
    const t0 = s.sandbox.clock.now();
    const submitted = await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript([0.6, 0.6]));
    expect(submitted.status).toBe(202);
    expectRateHeaders(submitted.headers);
    expect(submitted.body).toEqual({ job_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued', estimated_credits: 2, credits_remaining: 998 });
    const id = submitted.body.job_id;

    const queued = await request(s.url).get(`/api/jobs/${id}`).set('x-api-key', k);
    expect(queued.body).toMatchObject({ status: 'queued', progress: 0, started_at: null, completed_at: null, credits_used: null, output_url: null, width: 64, height: 36, fps: 5, test_mode: true });
    expect(queued.body.created_at).toBe(new Date(t0).toISOString());
    expect((await request(s.url).get('/api/account').set('x-api-key', k)).body).toMatchObject({ active_jobs: 1, credits_balance: 998 });

    // Nothing moves while the clock stands still.
    await new Promise((r) => setTimeout(r, 300));
    expect((await request(s.url).get(`/api/jobs/${id}`).set('x-api-key', k)).body.status).toBe('queued');

    s.sandbox.clock.advance(2000);
    const done = await waitForJob(s.url, k, id);
    expect(done).toMatchObject({ status: 'completed', progress: 100, credits_used: 2, error: null });
    expect(done.started_at).toBe(new Date(t0 + 2000).toISOString());
    expect(done.duration_seconds).toBeGreaterThan(1);
    expect(done.duration_seconds).toBeLessThanOrEqual(1.5);
    expect(done.output_url).toBe(`${s.url}/files/phantomflow/${id}.mp4`);

    const file = await fetch(done.output_url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    expect(file.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await file.arrayBuffer());
    const range = await fetch(done.output_url, { headers: { range: 'bytes=4-11' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 4-11/${bytes.length}`);
    const part = Buffer.from(await range.arrayBuffer());
    expect(part.equals(bytes.subarray(4, 12))).toBe(true);
    expect(part.subarray(0, 4).toString('latin1')).toBe('ftyp');
    expect((await fetch(done.output_url, { headers: { range: `bytes=${bytes.length}-` } })).status).toBe(416);

    // Probed over HTTP, as a client would.
    const info = await probe(done.output_url);
    expect(info.streams[0]).toMatchObject({ codec_name: 'h264', width: 64, height: 36 });
    expect(Number(info.format.duration)).toBeCloseTo(done.duration_seconds, 1);

    const account = await request(s.url).get('/api/account').set('x-api-key', k);
    expect(account.body).toMatchObject({ active_jobs: 0, credits_balance: 998 });
  });

  it('files: unknown names are 404 in the API envelope, traversal is refused', async () => {
    for (const path of ['/files/phantomflow/nope.mp4', '/files/phantomflow/..%2F..%2Fetc%2Fpasswd', '/files/phantomflow/%2e%2e', '/files/other/x.mp4']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('NOT_FOUND');
    }
    expect((await fetch(`${s.url}/files/phantomflow/x.mp4`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('listing, isolation, history', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({ jobs: { queueDelayMs: 0, historyLimit: 3 } });
  });
  afterAll(() => s.close());

  it('pages newest first with cursors, filters by status, rejects unreadable cursors', async () => {
    const k = freshKey('ve_test_', 'pro');
    const other = freshKey('ve_test_', 'pro');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(0.4))).body.job_id);
    await request(s.url).post('/api/render').set('x-api-key', other).send(tinyScript(0.4));
    for (const id of ids) await waitForJob(s.url, k, id);

    const p1 = await request(s.url).get('/api/jobs?limit=2').set('x-api-key', k);
    expect(p1.status).toBe(200);
    expect(p1.body.data.map((j: any) => j.job_id)).toEqual([ids[2], ids[1]]);
    expect(p1.body.pagination).toMatchObject({ limit: 2, has_more: true, next_cursor: expect.any(String) });
    const p2 = await request(s.url).get(`/api/jobs?limit=2&cursor=${p1.body.pagination.next_cursor}`).set('x-api-key', k);
    expect(p2.body.data.map((j: any) => j.job_id)).toEqual([ids[0]]);
    expect(p2.body.pagination).toEqual({ limit: 2, has_more: false, next_cursor: null });

    expect((await request(s.url).get('/api/jobs?status=completed').set('x-api-key', k)).body.data).toHaveLength(3);
    expect((await request(s.url).get('/api/jobs?status=queued').set('x-api-key', k)).body.data).toHaveLength(0);
    const bad = await request(s.url).get('/api/jobs?cursor=garbage').set('x-api-key', k);
    expectError(bad, 400, 'INVALID_REQUEST');
    expect(bad.body.error.path).toBe('cursor');
    expectError(await request(s.url).get('/api/jobs?limit=101').set('x-api-key', k), 400, 'INVALID_REQUEST');
    expectError(await request(s.url).get('/api/jobs?status=exploded').set('x-api-key', k), 400, 'INVALID_REQUEST');
  });

  it('keeps only the newest N finished jobs per account (historyLimit) and deletes their files', async () => {
    const k = freshKey('ve_test_', 'pro');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = (await request(s.url).post('/api/render').set('x-api-key', k).send(tinyScript(0.2))).body.job_id;
      ids.push(id);
      await waitForJob(s.url, k, id);
    }
    const listed = (await request(s.url).get('/api/jobs').set('x-api-key', k)).body.data.map((j: any) => j.job_id);
    expect(listed).toEqual([ids[4], ids[3], ids[2]]);
    expectError(await request(s.url).get(`/api/jobs/${ids[0]}`).set('x-api-key', k), 404, 'NOT_FOUND');
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${s.url}/files/phantomflow/${ids[0]}.mp4`)).status).toBe(404);
    expect((await fetch(`${s.url}/files/phantomflow/${ids[4]}.mp4`)).status).toBe(200);
  });
});

describe('50 jobs at once on an enterprise key', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    // One key using both slots: this test is about the ledger, not about sharing with other keys.
    s = await startSandbox({ jobs: { queueDelayMs: 0 }, workConcurrency: 2, workPerKey: 2 });
  });
  afterAll(() => s.close());

  it('all reach a terminal state and the ledger balances', async () => {
    const k = 've_test_enterprise_fixture01';
    const start = (await request(s.url).get('/api/account').set('x-api-key', k)).body.credits_balance;
    expect(start).toBe(100000);
    const durations = Array.from({ length: 50 }, (_, i) => 0.2 + (i % 5) * 0.3);
    const accepted = await Promise.all(
      durations.map((d, i) =>
        fetch(`${s.url}/api/render`, {
          method: 'POST',
          headers: { 'x-api-key': k, 'content-type': 'application/json' },
          // every tenth job points at an unreachable source, so failures and refunds are part of the mix
          body: JSON.stringify(i % 10 === 9 ? tinyScript(d, { scenes: [{ duration: d, elements: [{ type: 'audio', src: 'fixtures/media/does-not-exist.wav' }] }] }) : tinyScript(d)),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
      ),
    );
    expect(accepted.every((a) => a.status === 202)).toBe(true);
    const jobs = await Promise.all(accepted.map((a) => waitForJob(s.url, k, a.body.job_id, { timeoutMs: 90_000 })));
    expect(jobs.filter((j) => j.status === 'completed')).toHaveLength(45);
    expect(jobs.filter((j) => j.status === 'failed').every((j) => j.error.code === 'RENDER_FAILED' && j.credits_used === 0)).toBe(true);

    const used = jobs.reduce((sum, j) => sum + j.credits_used, 0);
    const account = (await request(s.url).get('/api/account').set('x-api-key', k)).body;
    expect(account.active_jobs).toBe(0);
    expect(account.credits_balance).toBe(start - used);
    const api = s.sandbox.apis.find((a) => a.spec.policy.id === 'phantomflow')!;
    const acct = api.accounts.get(k)!;
    expect(api.ledger.sum(acct)).toBe(acct.balance);
    const entries = api.ledger.entries(acct);
    expect(entries.filter((e) => e.kind === 'reserve')).toHaveLength(50);
    expect(entries.filter((e) => e.kind === 'refund')).toHaveLength(5);
  }, 120_000);
});
