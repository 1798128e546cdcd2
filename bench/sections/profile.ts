// Where the time goes: the newest build under load, one scenario at a time, profiled by V8's
// sampling profiler during the measured load only (bench/lib/profile-hook.mjs, started and
// stopped by signal after the warm-up); each profile summarised (self time by place and by
// function, idle excluded).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../src/paths.ts';
import { load } from '../lib/http-load.ts';
import { untilIdle } from '../lib/proc.ts';
import { summarise, type ProfileSummary } from '../lib/profile.ts';
import { stop } from '../lib/servers.ts';
import { INVALID_RENDER, MOCKED, PF_KEY, SP_KEY, startSandbox, type Build } from '../lib/targets.ts';
import { completedJob, refiningVideo, SANDBOX_ARGS, SCENARIOS } from './throughput.ts';

export async function profile(build: Build, o: { seconds: number; connections: number; log: (s: string) => void }): Promise<Record<string, ProfileSummary>> {
  const out: Record<string, ProfileSummary> = {};
  for (const s of SCENARIOS) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    const file = join(dir, 'load.cpuprofile');
    const server = await startSandbox(build, { nodeFlags: ['--import', join(ROOT, 'bench/lib/profile-hook.mjs')], env: { BENCH_PROFILE_OUT: file }, args: SANDBOX_ARGS });
    try {
      const req =
        s.id === 'job'
          ? { method: 'GET', path: await completedJob(server.port), headers: { 'x-api-key': PF_KEY } }
          : s.id === 'video'
            ? { method: 'GET', path: await refiningVideo(server.port), headers: { 'x-api-key': SP_KEY } }
            : s.id === 'invalid'
              ? INVALID_RENDER
              : MOCKED;
      await load(req, { port: server.port, connections: o.connections, durationMs: 2000 });
      // The deferred start-up work (validators compiled, Prism warmed) runs once requests pause:
      // let it finish, so that the profile holds the requests' own work only.
      await sleep(300);
      await untilIdle(server.pid);
      process.kill(server.pid, 'SIGUSR2');
      await sleep(100);
      await load(req, { port: server.port, connections: o.connections, durationMs: o.seconds * 1000 });
      process.kill(server.pid, 'SIGUSR2');
      for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
      await sleep(200);
    } finally {
      await stop(server);
    }
    if (existsSync(file)) {
      out[s.id] = summarise(file);
      o.log(`profile ${s.id}: ${out[s.id]!.byPlace.slice(0, 5).map((p) => `${p.place} ${p.pct}%`).join(', ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
