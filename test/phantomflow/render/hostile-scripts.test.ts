// Valid-looking scripts that used to break rendering: control characters in text (a NUL made
// spawn() throw), durations too small to be a frame, a graph too long for the kernel's argv, and
// what failed or cancelled jobs leave on disk. Through the real API.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../src/paths.ts';
import { call } from '../../support/http.ts';
import { eventually, waitForJob } from '../../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../../support/sandbox.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 0 } });
});
afterAll(() => sb.close());

const headersFor = (key: string) => ({ 'x-api-key': key });
const submit = (key: string, script: unknown) => call(sb.url, 'POST', '/api/render', { headers: headersFor(key), body: script });
const textScript = (text: string) => ({ width: 64, height: 36, fps: 5, scenes: [{ duration: 0.5, elements: [{ type: 'text', text }] }] });

describe('text that FFmpeg cannot take is a 400 with its path', () => {
  for (const [name, ch] of [['NUL', '\u0000'], ['BEL', '\u0007'], ['ESC', '\u001b'], ['DEL', '\u007f'], ['a C1 control', '\u0085']] as const) {
    it(`${name} in a text element`, async () => {
      const r = await submit(freshKey('ve_test_', 'enterprise'), textScript(`before${ch}after`));
      expect(r.status, r.text).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'SCHEMA_VALIDATION_ERROR', path: 'scenes.0.elements.0.text' });
    });
  }

  it('a control character arriving through a template variable', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const t = await call(sb.url, 'POST', '/api/templates', { headers: headersFor(key), body: { name: 't', script: { scenes: [{ duration: 1, elements: [{ type: 'text', text: '{{line}}' }] }] } } });
    expect(t.status, t.text).toBe(201);
    const r = await call(sb.url, 'POST', '/api/render/template', { headers: headersFor(key), body: { template_id: t.body.template_id, variables: { line: 'a\u0000b' } } });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'SCHEMA_VALIDATION_ERROR', path: 'scenes.0.elements.0.text' });
  });

  it('tabs, new lines and any other Unicode still render', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const r = await submit(key, textScript('tab\tnew\nline — 東京 🎬'));
    expect(r.status, r.text).toBe(202);
    expect((await waitForJob(sb.url, key, r.body.job_id)).status).toBe('completed');
  });
});

describe('durations shorter than a frame', () => {
  it('a 1e-300 s scene, or a clip of 1e-300 s, is a 400 (not a 0-credit job that fails in FFmpeg)', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const scene = await submit(key, { scenes: [{ duration: 1e-300 }] });
    expect(scene.status, scene.text).toBe(400);
    expect(scene.body.error.path).toBe('scenes.0.duration');
    const clip = await submit(key, { scenes: [{ duration: 1, elements: [{ type: 'video', src: 'fixtures/media/clip-2s.mp4', duration: 1e-300 }] }] });
    expect(clip.status, clip.text).toBe(400);
    expect(clip.body.error.path).toBe('scenes.0.elements.0.duration');
  });
});

describe('a script whose graph is longer than the kernel allows in argv', () => {
  it('renders (the graph goes to FFmpeg as a file), and another key renders right after', async () => {
    // 20 scenes × 48 texts × 1,000 characters: about 1 MB of filter graph, past the 128 KiB a
    // single argument may have (E2BIG made spawn() throw).
    const line = 'x'.repeat(1000);
    const big = { width: 64, height: 36, fps: 5, quality: 'low', scenes: Array.from({ length: 20 }, () => ({ duration: 1, elements: Array.from({ length: 48 }, () => ({ type: 'text', text: line, font_size: 4 })) })) };
    const a = freshKey('ve_test_', 'enterprise');
    const b = freshKey('ve_test_', 'enterprise');
    const first = await submit(a, big);
    expect(first.status, first.text.slice(0, 300)).toBe(202);
    const second = await submit(b, textScript('after the big one'));
    expect(second.status).toBe(202);
    const bigJob = await waitForJob(sb.url, a, first.body.job_id, { timeoutMs: 120_000 });
    expect(bigJob.status, JSON.stringify(bigJob.error)).toBe('completed');
    expect((await waitForJob(sb.url, b, second.body.job_id, { timeoutMs: 120_000 })).status).toBe('completed');
  }, 180_000);
});

describe('failed and cancelled jobs leave nothing behind', () => {
  let stopped: RunningSandbox;
  const root = mkdtempSync(join(tmpdir(), 'leftovers-'));
  const dataDir = join(root, 'phantomflow');
  beforeAll(async () => {
    // A budget so short that a real render is killed half-way through writing its file.
    stopped = await startSandbox({ dataDir: root, jobs: { queueDelayMs: 0, workTimeoutMs: 600 }, media: { fidelity: 'full' } });
  });
  afterAll(async () => {
    await stopped.close();
    rmSync(root, { recursive: true, force: true });
  });

  const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String);

  it('a render stopped by its budget: no file on disk, nothing at its URL, a message without paths', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const r = await call(stopped.url, 'POST', '/api/render', { headers: headersFor(key), body: { width: 1920, height: 1080, fps: 30, scenes: [{ duration: 120, background: '#102030' }] } });
    expect(r.status, r.text).toBe(202);
    const id = r.body.job_id as string;
    const job = await waitForJob(stopped.url, key, id, { timeoutMs: 30_000 });
    expect(job.status).toBe('failed');
    expect(job.error.message).not.toContain(ROOT);
    expect(job.error.message).not.toContain(tmpdir());
    for (const ext of ['mp4', 'jpg']) expect((await fetch(`${stopped.url}/files/phantomflow/${id}.${ext}`)).status).toBe(404);
    await eventually(() => !files(dataDir).some((f) => f.includes(id)), 5000, 'no file of the job');
  });

  it('a render cancelled by a reset: no file on disk', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const r = await call(stopped.url, 'POST', '/api/render', { headers: headersFor(key), body: { width: 1920, height: 1080, fps: 30, scenes: [{ duration: 120 }] } });
    const id = r.body.job_id as string;
    await eventually(() => stopped.sandbox.apis[0]!.views.jobs!({ key })[0]?.body.status === 'rendering', 10_000, 'rendering');
    await new Promise((res) => setTimeout(res, 200));
    const reset = await call(stopped.url, 'POST', '/__sandbox/reset', { body: { key } });
    expect(reset.status).toBe(200);
    await eventually(() => !files(dataDir).some((f) => f.includes(id)), 5000, 'no file of the job');
  });
});
