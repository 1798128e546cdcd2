// Nothing a sandbox starts outlives its close(): counted in a clean child process
// (close-leaks.child.ts) — active handles, open file descriptors, child processes (FFmpeg, Flite), the
// temporary data directories and the listening ports, before and after three busy sandboxes close.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

it('close() frees the port, stops timers, kills FFmpeg and the speech children, abandons callbacks, cuts connections and removes temp files', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/node-api/close-leaks.child.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  expect(run.status, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout.trim().split('\n').pop()!);
  // They were busy: FFmpeg rendering in each, a webhook waiting for its retry, Sketchpen's speech
  // children running and a callback POST unanswered in each, their own temp dirs.
  expect(report.busy).toMatchObject({ ffmpeg: 3, pendingRetries: 3, callbacksInFlight: 3, dirs: 3, inTmp: true });
  expect(report.busy.flite).toBeGreaterThanOrEqual(3);
  expect(report.busy.children).toBeGreaterThanOrEqual(report.before.children + 3 + report.busy.flite);
  expect(report.busy.resources).toBeGreaterThan(report.before.resources.length);
  // Requests in flight were cut, not waited for (a 60 s latency, a 60 s slow body).
  expect(report.inflight).toHaveLength(6);
  expect(report.closeMs).toBeLessThan(5000);
  // And afterwards: exactly what there was before.
  expect(report.after.resources).toEqual(report.before.resources);
  expect(report.after.fds).toBe(report.before.fds);
  expect(report.after.children).toBe(report.before.children);
  expect(report.after.ffmpeg).toBe(0);
  expect(report.after.flite).toBe(0);
  expect(report.leftDirs).toEqual([]);
  expect(report.refused).toEqual([true, true, true]);
}, 120_000);
