// Credits, refunds and retries over real HTTP: the minimum to create, the charge at approve, the
// refund of each failed part (and nothing for what was made), the seed's failure causes by stage
// through fault rules, retrying only the failed parts, and the 3-videos-in-progress cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import {
  addFault,
  approve,
  CHEAP,
  createApproved,
  createVideo,
  expectSpError,
  h,
  ledgerOf,
  netFor,
  patchAccount,
  spKey,
  status,
  terminal,
  waitVideo,
} from '../support/sketchpen.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const rule = (key: string, action: Record<string, unknown>, extra: Record<string, unknown> = {}) => addFault(sb.url, { match: { api: 'sketchpen', key }, action, ...extra });

describe('credits', () => {
  it('creating needs 1 credit: 402 "Required: 1, Available: 0"', async () => {
    const r = await call(sb.url, 'POST', '/api/v1/videos', { headers: h('sk_test_broke0001'), body: { prompt: 'Anything' } });
    expectSpError(r, 402, 'INSUFFICIENT_CREDITS', 'Insufficient credits. Required: 1, Available: 0');
  });

  it('approve charges 1 per scene + 1 for narration; too few → 402 with the numbers, nothing charged', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'How a bicycle works' });
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    await patchAccount(sb.url, key, { balance: 2 });
    const short = await approve(sb.url, key, v.id);
    expectSpError(short, 402, 'INSUFFICIENT_CREDITS', `Insufficient credits. Required: ${r.scenes.length + 1}, Available: 2`);
    expect((await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body.status).toBe('refining');
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(0);
    await patchAccount(sb.url, key, { balance: 100 });
    expect((await approve(sb.url, key, v.id)).status).toBe(200);
    const ledger = await ledgerOf(sb.url, key);
    expect(ledger.balance).toBe(100 - r.scenes.length - 1);
    expect(ledger.entries.filter((e) => e.ref === v.id)).toEqual([expect.objectContaining({ kind: 'charge', amount: -(r.scenes.length + 1) })]);
    expect(ledger.balanced).toBe(true);
    await waitVideo(sb.url, key, v.id, terminal);
  });
});

describe('failures by stage, refunds, and retries of only the failed parts', () => {
  it('image: one scene fails → failed in visualising, 1 credit back; approve redraws that scene only and charges it again', async () => {
    const key = spKey();
    const spy = await rule(key, { stage: 'image', delay: 0 }, { after: 10_000 }); // never fires: counts the drawings asked for
    await rule(key, { stage: 'image', fail: 'IMAGE_GENERATION_ERROR' }, { times: 1 });
    const v = await createApproved(sb.url, key, { prompt: 'The water cycle', ...CHEAP });
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    const n = failed.scenes.length;
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'IMAGE_GENERATION_ERROR',
      stage: 'visualising',
      message: 'Image generation failed (injected fault): image generation failed for 1 scene; 1 credit refunded. Retry with POST /videos/{id}/approve.',
    });
    expect(failed.scenes.filter((s: any) => s.image_url === null)).toHaveLength(1);
    expect(failed.video_url).toBeNull();
    let ledger = await ledgerOf(sb.url, key);
    expect(netFor(ledger.entries, v.id)).toBe(-(n - 1)); // audio_mode none: scenes only
    expect(ledger.entries.filter((e) => e.ref === v.id).map((e) => [e.kind, e.amount])).toEqual([['charge', -n], ['refund', 1]]);
    expect((await call(sb.url, 'GET', `/__sandbox/faults/${spy.id}`)).body.matched).toBe(n);

    const retry = await approve(sb.url, key, v.id);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: 'visualising', error: null });
    const done = await waitVideo(sb.url, key, v.id, terminal);
    expect(done.status).toBe('completed');
    expect((await call(sb.url, 'GET', `/__sandbox/faults/${spy.id}`)).body.matched).toBe(n + 1);
    ledger = await ledgerOf(sb.url, key);
    expect(ledger.entries.filter((e) => e.ref === v.id).map((e) => [e.kind, e.amount])).toEqual([['charge', -n], ['refund', 1], ['charge', -1]]);
    expect(ledger.balanced).toBe(true);
  });

  it('every scene fails → every scene credit back, the unattempted narration stays paid and is not charged again', async () => {
    const key = spKey();
    await rule(key, { stage: 'image', fail: 'IMAGE_GENERATION_ERROR', message: 'The image model is down' }, { times: 20 });
    const v = await createApproved(sb.url, key, { prompt: 'Plate tectonics', audio_mode: 'single', fps: 4, aspect_ratio: '1:1' });
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    const n = failed.scenes.length;
    expect(failed.error.message).toBe(`The image model is down: image generation failed for ${n} scenes; ${n} credits refunded. Retry with POST /videos/{id}/approve.`);
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(-1);
  });

  it('audio: narration fails → the audio credit back, images kept; the retry charges the narration only', async () => {
    const key = spKey();
    await rule(key, { stage: 'audio', fail: 'AUDIO_GENERATION_ERROR' }, { times: 1 });
    const v = await createApproved(sb.url, key, { prompt: 'Why leaves change colour', audio_mode: 'single', fps: 4, aspect_ratio: '1:1' });
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    const n = failed.scenes.length;
    expect(failed.error).toMatchObject({ code: 'AUDIO_GENERATION_ERROR', stage: 'narrating' });
    expect(failed.error.message).toMatch(/; 1 credit refunded\. Retry with POST \/videos\/\{id\}\/approve\.$/);
    expect(failed.scenes.every((s: any) => s.image_url)).toBe(true);
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(-n);
    await approve(sb.url, key, v.id);
    expect((await waitVideo(sb.url, key, v.id, terminal)).status).toBe('completed');
    const entries = (await ledgerOf(sb.url, key)).entries.filter((e) => e.ref === v.id);
    expect(entries.map((e) => e.amount)).toEqual([-(n + 1), 1, -1]);
  });

  it('audio, naturally: speech with nothing to say fails the narration (AUDIO_GENERATION_ERROR)', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Sound waves', audio_mode: 'single', fps: 4, aspect_ratio: '1:1' });
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    const p = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${r.scenes[0].id}`, { headers: h(key), body: { speech: ' \t\n ' } });
    expect(p.status).toBe(200);
    await approve(sb.url, key, v.id);
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    expect(failed.error).toMatchObject({ code: 'AUDIO_GENERATION_ERROR', stage: 'narrating' });
    expect(failed.error.message).toMatch(/^Audio generation failed: Scene 1's speech is empty/);
  });

  it('render: RENDER_TIMEOUT refunds nothing (images and narration were made); the retry re-renders for free', async () => {
    const key = spKey();
    await rule(key, { stage: 'render', fail: 'RENDER_TIMEOUT' }, { times: 1 });
    const v = await createApproved(sb.url, key, { prompt: 'Photosynthesis', ...CHEAP });
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    expect(failed.error).toMatchObject({ code: 'RENDER_TIMEOUT', stage: 'rendering' });
    expect(failed.error.message).toMatch(/\. Retry with POST \/videos\/\{id\}\/approve\.$/);
    expect(failed.error.message).not.toMatch(/refunded/);
    const before = (await ledgerOf(sb.url, key)).entries.length;
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(-failed.scenes.length);
    await approve(sb.url, key, v.id);
    expect((await waitVideo(sb.url, key, v.id, terminal)).status).toBe('completed');
    expect((await ledgerOf(sb.url, key)).entries.length).toBe(before);
  });

  it('scripting: AI_TIMEOUT leaves no scenes; approve → 409, regenerate writes the script', async () => {
    const key = spKey();
    await rule(key, { stage: 'scripting', fail: 'AI_TIMEOUT' }, { times: 1 });
    const v = await createVideo(sb.url, key, { prompt: 'Black holes', ...CHEAP });
    const failed = await waitVideo(sb.url, key, v.id, terminal);
    expect(failed).toMatchObject({ status: 'failed', scenes: [], error: { code: 'AI_TIMEOUT', stage: 'scripting' } });
    expect(failed.error.message).toMatch(/Regenerate the script with POST \/videos\/\{id\}\/regenerate, then approve it\.$/);
    expectSpError(await approve(sb.url, key, v.id), 409, 'INVALID_STATE', 'Video failed before its script was written; regenerate the script first');
    expect((await call(sb.url, 'POST', `/api/v1/videos/${v.id}/regenerate`, { headers: h(key), body: { feedback: '' } })).status).toBe(200);
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    expect(r.error).toBeNull();
    expect(r.scenes.length).toBeGreaterThanOrEqual(3);
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(0);
  });

  it('a stage delay holds the video in that state for the sandbox time asked', async () => {
    const key = spKey();
    await rule(key, { stage: 'render', delay: 60_000 }, { times: 1 });
    const v = await createApproved(sb.url, key, { prompt: 'Volcanoes', ...CHEAP });
    await waitVideo(sb.url, key, v.id, status('rendering'));
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body.status).toBe('rendering');
    sb.sandbox.clock.advance(60_000);
    expect((await waitVideo(sb.url, key, v.id, terminal)).status).toBe('completed');
  });

  it('fault rules are checked against the declared stages and their codes', async () => {
    const bad = async (action: Record<string, unknown>) => call(sb.url, 'POST', '/__sandbox/faults', { body: { match: { api: 'sketchpen' }, action } });
    const stage = await bad({ stage: 'drawing', fail: 'IMAGE_GENERATION_ERROR' });
    expect(stage.status).toBe(400);
    expect(stage.body.error).toMatchObject({ path: 'action.stage' });
    expect(stage.body.error.message).toContain('scripting, image, audio, render');
    const code = await bad({ stage: 'image', fail: 'RENDER_TIMEOUT' });
    expect(code.status).toBe(400);
    expect(code.body.error.message).toContain('IMAGE_GENERATION_ERROR, INTERNAL_ERROR');
    expect((await bad({ stage: 'image', fail: 'INTERNAL_ERROR' })).status).toBe(201);
  });
});

describe('at most 3 videos in progress', () => {
  it('the 4th → 429 MAX_CONCURRENT_VIDEOS with the seed message and Retry-After; refining counts; a finished one frees a place', async () => {
    const key = spKey();
    const ids = [];
    for (const prompt of ['a', 'b', 'c'].map((x) => `Topic ${x}`)) ids.push((await createVideo(sb.url, key, { prompt, ...CHEAP })).id);
    for (const id of ids) await waitVideo(sb.url, key, id, status('refining'));
    const fourth = await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'Topic d' } });
    expectSpError(fourth, 429, 'MAX_CONCURRENT_VIDEOS', 'You have 3 videos processing. Wait for one to finish before creating more.');
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(sb.url, 'GET', '/api/v1/account', { headers: h(key) })).body).toMatchObject({ active_videos: 3, max_concurrent_videos: 3, mode: 'test' });
    await approve(sb.url, key, ids[0]!);
    await waitVideo(sb.url, key, ids[0]!, terminal);
    expect((await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'Topic d', ...CHEAP } })).status).toBe(201);
  });

  it('retrying a failed video or regenerating it while 3 others are in progress → 429', async () => {
    const key = spKey();
    await rule(key, { stage: 'render', fail: 'RENDER_TIMEOUT' }, { times: 1 });
    const v = await createApproved(sb.url, key, { prompt: 'First', ...CHEAP });
    await waitVideo(sb.url, key, v.id, terminal);
    for (const prompt of ['Second', 'Third', 'Fourth']) await createVideo(sb.url, key, { prompt, ...CHEAP });
    expectSpError(await approve(sb.url, key, v.id), 429, 'MAX_CONCURRENT_VIDEOS');
    expectSpError(await call(sb.url, 'POST', `/api/v1/videos/${v.id}/regenerate`, { headers: h(key), body: {} }), 429, 'MAX_CONCURRENT_VIDEOS');
  });
});
