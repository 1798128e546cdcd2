// Assets over real HTTP: characters and objects, their validation, a real multipart image upload
// (PNG, JPEG, WebP; anything else refused), links to videos, and assets in a video's scenes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';
import { probe } from '../../src/media/probe.ts';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { approve, CHEAP, createVideo, expectSpError, fetchFile, h, spKey, status, terminal, waitVideo } from '../support/sketchpen.ts';

let sb: RunningSandbox;
let scratch: string;
const png = readFileSync(join(import.meta.dirname, '../../fixtures/media/testpattern.png'));
let jpeg: Buffer;
let webp: Buffer;
beforeAll(async () => {
  sb = await startSandbox();
  scratch = mkdtempSync(join(tmpdir(), 'sp-assets-'));
  const src = join(import.meta.dirname, '../../fixtures/media/testpattern.png');
  for (const ext of ['jpg', 'webp']) {
    const r = await runFfmpeg(['-y', '-loglevel', 'error', '-i', src, join(scratch, `t.${ext}`)]);
    expect(r.code, r.stderr).toBe(0);
  }
  jpeg = readFileSync(join(scratch, 't.jpg'));
  webp = readFileSync(join(scratch, 't.webp'));
});
afterAll(async () => {
  await sb.close();
  rmSync(scratch, { recursive: true, force: true });
});

const character = { type: 'character', name: 'Felix the fox', description: 'A curious orange fox', voice_id: 'james' };

function form(file: Buffer | undefined, name = 'picture.png', type = 'image/png', field = 'file'): FormData {
  const f = new FormData();
  if (file) f.append(field, new Blob([new Uint8Array(file)], { type }), name);
  return f;
}

async function createAsset(key: string, body: Record<string, unknown> = character) {
  const r = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

describe('assets', () => {
  it('create, get, list by type (newest first, paginated), update, delete', async () => {
    const key = spKey();
    const fox = await createAsset(key);
    expect(fox).toMatchObject({ ...character, image_url: null });
    expect(fox.id).toMatch(/^[0-9a-f-]{36}$/);
    const kite = await createAsset(key, { type: 'object', name: 'Red kite' });
    expect(kite).toMatchObject({ type: 'object', name: 'Red kite', description: null, voice_id: null });
    expect((await call(sb.url, 'GET', `/api/v1/assets/${fox.id}`, { headers: h(key) })).body).toEqual(fox);
    const all = await call(sb.url, 'GET', '/api/v1/assets', { headers: h(key) });
    expect(all.body).toMatchObject({ total: 2, limit: 20, offset: 0 });
    expect(all.body.data.map((a: any) => a.id)).toEqual([kite.id, fox.id]);
    expect((await call(sb.url, 'GET', '/api/v1/assets?type=character', { headers: h(key) })).body.data.map((a: any) => a.id)).toEqual([fox.id]);
    expect((await call(sb.url, 'GET', '/api/v1/assets?limit=1&offset=1', { headers: h(key) })).body.data.map((a: any) => a.id)).toEqual([fox.id]);
    const u = await call(sb.url, 'PATCH', `/api/v1/assets/${fox.id}`, { headers: h(key), body: { name: 'Felix the clever fox', voice_id: 'emma' } });
    expect(u.body).toMatchObject({ name: 'Felix the clever fox', voice_id: 'emma', type: 'character' });
    expectSpError(await call(sb.url, 'GET', `/api/v1/assets/${fox.id}`, { headers: h(spKey()) }), 404, 'NOT_FOUND', 'Asset not found');
    expect((await call(sb.url, 'DELETE', `/api/v1/assets/${kite.id}`, { headers: h(key) })).status).toBe(204);
    expectSpError(await call(sb.url, 'DELETE', `/api/v1/assets/${kite.id}`, { headers: h(key) }), 404, 'NOT_FOUND', 'Asset not found');
  });

  it('voices: a character needs a known one (422 with details); an object keeps none', async () => {
    const key = spKey();
    const noVoice = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { type: 'character', name: 'Mute' } });
    expectSpError(noVoice, 422, 'VALIDATION_ERROR');
    expect(noVoice.body.error.details[0].loc).toEqual(['body', 'voice_id']);
    const unknown = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { ...character, voice_id: 'morgan' } });
    expectSpError(unknown, 422, 'VALIDATION_ERROR');
    expect(unknown.body.error.details).toEqual([{ loc: ['body', 'voice_id'], msg: "Unknown voice_id 'morgan'; the voices are emma, james (GET /voices)", type: 'value_error' }]);
    // Objects do not speak: a voice sent for one is not kept (the spec: "null for objects").
    const rock = await call(sb.url, 'POST', '/api/v1/assets', { headers: h(key), body: { type: 'object', name: 'Rock', voice_id: 'emma' } });
    expect(rock.status).toBe(201);
    expect(rock.body.voice_id).toBeNull();
    expect((await call(sb.url, 'PATCH', `/api/v1/assets/${rock.body.id}`, { headers: h(key), body: { voice_id: 'james' } })).body.voice_id).toBeNull();
    const fox = await createAsset(key);
    expectSpError(await call(sb.url, 'PATCH', `/api/v1/assets/${fox.id}`, { headers: h(key), body: { voice_id: null } }), 422, 'VALIDATION_ERROR');
    expectSpError(await call(sb.url, 'PATCH', `/api/v1/assets/${fox.id}`, { headers: h(key), body: { type: 'object' } }), 422, 'VALIDATION_ERROR');
  });
});

describe('image upload (multipart field "file")', () => {
  it('a PNG, a JPEG and a WebP are kept and served behind image_url; the picture is the one sent', async () => {
    const key = spKey();
    const fox = await createAsset(key);
    for (const [bytes, name, type, codec] of [
      [png, 'fox.png', 'image/png', 'png'],
      [jpeg, 'fox.jpg', 'image/jpeg', 'mjpeg'],
      [webp, 'fox.webp', 'image/webp', 'webp'],
    ] as const) {
      const r = await call(sb.url, 'POST', `/api/v1/assets/${fox.id}/image`, { headers: h(key), body: form(bytes, name, type) });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ id: fox.id, name: fox.name });
      const got = await fetchFile(r.body.image_url);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(bytes)).toBe(true);
      writeFileSync(join(scratch, 'got'), got.bytes);
      expect((await probe(join(scratch, 'got'))).video?.codec).toBe(codec);
    }
    expect((await call(sb.url, 'GET', `/api/v1/assets/${fox.id}`, { headers: h(key) })).body.image_url).toMatch(/asset-.+\.webp\?expires=/);
  });

  it('refuses what is not a real image (422), no file (422), a body that is not multipart (400), one over the cap (400)', async () => {
    const key = spKey();
    const fox = await createAsset(key);
    const up = (body: unknown, headers: Record<string, string> = {}) => call(sb.url, 'POST', `/api/v1/assets/${fox.id}/image`, { headers: h(key, headers), body });
    const text = await up(form(Buffer.from('hello, not an image'), 'x.png'));
    expectSpError(text, 422, 'VALIDATION_ERROR');
    expect(text.body.error.details).toEqual([{ loc: ['body', 'file'], msg: 'The file is not a PNG, JPEG or WebP image', type: 'value_error' }]);
    // A PNG header with its image data cut off: the signature is right, the picture is not.
    const cut = await up(form(png.subarray(0, 60), 'cut.png'));
    expectSpError(cut, 422, 'VALIDATION_ERROR');
    expect(cut.body.error.details[0].msg).toBe('The file is not a readable PNG image');
    const none = await up(form(undefined));
    expectSpError(none, 422, 'VALIDATION_ERROR');
    const field = new FormData();
    field.append('file', 'just text');
    expectSpError(await up(field), 422, 'VALIDATION_ERROR');
    expectSpError(await up(form(png, 'p.png', 'image/png', 'picture')), 422, 'VALIDATION_ERROR');
    expectSpError(await up({ file: 'base64…' }), 400, 'BAD_REQUEST');
    const broken = await up('--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end', { 'content-type': 'multipart/form-data; boundary=x' });
    expectSpError(broken, 400, 'BAD_REQUEST');
    expect(broken.body.error.message).toMatch(/not valid multipart\/form-data/);
    const big = await up(form(Buffer.alloc(10 * 1024 * 1024 + 1, 1), 'big.png'));
    expectSpError(big, 400, 'BAD_REQUEST');
    expectSpError(await call(sb.url, 'POST', '/api/v1/assets/nope/image', { headers: h(key), body: form(png) }), 404, 'NOT_FOUND', 'Asset not found');
    expect((await call(sb.url, 'GET', `/api/v1/assets/${fox.id}`, { headers: h(key) })).body.image_url).toBeNull();
  });
});

describe('assets in videos', () => {
  it('create checks asset_ids (404) and speaker_ids (a subset, characters only: 422)', async () => {
    const key = spKey();
    const fox = await createAsset(key);
    const kite = await createAsset(key, { type: 'object', name: 'Kite' });
    expectSpError(await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', asset_ids: ['nope'] } }), 404, 'NOT_FOUND', 'Asset not found');
    const foreign = await createAsset(spKey());
    expectSpError(await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', asset_ids: [foreign.id] } }), 404, 'NOT_FOUND', 'Asset not found');
    const notListed = await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', asset_ids: [kite.id], speaker_ids: [fox.id] } });
    expectSpError(notListed, 422, 'VALIDATION_ERROR');
    expect(notListed.body.error.details[0].loc).toEqual(['body', 'speaker_ids', 0]);
    expectSpError(await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', asset_ids: [kite.id], speaker_ids: [kite.id] } }), 422, 'VALIDATION_ERROR');
    expectSpError(await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', theme: 'gothic' } }), 422, 'VALIDATION_ERROR');
    expectSpError(await call(sb.url, 'POST', '/api/v1/videos', { headers: h(key), body: { prompt: 'x', voice_id: 'morgan' } }), 422, 'VALIDATION_ERROR');
  });

  it('speakers appear in the scenes; an asset picture is drawn into its scenes; multi_voice completes', async () => {
    const key = spKey();
    const fox = await createAsset(key);
    const owl = await createAsset(key, { type: 'character', name: 'Olive the owl', voice_id: 'emma' });
    expect((await call(sb.url, 'POST', `/api/v1/assets/${owl.id}/image`, { headers: h(key), body: form(png) })).status).toBe(200);
    const v = await createVideo(sb.url, key, { prompt: 'Sharing is caring', audio_mode: 'multi_voice', fps: 4, aspect_ratio: '1:1', asset_ids: [fox.id, owl.id], speaker_ids: [fox.id, owl.id] });
    const r = await waitVideo(sb.url, key, v.id, status('refining'));
    expect(r.scenes.map((s: any) => s.assets[0])).toEqual(r.scenes.map((_: any, i: number) => (i % 2 ? owl.id : fox.id)));
    expect(r.scenes[0].visual_description).toContain('Felix the fox');
    await approve(sb.url, key, v.id);
    const done = await waitVideo(sb.url, key, v.id, terminal);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    // The owl's scenes carry its (colourful) test pattern; the fox has no picture.
    const saturation = async (link: string) => {
      writeFileSync(join(scratch, 'scene.png'), (await fetchFile(link)).bytes);
      const out = join(scratch, 'scene.rgb');
      await runFfmpeg(['-y', '-loglevel', 'error', '-i', join(scratch, 'scene.png'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', out]);
      const px = readFileSync(out);
      let vivid = 0;
      for (let i = 0; i < px.length; i += 3) if (Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!) > 150) vivid++;
      return vivid;
    };
    expect(await saturation(done.scenes[1].image_url)).toBeGreaterThan(1000);
    expect(await saturation(done.scenes[0].image_url)).toBeLessThan(200);
  });

  it('link an asset to a video: 201, the same link again → 409 CONFLICT, a finished video → 409 INVALID_STATE', async () => {
    const key = spKey();
    const kite = await createAsset(key, { type: 'object', name: 'Kite' });
    const v = await createVideo(sb.url, key, { prompt: 'Wind', ...CHEAP });
    const link = await call(sb.url, 'POST', `/api/v1/assets/videos/${v.id}/refs`, { headers: h(key), body: { asset_id: kite.id } });
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ video_id: v.id, asset_id: kite.id });
    expect((await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body.config.asset_ids).toEqual([kite.id]);
    expectSpError(await call(sb.url, 'POST', `/api/v1/assets/videos/${v.id}/refs`, { headers: h(key), body: { asset_id: kite.id } }), 409, 'CONFLICT', 'Asset is already linked to this video');
    expectSpError(await call(sb.url, 'POST', `/api/v1/assets/videos/${v.id}/refs`, { headers: h(key), body: { asset_id: 'nope' } }), 404, 'NOT_FOUND', 'Asset not found');
    expectSpError(await call(sb.url, 'POST', '/api/v1/assets/videos/nope/refs', { headers: h(key), body: { asset_id: kite.id } }), 404, 'NOT_FOUND', 'Video not found');
    await waitVideo(sb.url, key, v.id, status('refining'));
    await approve(sb.url, key, v.id);
    await waitVideo(sb.url, key, v.id, terminal);
    const other = await createAsset(key, { type: 'object', name: 'Cloud' });
    expectSpError(await call(sb.url, 'POST', `/api/v1/assets/videos/${v.id}/refs`, { headers: h(key), body: { asset_id: other.id } }), 409, 'INVALID_STATE', 'Cannot link assets to a completed video');
  });
});
