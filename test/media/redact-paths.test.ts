// Error texts a client reads name no directory of the machine the sandbox runs on.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';
import { redactPaths } from '../../src/media/redact-paths.ts';
import { ROOT } from '../../src/paths.ts';

it('replaces known paths by what the client knows them as, then any install or temp path', () => {
  const src = join(tmpdir(), 'job-1', 'src-0');
  expect(redactPaths(`${src}: Invalid data`, [[src, 'https://cdn.example.com/a.png']])).toBe('https://cdn.example.com/a.png: Invalid data');
  expect(redactPaths(`spawn ${join(ROOT, 'node_modules/x/ffmpeg')} E2BIG`)).toBe('spawn <sandbox> E2BIG');
  expect(redactPaths(`'${join(tmpdir(), 'video-api-sandbox-x', 'a.mp4')}': No space left`)).toBe("'<tmp>': No space left");
  // Inside a URL a directory name is the URL's, not ours.
  expect(redactPaths('http://127.0.0.1:9/tmp/x.png')).toBe('http://127.0.0.1:9/tmp/x.png');
});

it('a spawn refused by the kernel is a failed run that names the binary, not where it is installed', async () => {
  const r = await runFfmpeg(['-i', 'x'.repeat(200_000)]);
  expect(r.code).toBeNull();
  expect(r.stderr).toMatch(/E2BIG/);
  expect(r.stderr).not.toContain(ROOT);
});
