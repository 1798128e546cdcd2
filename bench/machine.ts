// The machine a benchmark ran on, written next to every result.
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { ffmpegPath } from '../src/media/ffmpeg.ts';

export function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** "N-47683-g0e8eb07980-static" from the first line of `ffmpeg -version`. */
export function ffmpegVersion(): string {
  const first = spawnSync(ffmpegPath(), ['-version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  return /version (\S+)/.exec(first)?.[1] ?? 'unknown';
}
