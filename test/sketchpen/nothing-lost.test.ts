// Nothing lost: 100 videos across 10 keys under a fault storm — failing stages (scripting, images,
// narration, render), stage delays, injected 5xx, resets and damaged bodies on the client's
// requests, misbehaving webhooks and a flaky receiver — on a scaled clock. Every video ends
// terminal; every ledger sums to its balance; each video cost exactly what its parts say (made or
// prepaid parts charged, failed ones refunded); every delivery is finished and every delivered
// body verifies (unless its signature was spoilt on purpose); no FFmpeg process is left.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runningProcesses } from '../../src/media/ffmpeg.ts';
import { localServer, type LocalServer } from '../support/phantomflow.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { addFault, h, ledgerOf, netFor, spKey } from '../support/sketchpen.ts';

let sb: RunningSandbox;
let receiver: LocalServer;
beforeAll(async () => {
  // ×50: webhook retries (30 … 240 s) and stage delays pass in seconds of wall time.
  sb = await startSandbox({ clock: { mode: 'scaled', scale: 50 }, seed: 2026, jobs: { webhookTimeoutMs: 3000 } });
  // A flaky receiver: one answer in eight is a 500 (retried), the rest 200.
  receiver = await localServer((_req, res, n) => res.writeHead(n % 8 === 0 ? 500 : 200).end());
});
afterAll(async () => {
  await Promise.all([sb.close(), receiver.close()]);
});

const KEYS = 10;
const PER_KEY = 10;
const LANES = 3; // at most 3 videos in progress per key

/** A request that survives the storm: retried on 5xx, 429, broken connections and unreadable bodies. */
async function robust(method: string, path: string, key: string, body?: unknown, ok = (s: number) => s < 300): Promise<{ status: number; body: any }> {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const res = await fetch(sb.url + path, { method, headers: { ...h(key), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      if (res.status >= 500 || res.status === 429) throw new Error(`retry ${res.status}`);
      const parsed = JSON.parse(text); // a malformed or truncated body is retried too
      if (!ok(res.status)) throw new Error(`${method} ${path} → ${res.status} ${text}`);
      return { status: res.status, body: parsed };
    } catch (err) {
      if (String(err).includes('→')) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${method} ${path}: gave up`);
}

async function until(key: string, id: string, done: (v: any) => boolean): Promise<any> {
  for (let i = 0; i < 3000; i++) {
    const v = (await robust('GET', `/api/v1/videos/${id}`, key)).body;
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`video ${id} never got there`);
}

const isTerminal = (v: any) => v.status === 'completed' || v.status === 'failed';
const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

it('100 videos across 10 keys under a fault storm: all terminal, ledgers balanced, refunds by the rules', { timeout: 600_000 }, async () => {
  const api = { api: 'sketchpen' };
  const storm: Record<string, unknown>[] = [
    { action: { stage: 'scripting', fail: 'AI_TIMEOUT' }, probability: 0.06 },
    { action: { stage: 'image', fail: 'IMAGE_GENERATION_ERROR' }, probability: 0.04 },
    { action: { stage: 'audio', fail: 'AUDIO_GENERATION_ERROR' }, probability: 0.2 },
    { action: { stage: 'render', fail: 'RENDER_TIMEOUT' }, probability: 0.1 },
    { action: { stage: 'image', fail: 'INTERNAL_ERROR' }, probability: 0.02 },
    { action: { stage: '*', delay: 3000 }, probability: 0.2 },
    { match: { ...api, operationId: 'createVideo' }, action: { error: 'INTERNAL_ERROR' }, probability: 0.1 },
    { match: { ...api, operationId: 'approveVideo' }, action: 'status=503', probability: 0.15 },
    { match: { ...api, operationId: 'approveVideo' }, action: { reset: true }, probability: 0.05 },
    { match: { ...api, operationId: 'getVideo' }, action: { error: 'DATABASE_ERROR' }, probability: 0.08 },
    { match: { ...api, operationId: 'getVideo' }, action: { malformed: true }, probability: 0.03 },
    { match: { ...api, operationId: 'getVideo' }, action: { empty: true }, probability: 0.02 },
    { action: { webhook: 'duplicate' }, probability: 0.15 },
    { action: { webhook: 'drop' }, probability: 0.08 },
    { action: { webhook: 'delay', delay: 20_000 }, probability: 0.15 },
    { action: { webhook: 'reorder' }, probability: 0.08 },
    { action: { webhook: 'bad_signature' }, probability: 0.08 },
  ];
  for (const rule of storm) await addFault(sb.url, { match: api, ...rule });

  const keys = Array.from({ length: KEYS }, () => spKey());
  const secrets = new Map<string, string>();
  for (const key of keys) {
    for (const event of ['video.completed', 'video.failed']) {
      const cb = await robust('POST', '/api/v1/callbacks', key, { url: `${receiver.url}/${event}`, event }, (s) => s === 201);
      secrets.set(`${key} ${event}`, cb.body.secret);
    }
  }

  const ids: { key: string; id: string; narrated: boolean }[] = [];
  let retried = 0;
  await Promise.all(
    keys.map(async (key) => {
      let made = 0;
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          while (made < PER_KEY) {
            const n = made++;
            const narrated = n % 5 === 0;
            const created = await robust('POST', '/api/v1/videos', key, { prompt: `Storm video ${n} of ${key.slice(-6)}`, fps: 2, aspect_ratio: '16:9', audio_mode: narrated ? 'single' : 'none' }, (s) => s === 201);
            const id = created.body.id;
            ids.push({ key, id, narrated });
            const scripted = await until(key, id, (v) => v.status === 'refining' || isTerminal(v));
            if (scripted.status !== 'refining') continue;
            await robust('POST', `/api/v1/videos/${id}/approve`, key);
            const end = await until(key, id, isTerminal);
            // Half of the videos that failed after their script are retried once (only the failed parts are redone).
            if (end.status === 'failed' && n % 2 === 0) {
              retried++;
              await robust('POST', `/api/v1/videos/${id}/approve`, key);
              await until(key, id, isTerminal);
            }
          }
        }),
      );
    }),
  );
  expect(ids).toHaveLength(KEYS * PER_KEY);

  // Every video terminal, and what each cost is what its parts say.
  const outcomes: Record<string, number> = {};
  for (const key of keys) {
    const ledger = await ledgerOf(sb.url, key);
    expect(ledger.balanced, key).toBe(true);
    expect(ledger.sum).toBe(ledger.balance);
    expect(ledger.balance).toBeGreaterThanOrEqual(0);
    for (const { id, narrated } of ids.filter((x) => x.key === key)) {
      const v = (await robust('GET', `/api/v1/videos/${id}`, key)).body;
      expect(isTerminal(v), `${id} is ${v.status}`).toBe(true);
      const stage = v.status === 'completed' ? 'completed' : v.error.stage;
      outcomes[stage] = (outcomes[stage] ?? 0) + 1;
      const scenes = v.scenes.length;
      const drawn = v.scenes.filter((s: any) => s.image_url).length;
      const audio = narrated ? 1 : 0;
      // made or prepaid parts stay charged; failed images and failed narration come back
      const expected: Record<string, number> = {
        completed: scenes + audio,
        scripting: 0,
        visualising: drawn + audio,
        narrating: scenes,
        rendering: scenes + audio,
      };
      expect(expected[stage], `unexpected end ${stage}`).toBeDefined();
      expect(netFor(ledger.entries, id) + expected[stage]!, `${id} ended in ${stage}: net ${netFor(ledger.entries, id)}, expected -${expected[stage]}`).toBe(0);
      if (v.status === 'completed') expect(v.video_url && v.thumbnail_url && (!narrated || v.audio_url)).toBeTruthy();
    }
  }
  // The storm really stormed: videos ended in more than one way.
  expect(Object.keys(outcomes).length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(4);
  expect(outcomes.completed).toBeGreaterThan(20);
  expect(retried).toBeGreaterThan(0);

  // Deliveries: every one finished (retries ran on the scaled clock); the delivered ones verify.
  let deliveries: any[] = [];
  for (let i = 0; i < 600; i++) {
    deliveries = (await robust('GET', '/__sandbox/webhooks?api=sketchpen&limit=1000', keys[0]!)).body.data;
    if (deliveries.every((d) => d.status !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const terminalTransitions = deliveries.length;
  expect(terminalTransitions).toBeGreaterThanOrEqual(KEYS * PER_KEY);
  expect(deliveries.filter((d) => d.status === 'pending')).toEqual([]);
  const byStatus = deliveries.reduce((m: Record<string, number>, d) => ((m[d.status] = (m[d.status] ?? 0) + 1), m), {});
  expect(byStatus.delivered).toBeGreaterThan(KEYS * PER_KEY * 0.6);
  expect(byStatus.dropped ?? 0).toBeGreaterThan(0);
  for (const d of deliveries.filter((x) => x.status === 'delivered')) {
    const got = receiver.requests.filter((r) => r.url === `/${d.event}` && JSON.parse(r.body).video_id === d.subject);
    expect(got.length, `${d.subject} ${d.event}`).toBeGreaterThan(0);
    const secret = secrets.get(`${d.key} ${d.event}`)!;
    // A copy signed right arrived when some attempt that reached the receiver was not spoilt on purpose.
    const goodAttempts = d.attempts.filter((a: any) => a.status !== null && !a.faults?.includes('badSignature')).length;
    if (goodAttempts > 0) expect(got.some((r) => r.headers['x-sketchpen-signature'] === sign(r.body, secret)), `${d.subject}: signature`).toBe(true);
  }
  // …and the spoilt ones really do not verify.
  const spoilt = receiver.requests.filter((r) => {
    const { video_id } = JSON.parse(r.body);
    const key = ids.find((x) => x.id === video_id)!.key;
    return r.headers['x-sketchpen-signature'] !== sign(r.body, secrets.get(`${key} ${JSON.parse(r.body).event}`)!);
  });
  expect(spoilt.length).toBeGreaterThan(0);
  expect(spoilt.length).toBeLessThan(receiver.requests.length / 2);

  // Nothing left running.
  for (let i = 0; i < 100 && runningProcesses() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(runningProcesses()).toBe(0);
  console.log('nothing lost:', JSON.stringify({ outcomes, retried, deliveries: byStatus, requests: sb.sandbox.requests.total }));
});
