// What a render's source is, decided from its bytes and ffprobe; a fixture's usable verdict is
// kept (ffprobe is not run again for every job) until the file changes.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { inspectSource } from '../../src/media/source-format.ts';
import { ROOT } from '../../src/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'source-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a file that is not what the element says, naming it', async () => {
  const png = join(ROOT, 'fixtures/media/testpattern.png');
  expect(await inspectSource(png, 'image', 'testpattern.png')).toEqual({ ok: true, demuxer: expect.any(String), hasAudio: false });
  const r = await inspectSource(png, 'audio', 'testpattern.png');
  expect(r.ok).toBe(false);
  expect(!r.ok && r.message).toMatch(/^Source testpattern\.png is not usable as an audio file: it is PNG/);
});

it('keeps a reusable verdict only while the file is unchanged', async () => {
  const file = join(dir, 'picture.png');
  copyFileSync(join(ROOT, 'fixtures/media/testpattern.png'), file);
  expect((await inspectSource(file, 'image', 'picture.png', { reusable: true })).ok).toBe(true);
  expect((await inspectSource(file, 'image', 'picture.png', { reusable: true })).ok).toBe(true);
  // The same path, now other bytes: the kept verdict does not apply.
  writeFileSync(file, 'not a picture at all');
  const r = await inspectSource(file, 'image', 'picture.png', { reusable: true });
  expect(r.ok).toBe(false);
  expect(!r.ok && r.message).toMatch(/not a recognised media file/);
});
