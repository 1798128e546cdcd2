// A Sketchpen video's lifecycle over real HTTP, fast timing: the script (deterministic from prompt
// and seed), approval, every state to completed with real files behind every link, listing,
// scene edits, regenerate, delete, and the seed's INVALID_STATE rules.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.ts';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { approve, CHEAP, createApproved, createVideo, expectSpError, fetchFile, h, ledgerOf, netFor, spKey, status, terminal, waitVideo } from '../support/sketchpen.ts';

let sb: RunningSandbox;
let scratch: string;
beforeAll(async () => {
  sb = await startSandbox();
  scratch = mkdtempSync(join(tmpdir(), 'sp-life-'));
});
afterAll(async () => {
  await sb.close();
  rmSync(scratch, { recursive: true, force: true });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the script', () => {
  it('scripting → refining with 3–8 scenes of speech, visual description and timed captions', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'How volcanoes work' });
    expect(v).toMatchObject({ status: 'scripting', scenes: [], prompt: 'How volcanoes work' });
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    expect(r.scenes.length).toBeGreaterThanOrEqual(3);
    expect(r.scenes.length).toBeLessThanOrEqual(8);
    for (const s of r.scenes) {
      expect(s.id).toMatch(UUID);
      expect(s.speech.length).toBeGreaterThan(10);
      expect(s.visual_description.length).toBeGreaterThan(10);
      expect(s.image_url).toBeNull();
      // Captions are the speech's words, in order, with rising non-overlapping times.
      expect(s.captions.map((c: any) => c.word).join(' ')).toBe(s.speech);
      for (let i = 1; i < s.captions.length; i++) expect(s.captions[i].start).toBeGreaterThanOrEqual(s.captions[i - 1].end);
    }
    expect(r.scenes[0].speech).toMatch(/volcanoes/);
  });

  it('same prompt and seed → the same scenes (fresh ids); another seed or prompt → another script', async () => {
    // Each video on its own key: at most 3 may be in progress per account, and these wait in refining.
    const prompts = ['Why the moon has phases', 'Why the moon has phases', 'How bees make honey'];
    const scripts = [];
    for (const prompt of prompts) {
      const key = spKey();
      const v = await createVideo(sb.url, key, { prompt, ...CHEAP });
      scripts.push((await waitVideo(sb.url, key, v.id, status('refining'))).scenes);
    }
    const content = (scenes: any[]) => scenes.map((s) => [s.speech, s.visual_description]);
    expect(content(scripts[1]!)).toEqual(content(scripts[0]!));
    expect(scripts[1]!.map((s: any) => s.id)).not.toEqual(scripts[0]!.map((s: any) => s.id));
    expect(content(scripts[2]!)).not.toEqual(content(scripts[0]!));

    const other = await startSandbox({ seed: 7 });
    try {
      const texts = [];
      for (const prompt of ['Why the moon has phases', 'How tides work', 'The life of a star']) {
        const key = spKey();
        const mine = await createVideo(sb.url, key, { prompt, ...CHEAP });
        const theirs = await createVideo(other.url, key, { prompt, ...CHEAP });
        const a = await waitVideo(sb.url, key, mine.id, status('refining'));
        const b = await waitVideo(other.url, key, theirs.id, status('refining'));
        texts.push(JSON.stringify(content(a.scenes)) === JSON.stringify(content(b.scenes)));
      }
      expect(texts).toContain(false);
    } finally {
      await other.close();
    }
  });
});

describe('approve → completed', () => {
  it('runs every state, charges scenes + narration, and leaves real files behind every link', async () => {
    const key = spKey();
    const created = await createVideo(sb.url, key, { prompt: 'How rainbows form', aspect_ratio: '16:9', fps: 12 });
    const refining = await waitVideo(sb.url, key, created.id, status('refining'));
    const seen = new Set<string>(['scripting', 'refining']);
    const a = await approve(sb.url, key, created.id);
    expect(a.status).toBe(200);
    expect(a.body.status).toBe('visualising');
    const done = await waitVideo(sb.url, key, created.id, (v) => (seen.add(v.status), terminal(v)));
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(seen.has('narrating') || seen.has('rendering')).toBe(true);
    expect(done.error).toBeNull();
    expect(done.processing_time_sec).toBeGreaterThan(0);

    const ledger = await ledgerOf(sb.url, key);
    expect(netFor(ledger.entries, created.id)).toBe(-(refining.scenes.length + 1));
    expect(ledger.balanced).toBe(true);

    const video = await fetchFile(done.video_url);
    expect(video.status).toBe(200);
    expect(video.type).toBe('video/mp4');
    writeFileSync(join(scratch, 'v.mp4'), video.bytes);
    const info = await probe(join(scratch, 'v.mp4'));
    expect(info.video).toMatchObject({ codec: 'h264', width: 640, height: 360 });
    expect(info.video!.fps).toBeCloseTo(12, 1);
    expect(info.audio?.codec).toBe('aac');
    // The captions are the real audio's: the video is as long as the last scene's last word, roughly.
    expect(info.durationSeconds).toBeGreaterThan(done.scenes.length * 1.5);

    const audio = await fetchFile(done.audio_url);
    expect(audio.status).toBe(200);
    writeFileSync(join(scratch, 'a.m4a'), audio.bytes);
    const ainfo = await probe(join(scratch, 'a.m4a'));
    expect(ainfo.audio?.codec).toBe('aac');
    expect(ainfo.video).toBeUndefined();
    expect(Math.abs(ainfo.durationSeconds - info.durationSeconds)).toBeLessThan(0.2);

    const thumb = await fetchFile(done.thumbnail_url);
    expect(thumb.type).toBe('image/jpeg');
    expect(thumb.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    for (const s of done.scenes) {
      const img = await fetchFile(s.image_url);
      expect(img.status).toBe(200);
      expect(img.type).toBe('image/png');
      writeFileSync(join(scratch, 's.png'), img.bytes);
      expect((await probe(join(scratch, 's.png'))).video).toMatchObject({ codec: 'png', width: 480, height: 270 });
    }
  });

  it('audio_mode none: no narration charged, no audio_url, a silent AAC track', async () => {
    const key = spKey();
    const v = await createApproved(sb.url, key, { prompt: 'The parts of a cell', ...CHEAP });
    const done = await waitVideo(sb.url, key, v.id, terminal);
    expect(done.status).toBe('completed');
    expect(done.audio_url).toBeNull();
    expect(done.video_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/sketchpen\/.+\.mp4\?expires=\d+&signature=[0-9a-f]+$/);
    expect(netFor((await ledgerOf(sb.url, key)).entries, v.id)).toBe(-done.scenes.length);
  });
});

describe('listing', () => {
  it('newest first, paginated with limit/offset/total, filtered by status; another key sees none', async () => {
    const key = spKey();
    const ids = [];
    for (const prompt of ['one topic', 'two topics', 'three topics']) ids.push((await createVideo(sb.url, key, { prompt, ...CHEAP })).id);
    const all = await call(sb.url, 'GET', '/api/v1/videos', { headers: h(key) });
    expect(all.body).toMatchObject({ total: 3, limit: 20, offset: 0 });
    expect(all.body.data.map((v: any) => v.id)).toEqual([...ids].reverse());
    const page = await call(sb.url, 'GET', '/api/v1/videos?limit=1&offset=1', { headers: h(key) });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.data.map((v: any) => v.id)).toEqual([ids[1]]);
    await waitVideo(sb.url, key, ids[2]!, status('refining'));
    const refining = await call(sb.url, 'GET', '/api/v1/videos?status=refining', { headers: h(key) });
    expect(refining.body.data.map((v: any) => v.id)).toContain(ids[2]);
    expect(refining.body.data.every((v: any) => v.status === 'refining')).toBe(true);
    const bad = await call(sb.url, 'GET', '/api/v1/videos?status=lost', { headers: h(key) });
    expectSpError(bad, 422, 'VALIDATION_ERROR');
    expect((await call(sb.url, 'GET', '/api/v1/videos', { headers: h(spKey()) })).body.total).toBe(0);
  });
});

describe('state rules', () => {
  it('PATCH a scene in refining (captions re-timed); not in any other state; unknown scene → 404', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Leaves and light', ...CHEAP });
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    const scene = r.scenes[1];
    const speech = 'Leaves catch sunlight with a green pigment called chlorophyll.';
    const p = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: { speech } });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: scene.id, speech, visual_description: scene.visual_description });
    expect(p.body.captions.map((c: any) => c.word)).toEqual(speech.split(' '));
    const d = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: { visual_description: 'A leaf, drawn big' } });
    expect(d.body).toMatchObject({ speech, visual_description: 'A leaf, drawn big' });
    expect((await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body.scenes[1]).toMatchObject({ speech, visual_description: 'A leaf, drawn big' });
    expectSpError(await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/nope`, { headers: h(key), body: { speech } }), 404, 'NOT_FOUND', 'Scene not found');
    expectSpError(await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: {} }), 422, 'VALIDATION_ERROR');

    await approve(sb.url, key, v.id);
    const busy = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: { speech } });
    expect(busy.status).toBe(409);
    const done = await waitVideo(sb.url, key, v.id, terminal);
    expect(done.status).toBe('completed');
    expect(done.scenes[1].speech).toBe(speech);
    const late = await call(sb.url, 'PATCH', `/api/v1/videos/${v.id}/scenes/${scene.id}`, { headers: h(key), body: { speech } });
    expectSpError(late, 409, 'INVALID_STATE', 'Cannot modify scenes for a completed video');
  });

  it('approve: a completed video or one processing → 409; twice → 409 the second time', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Clouds', ...CHEAP });
    expectSpError(await approve(sb.url, key, v.id), 409, 'INVALID_STATE', 'Cannot approve a video while it is processing (status scripting)');
    await waitVideo(sb.url, key, v.id, status('refining'));
    expect((await approve(sb.url, key, v.id)).status).toBe(200);
    expectSpError(await approve(sb.url, key, v.id), 409, 'INVALID_STATE', /^Cannot approve a video while it is processing \(status (visualising|narrating|curating|rendering)\)$/);
    await waitVideo(sb.url, key, v.id, terminal);
    expectSpError(await approve(sb.url, key, v.id), 409, 'INVALID_STATE', 'Cannot approve a completed video');
    expectSpError(await approve(sb.url, key, 'no-such-video'), 404, 'NOT_FOUND', 'Video not found');
  });

  it('regenerate from refining: back to scripting with no scenes, then a new script; not from completed', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'How magnets work', ...CHEAP });
    const first = await waitVideo(sb.url, key, v.id, status('refining'));
    const g = await call(sb.url, 'POST', `/api/v1/videos/${v.id}/regenerate`, { headers: h(key), body: { feedback: 'Fewer scenes, please' } });
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ status: 'scripting', scenes: [] });
    const second = await waitVideo(sb.url, key, v.id, status('refining'));
    expect(second.scenes.length).toBe(Math.max(3, first.scenes.length - 2));
    expect(second.scenes.map((s: any) => s.id)).not.toEqual(first.scenes.map((s: any) => s.id));
    // No body at all is fine too.
    expect((await call(sb.url, 'POST', `/api/v1/videos/${v.id}/regenerate`, { headers: h(key) })).status).toBe(200);
    await waitVideo(sb.url, key, v.id, status('refining'));
    await approve(sb.url, key, v.id);
    await waitVideo(sb.url, key, v.id, terminal);
    const late = await call(sb.url, 'POST', `/api/v1/videos/${v.id}/regenerate`, { headers: h(key), body: { feedback: '' } });
    expectSpError(late, 409, 'INVALID_STATE');
    expect(late.body.error.message).toMatch(/completed video/);
  });

  it('delete: 409 while processing (refining included), 204 once finished; its files go with it', async () => {
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Erosion', ...CHEAP });
    expectSpError(await call(sb.url, 'DELETE', `/api/v1/videos/${v.id}`, { headers: h(key) }), 409, 'INVALID_STATE', 'Cannot delete a video while it is processing (status scripting)');
    await waitVideo(sb.url, key, v.id, status('refining'));
    expectSpError(await call(sb.url, 'DELETE', `/api/v1/videos/${v.id}`, { headers: h(key) }), 409, 'INVALID_STATE', 'Cannot delete a video while it is processing (status refining)');
    await approve(sb.url, key, v.id);
    const done = await waitVideo(sb.url, key, v.id, terminal);
    expect((await fetchFile(done.video_url)).status).toBe(200);
    const del = await call(sb.url, 'DELETE', `/api/v1/videos/${v.id}`, { headers: h(key) });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectSpError(await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) }), 404, 'NOT_FOUND', 'Video not found');
    // The link is still validly signed, but the file is gone.
    await new Promise((r) => setTimeout(r, 100));
    const gone = await fetchFile(done.video_url);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });
});
