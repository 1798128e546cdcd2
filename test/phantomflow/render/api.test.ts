// A real render through the API, as a client sees it: submit, poll, download, probe.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probe } from '../../../src/apis/phantomflow/render/index.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../../support/sandbox.ts';
import { call } from '../../support/http.ts';
import { waitForJob } from '../../support/phantomflow.ts';

let s: RunningSandbox;
beforeAll(async () => {
  s = await startSandbox({ jobs: { queueDelayMs: 0 } });
});
afterAll(() => s.close());

it('a script with text, an image and audio renders to a playable MP4 with a thumbnail', async () => {
  const key = freshKey('ve_test_', 'pro');
  const script = {
    width: 1280,
    height: 720,
    fps: 25,
    scenes: [
      { duration: 1, background: '#0f172a', elements: [{ type: 'text', text: 'Sandbox render', font_size: 80 }, { type: 'image', src: 'fixtures/media/testpattern.png', position: 'bottom-right' }] },
      { duration: 0.8, background: '#f59e0b', elements: [{ type: 'audio', src: 'fixtures/media/tone-1s.wav' }] },
    ],
  };
  const submitted = await call(s.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: script });
  expect(submitted.status).toBe(202);
  expect(submitted.body.estimated_credits).toBe(2);
  const job = await waitForJob(s.url, key, submitted.body.job_id);
  expect(job).toMatchObject({ status: 'completed', width: 1280, height: 720, fps: 25, credits_used: 2, error: null });

  const info = await probe(job.output_url);
  expect(info.video).toMatchObject({ codec: 'h264', width: 640, height: 360 });
  expect(info.audio?.codec).toBe('aac');
  expect(Math.abs(info.durationSeconds - 1.8)).toBeLessThanOrEqual(0.1);

  const thumb = await fetch(job.thumbnail_url);
  expect(thumb.status).toBe(200);
  expect(thumb.headers.get('content-type')).toBe('image/jpeg');
  expect(Buffer.from(await thumb.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
});
