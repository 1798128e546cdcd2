// On a machine without Chromium, `npm test` says that the inspector's browser tests were skipped,
// and why — and still passes. (CI installs Chromium and requires it: .ci/run.)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';

it('without Chromium the browser tests are skipped, saying so and why', async () => {
  const missing = '/nonexistent/chromium';
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/inspector/pages.test.ts'], {
    cwd: ROOT,
    env: { ...process.env, CHROMIUM_PATH: missing, INSPECTOR_REQUIRE_BROWSER: '', FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code, out).toBe(0);
  expect(out).toContain(`inspector browser tests SKIPPED — no Chromium at ${missing}: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`);
  expect(out).toMatch(/Tests\s+\d+ skipped/);
  expect(out).not.toMatch(/\d+ passed/);
}, 60_000);
