// Headless Debian Chromium driven by playwright-core, for the inspector's tests. Without Chromium
// the browser tests are skipped, and say why (CI installs it: .ci/run).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../src/paths.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// CI (.ci/run) sets INSPECTOR_REQUIRE_BROWSER=1: there a missing Chromium fails the tests instead.
const required = process.env.INSPECTOR_REQUIRE_BROWSER === '1';

/** Why the browser tests cannot run here (undefined: they can). */
export const browserSkipReason =
  existsSync(CHROMIUM) || required ? undefined : `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`;
if (browserSkipReason) console.warn(`\n  ⚠ inspector browser tests SKIPPED — ${browserSkipReason}\n`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh browser profile each time (its own --user-data-dir, removed on close). */
export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'inspector-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Screenshots go under test-output/ (gitignored); look at them. */
export const SHOTS = join(ROOT, 'test-output', 'inspector');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  // A small copy for the README (docs/images).
  await page.screenshot({ path: join(SHOTS, `${name}.jpg`), type: 'jpeg', quality: 60 });
}

/** Open the inspector on a page and wait until its first data is shown. */
export async function openInspector(context: BrowserContext, base: string, hash = 'requests'): Promise<Page> {
  const page = await context.newPage();
  // Fail fast: a missing element should not use up the whole test's time.
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    // A 4xx the test provoked is logged by the browser as a failed load: not a page problem.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4')) problems.push(m.text());
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${base}/__sandbox/ui/#${hash}`);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
  return page;
}

/** Errors the page reported (script errors, console errors). */
export function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/** Wait until `fn` (run in the page) returns something truthy; returns it. */
export async function until<T>(page: Page, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeout = 10_000): Promise<T> {
  const handle = await page.waitForFunction(fn, undefined, { timeout, polling: 50 });
  return (await handle.jsonValue()) as T;
}
