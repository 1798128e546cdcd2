// Start-up: `npm start` to the first 200 (npm, its scripts and the sandbox, as a user runs it),
// the same inside the sandbox's own process (bench/lib/startup-probe.mjs, node's boot included),
// and the first request to a mocked operation — sent at the moment of the first 200, and sent
// a little later, as a client that starts after the server would. Builds are interleaved. Each
// round also times `npm start` of a bare node:http server that answers 200 at once: the floor that
// npm and node's boot set, which no sandbox can go below.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../src/paths.ts';
import { exchange } from '../lib/http-load.ts';
import { launch, stop, until200 } from '../lib/servers.ts';
import { spread, type Spread } from '../lib/stats.ts';
import { freePort, MOCKED, READY, rotate, type Build } from '../lib/targets.ts';

export interface StartupResult {
  npmStartMs: Spread;
  /** `npm start` → first 200 of a bare node:http server, in the same rounds */
  npmBareMs: Spread;
  inProcessFirst200Ms: Spread;
  inProcessImportMs: Spread;
  /** the first mocked request, sent at the first 200 */
  mockedAtFirst200Ms: Spread;
  /** the first mocked request, sent `laterMs` after the first 200 */
  mockedLaterMs: Spread;
  laterMs: number;
  /** npm start printed something that looks like a build (esbuild ran) */
  rebuilt: boolean[];
}

/** `npm start` → first 200 of the bare server in `dir`. */
async function npmStartBare(npm: string, dir: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const s = launch('npm start (bare)', port, [npm, 'start', '--', '--port', String(port)], { cwd: dir });
  try {
    return await until200(port, READY, t0, 60_000, 1);
  } finally {
    await stop(s);
  }
}

export async function startup(builds: Build[], o: { rounds: number; laterMs: number; log: (s: string) => void }): Promise<Record<string, StartupResult>> {
  const raw = new Map<string, { npm: number[]; first200: number[]; imp: number[]; atFirst: number[]; later: number[]; rebuilt: boolean[] }>();
  for (const b of builds) raw.set(b.name, { npm: [], first200: [], imp: [], atFirst: [], later: [], rebuilt: [] });
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  const bareDir = mkdtempSync(join(tmpdir(), 'bench-npm-bare-'));
  writeFileSync(join(bareDir, 'package.json'), JSON.stringify({ name: 'bare', private: true, scripts: { start: 'node server.js' } }));
  writeFileSync(join(bareDir, 'server.js'), "require('node:http').createServer((q, s) => s.end('{}')).listen(Number(process.argv[process.argv.indexOf('--port') + 1]), '127.0.0.1');\n");
  const bare: number[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      bare.push(await npmStartBare(npm, bareDir));
      o.log(`round ${round + 1} bare server: npm start → first 200 ${Math.round(bare[bare.length - 1]!)} ms`);
      for (const b of rotate(builds, round)) {
        const r = raw.get(b.name)!;
        for (const when of ['atFirst', 'later'] as const) {
          const port = await freePort();
          const t0 = performance.now();
          const s = launch(`npm start ${b.name}`, port, [npm, 'start', '--', '--port', String(port)], { cwd: b.root });
          try {
            const ms = await until200(port, READY, t0, 60_000, 1);
            if (when === 'later') await sleep(o.laterMs);
            else {
              r.npm.push(ms);
              r.rebuilt.push(/esbuild|> .*build/.test(s.stdout()));
            }
            const mocked = await exchange(port, MOCKED);
            if (mocked.status !== 200) throw new Error(`${b.name}: mocked operation answered ${mocked.status}`);
            r[when].push(mocked.ms);
            o.log(`round ${round + 1} ${b.name}: ${when === 'atFirst' ? `npm start → first 200 ${Math.round(ms)} ms, ` : ''}first mocked request ${when === 'atFirst' ? 'at first 200' : `${o.laterMs} ms later`}: ${Math.round(mocked.ms)} ms`);
          } finally {
            await stop(s);
          }
        }
        const port = await freePort();
        const probe = spawnSync(process.execPath, [join(ROOT, 'bench/lib/startup-probe.mjs'), join(b.root, 'dist/cli.js'), String(port)], { cwd: b.root, encoding: 'utf8', timeout: 60_000 });
        const line = probe.stdout.trim().split('\n').pop() ?? '';
        const parsed = JSON.parse(line) as { importMs: number; first200Ms: number };
        r.first200.push(parsed.first200Ms);
        r.imp.push(parsed.importMs);
        o.log(`round ${round + 1} ${b.name}: in process, first 200 at ${Math.round(parsed.first200Ms)} ms (bundle evaluated in ${Math.round(parsed.importMs)} ms)`);
      }
    }
  } finally {
    rmSync(bareDir, { recursive: true, force: true });
  }
  return Object.fromEntries(
    [...raw].map(([name, r]) => [
      name,
      {
        npmStartMs: spread(r.npm),
        npmBareMs: spread(bare),
        inProcessFirst200Ms: spread(r.first200),
        inProcessImportMs: spread(r.imp),
        mockedAtFirst200Ms: spread(r.atFirst, 1),
        mockedLaterMs: spread(r.later, 1),
        laterMs: o.laterMs,
        rebuilt: r.rebuilt,
      },
    ]),
  );
}
