// `npm run fixtures`: regenerate the small media files under fixtures/media with FFmpeg itself,
// so the repository's test media are reproducible and carry no third-party content.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR as DEFAULT_FIXTURES_DIR } from '../paths.ts';
import { meaningfulLine, runFfmpeg } from './ffmpeg.ts';

const dir = join(DEFAULT_FIXTURES_DIR, 'media');
mkdirSync(dir, { recursive: true });

const jobs: [string, string[]][] = [
  ['testpattern.png', ['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=1', '-frames:v', '1']],
  ['clip-2s.mp4', ['-f', 'lavfi', '-i', 'testsrc=s=160x90:r=15:d=2', '-f', 'lavfi', '-i', 'sine=f=660:d=2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '32', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '48k', '-shortest', '-movflags', '+faststart']],
  ['tone-1s.wav', ['-f', 'lavfi', '-i', 'sine=f=440:d=1:sample_rate=22050', '-ac', '1']],
];

for (const [name, args] of jobs) {
  const r = await runFfmpeg(['-y', '-loglevel', 'error', ...args, join(dir, name)]);
  if (r.code !== 0) throw new Error(`${name}: ${meaningfulLine(r.stderr)}`);
  console.log(`wrote fixtures/media/${name}`);
}
