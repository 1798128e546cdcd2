// The machine a benchmark ran on, written next to every result.
import { cpus, totalmem, platform, release, arch } from 'node:os';

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
