// Where the time goes: the newest build under load, one scenario at a time, with node --cpu-prof;
// each profile summarised (self time by place and by function, idle excluded).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../lib/http-load.ts';
import { summarise, type ProfileSummary } from '../lib/profile.ts';
import { stop } from '../lib/servers.ts';
import { INVALID_RENDER, MOCKED, PF_KEY, startSandbox, type Build } from '../lib/targets.ts';
import { completedJob, SCENARIOS } from './throughput.ts';

export async function profile(build: Build, o: { seconds: number; connections: number; log: (s: string) => void }): Promise<Record<string, ProfileSummary>> {
  const out: Record<string, ProfileSummary> = {};
  for (const s of SCENARIOS) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    const server = await startSandbox(build, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    try {
      const req =
        s.id === 'job' ? { method: 'GET', path: await completedJob(server.port), headers: { 'x-api-key': PF_KEY } } : s.id === 'invalid' ? INVALID_RENDER : MOCKED;
      await load(req, { port: server.port, connections: o.connections, durationMs: 1000 });
      await load(req, { port: server.port, connections: o.connections, durationMs: o.seconds * 1000 });
    } finally {
      await stop(server);
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      out[s.id] = summarise(join(dir, file));
      o.log(`profile ${s.id}: ${out[s.id]!.byPlace.slice(0, 5).map((p) => `${p.place} ${p.pct}%`).join(', ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
