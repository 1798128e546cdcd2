// Sources that are not what they claim: a fetched "video" that is an HLS playlist must not make
// FFmpeg open its file:// segments (local files readable through a render), nor may a concat
// script or a format that does not fit the element. Each fails its job cleanly with RENDER_FAILED
// (credits refunded), through the real API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../../src/media/ffmpeg.ts';
import { FIXTURES_DIR } from '../../../src/paths.ts';
import { localServer, waitForJob, type LocalServer } from '../../support/phantomflow.ts';
import { call } from '../../support/http.ts';
import { startSandbox, freshKey, type RunningSandbox } from '../../support/sandbox.ts';

let sb: RunningSandbox;
let media: LocalServer;
const secretDir = mkdtempSync(join(tmpdir(), 'hostile-src-'));
const secret = join(secretDir, 'secret.ts');

const playlist = (segment: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1,\n${segment}\n#EXT-X-ENDLIST\n`;

beforeAll(async () => {
  // A real, playable segment outside fixtures/: if a render can show it, local files leak.
  const made = await runFfmpeg(['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=64x36:r=10:d=1', '-c:v', 'libx264', '-f', 'mpegts', secret]);
  expect(made.code).toBe(0);
  media = await localServer((req, res) => {
    const bodies: Record<string, string | Buffer> = {
      '/hostname.m3u8': playlist('file:///etc/hostname'),
      '/secret.m3u8': playlist(`file://${secret}`),
      '/secret.mp4': playlist(`file://${secret}`),
      '/concat.png': `ffconcat version 1.0\nfile ${join(FIXTURES_DIR, 'media', 'testpattern.png')}\n`,
    };
    const body = bodies[req.url ?? ''];
    if (body === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(body);
  });
  sb = await startSandbox({ jobs: { queueDelayMs: 0 } });
});
afterAll(async () => {
  await sb?.close();
  await media?.close();
  rmSync(secretDir, { recursive: true, force: true });
});

async function renderOne(element: Record<string, unknown>) {
  const key = freshKey('ve_test_', 'enterprise');
  const h = { 'x-api-key': key };
  const submitted = await call(sb.url, 'POST', '/api/render', { headers: h, body: { width: 64, height: 36, fps: 5, scenes: [{ duration: 1, elements: [element] }] } });
  expect(submitted.status, submitted.text).toBe(202);
  const job = await waitForJob(sb.url, key, submitted.body.job_id);
  const account = await call(sb.url, 'GET', '/api/account', { headers: h });
  return { job, balance: account.body.credits?.balance ?? account.body.credits_remaining ?? account.body.balance };
}

describe('a fetched source is what its element needs, or the job fails', () => {
  it('an HLS playlist whose segment is file:///etc/hostname → RENDER_FAILED naming a playlist', async () => {
    const { job } = await renderOne({ type: 'video', src: `${media.url}/hostname.m3u8` });
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('RENDER_FAILED');
    expect(job.error.message).toMatch(/HLS playlist/);
    expect(job.output_url).toBeNull();
  });

  it('an HLS playlist of a playable local file is refused too: the file is never rendered', async () => {
    for (const path of ['/secret.m3u8', '/secret.mp4']) {
      const { job } = await renderOne({ type: 'video', src: `${media.url}${path}` });
      expect(job.status, `${path}: ${JSON.stringify(job.error)}`).toBe('failed');
      expect(job.error.message).toMatch(/HLS playlist/);
      expect(job.error.message).not.toContain(secretDir);
    }
  });

  it('a concat script posing as an image, and a picture used as sound, are refused', async () => {
    const concat = await renderOne({ type: 'image', src: `${media.url}/concat.png` });
    expect(concat.job.status).toBe('failed');
    expect(concat.job.error.message).toMatch(/concat script/);
    const mismatch = await renderOne({ type: 'audio', src: 'fixtures/media/testpattern.png' });
    expect(mismatch.job.status).toBe('failed');
    expect(mismatch.job.error.message).toMatch(/fixtures\/media\/testpattern\.png is not usable as an audio file: it is PNG/);
  });

  it('real media of the right kind still renders', async () => {
    const { job } = await renderOne({ type: 'video', src: 'fixtures/media/clip-2s.mp4' });
    expect(job.status, JSON.stringify(job.error)).toBe('completed');
  });
});
