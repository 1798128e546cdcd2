// `serve` as CI scripts drive it: --port 0, a READY line and a --ready-file with the URL, and a
// clean stop on SIGTERM or SIGINT — exit code 0 within a second, the port free, the file gone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'serve-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  it(`prints READY <url>, writes --ready-file, and stops on ${signal} with code 0 within a second`, async () => {
    const readyFile = join(dir, `ready-${signal}`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--port', '0', '--ready-file', readyFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^READY (http:\/\/\S+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);
    expect(readFileSync(readyFile, 'utf8')).toBe(`${url}\n`);
    // READY is the last line: the banner comes before it.
    expect(out.trimEnd().split('\n').pop()).toBe(`READY ${url}`);
    // Busy when the signal comes: a keep-alive connection and a request waiting out a latency.
    const health = await fetch(`${url}/__sandbox/health`);
    expect(health.status).toBe(200);
    const late = fetch(`${url}/api/account`, { headers: { 'x-api-key': 've_test_serve_lifecycle_1', 'X-Sandbox-Fault': 'latency=30000' } }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));

    const sent = performance.now();
    child.kill(signal);
    const [code, exitSignal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    const ms = performance.now() - sent;
    expect({ code, exitSignal, err }).toEqual({ code: 0, exitSignal: null, err: '' });
    expect(ms).toBeLessThan(1000);
    expect(await refused(port)).toBe(true);
    expect(existsSync(readyFile)).toBe(false);
    expect(await late).toBeInstanceOf(Error);
  });
}
