// The inspector in a real browser (headless Debian Chromium via playwright-core), against a real
// sandbox on 127.0.0.1 with real API traffic: what a person sees on each page, and that the page
// steers the sandbox. Screenshots of every page land in test-output/inspector/.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.ts';
import { browserSkipReason, launchBrowser, openInspector, problemsOf, screenshot, until, type Browser } from '../support/browser.ts';
import { call } from '../support/http.ts';
import { localServer, tinyScript, waitForJob } from '../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { createApproved, status, waitVideo } from '../support/sketchpen.ts';

const title = `the inspector in Chromium${browserSkipReason ? ` — SKIPPED: ${browserSkipReason}` : ''}`;

// A browser and a sandbox share two cores with the rest of the suite: room for a slow machine.
describe.skipIf(browserSkipReason)(title, { timeout: 60_000 }, () => {
  let browser: Browser;
  let sb: RunningSandbox;
  beforeAll(async () => {
    browser = await launchBrowser();
    sb = await startSandbox({ requestLogBodyBytes: 2048 });
  });
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  const rowWith = (page: Page, table: string, text: string) => page.locator(`${table} tbody tr`, { hasText: text });

  describe('Requests', () => {
    it('requests appear live, without reloading the list', async () => {
      const page = await openInspector(browser.context, sb.url);
      await page.locator('#live[data-state="live"]').waitFor();
      const listCalls: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/__sandbox/requests?')) listCalls.push(r.url());
      });
      const key = freshKey('ve_test_');
      await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
      await call(sb.url, 'GET', '/api/jobs/does-not-exist', { headers: { 'x-api-key': key } });
      const rows = rowWith(page, '#requests-table', key);
      await until(page, () => document.querySelectorAll('#requests-table tbody tr').length >= 2);
      await rows.nth(1).waitFor();
      // Newest first, with what happened to each.
      expect(await rows.nth(0).textContent()).toMatch(/GET\/api\/jobs\/does-not-exist400/);
      expect(await rows.nth(1).textContent()).toMatch(/GET\/api\/account200/);
      // Other APIs, faults, refusals: each shows as it happened.
      const sk = freshKey('sk_test_');
      await call(sb.url, 'GET', '/api/v1/videos', { headers: { 'X-Api-Key': sk } });
      await call(sb.url, 'GET', '/api/jobs', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'latency=30,status=503' } });
      await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': 've_live_notatestkey42' } });
      await rowWith(page, '#requests-table', sk).waitFor();
      await rowWith(page, '#requests-table', 'header: latency=30, status=503').waitFor();
      expect(await rowWith(page, '#requests-table', 'header: latency=30, status=503').textContent()).toMatch(/GET\/api\/jobs503/);
      await rowWith(page, '#requests-table', 've_live_…42').filter({ hasText: '401' }).waitFor();
      expect(listCalls).toEqual([]);
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    });

    it('the detail pane shows the request and response with their headers and bodies; copy as curl replays it', async () => {
      const page = await openInspector(browser.context, sb.url);
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sb.url });
      const key = freshKey('ve_test_');
      const script = { scenes: [{ duration: '5', background: '#123456', elements: [{ type: 'text', text: "it's a marker" }] }] };
      await call(sb.url, 'POST', '/api/render?trace=1', { headers: { 'x-api-key': key }, body: script });
      const row = rowWith(page, '#requests-table', key);
      await row.waitFor();
      await row.getByRole('button').click();
      const pane = page.locator('#request-detail');
      await pane.getByRole('heading', { name: 'POST /api/render' }).waitFor();
      // The request body pretty-printed, the response body too, headers in tables.
      expect(await pane.getByLabel('Request body').textContent()).toBe(JSON.stringify(script, null, 2));
      const response = JSON.parse((await pane.getByLabel('Response body').textContent())!);
      expect(response.error).toMatchObject({ code: 'SCHEMA_VALIDATION_ERROR', path: 'scenes.0.duration' });
      expect(await pane.locator('table', { hasText: 'Request headers' }).getByRole('row', { name: new RegExp(`x-api-key ${key}`) }).count()).toBe(1);
      expect(await pane.locator('table', { hasText: 'Response headers' }).getByRole('row', { name: /X-RateLimit-Remaining \d+/ }).count()).toBe(1);
      expect(await pane.textContent()).toContain('POST /api/render?trace=1');

      await pane.getByRole('button', { name: 'Copy as curl' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied the curl command' }).waitFor();
      const curl = await page.evaluate(() => navigator.clipboard.readText());
      expect(curl).toContain(`curl -i -X POST '${sb.url}/api/render?trace=1'`);
      // Asynchronously: the sandbox answering it runs in this process.
      const replay = await promisify(execFile)('bash', ['-c', curl], { encoding: 'utf8', timeout: 10_000 });
      expect(replay.stdout).toMatch(/^HTTP\/1\.1 400/);
      expect(replay.stdout).toContain('"SCHEMA_VALIDATION_ERROR"');
      // The replay sent the same body (the log has it).
      const replayed = (await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&limit=1`)).body.data[0];
      const detail = (await call(sb.url, 'GET', `/__sandbox/requests/${replayed.seq}`)).body;
      expect(JSON.parse(detail.exchange.request.body.text)).toEqual(script);
      await screenshot(page, 'requests');
      await page.close();
    });

    it('a body longer than the log keeps is cut, and the page says so', async () => {
      const page = await openInspector(browser.context, sb.url);
      const key = freshKey('ve_test_');
      const big = { scenes: [{ duration: 1 }], pad: 'p'.repeat(5000) };
      await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' }, body: big });
      const row = rowWith(page, '#requests-table', key);
      await row.waitFor();
      expect(await row.textContent()).toContain('header: error=INTERNAL_ERROR');
      await row.getByRole('button').click();
      const note = page.locator('#request-detail .warn');
      await note.waitFor();
      expect(await note.textContent()).toBe(`Body cut at 2.0 KiB of ${(JSON.stringify(big).length / 1024).toFixed(1)} KiB: the log keeps 2.0 KiB of each body.`);
      expect((await page.locator('#request-detail').getByLabel('Request body').textContent())!.length).toBe(2048);
      await page.close();
    });

    it('filters narrow the table; with the log at its cap it stays a page of 50 rows, paged', async () => {
      const s = await startSandbox({ requestLogSize: 1000 });
      try {
        const key = freshKey('ve_test_enterprise_');
        for (let i = 0; i < 1050; i += 50) {
          await Promise.all(Array.from({ length: 50 }, (_, j) => fetch(`${s.url}${(i + j) % 10 ? '/api/account' : '/api/jobs'}`, { headers: { 'x-api-key': key } }).then((r) => r.arrayBuffer())));
        }
        const page = await openInspector(browser.context, s.url);
        const view = page.locator('#page-requests');
        const count = () => page.locator('#requests-table tbody tr').count();
        expect(await count()).toBe(50);
        expect(await page.locator('#requests-summary').textContent()).toBe('Showing 1–50 of the log (it keeps the last 1000; 1050 recorded since the last reset).');
        for (let p = 2; p <= 20; p++) {
          await page.getByRole('button', { name: 'Older' }).click();
          await page.locator('#requests-page', { hasText: `Page ${p}` }).waitFor();
          await page.locator('#requests-summary', { hasText: `Showing ${(p - 1) * 50 + 1}–${p * 50} ` }).waitFor();
          expect(await count()).toBe(50);
        }
        expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
        // New traffic while on an old page is counted, not shown; "Show the newest" goes back.
        await call(s.url, 'GET', '/api/jobs', { headers: { 'x-api-key': key } });
        await page.getByRole('button', { name: 'Show the newest (1 new)' }).click();
        await page.locator('#requests-page', { hasText: 'Page 1' }).waitFor();
        // Filters: path and status class.
        await view.getByLabel('Path contains').fill('jobs');
        await until(page, () => [...document.querySelectorAll('#requests-table tbody tr')].every((tr) => tr.textContent!.includes('/api/jobs')) && document.querySelectorAll('#requests-table tbody tr').length > 0);
        await view.getByLabel('Status').selectOption('5xx');
        await page.locator('#requests-summary', { hasText: 'No requests match the filters.' }).waitFor();
        // A burst of live traffic: still one page of rows.
        await view.getByLabel('Path contains').fill('');
        await view.getByLabel('Status').selectOption('');
        await page.locator('#requests-summary', { hasText: 'Showing 1–50' }).waitFor();
        await Promise.all(Array.from({ length: 200 }, () => fetch(`${s.url}/api/account`, { headers: { 'x-api-key': key } }).then((r) => r.arrayBuffer())));
        await until(page, () => document.querySelector('#requests-table tbody tr')?.textContent?.includes('/api/account'));
        expect(await count()).toBe(50);
        await page.close();
      } finally {
        await s.close();
      }
    }, 120_000);
  });

  describe('Faults', () => {
    it('a rule added from the form makes the next request fail; its counters update live', async () => {
      const s = await startSandbox();
      try {
        const page = await openInspector(browser.context, s.url, 'faults');
        const form = page.locator('#fault-form');
        await form.getByLabel('API', { exact: true }).selectOption('phantomflow');
        await until(page, () => [...(document.querySelector('#fault-form select[name=operationId]') as HTMLSelectElement).options].some((o) => o.value === 'getAccount'));
        await form.getByLabel('Operation').selectOption('getAccount');
        await form.getByLabel('Outcome').selectOption('error');
        await form.getByLabel('Error code').selectOption('INTERNAL_ERROR');
        await form.getByLabel('Times').fill('1');
        expect(JSON.parse((await page.locator('#fault-preview').textContent())!.replace(/^POST \S+\n/, ''))).toEqual({
          match: { api: 'phantomflow', operationId: 'getAccount' },
          action: { error: 'INTERNAL_ERROR' },
          times: 1,
        });
        await form.getByRole('button', { name: 'Add rule' }).click();
        const rule = rowWith(page, '#faults-table', 'error=INTERNAL_ERROR');
        await rule.waitFor();
        expect(await rule.textContent()).toMatch(/fault_1requestapi=phantomflow operationId=getAccounterror=INTERNAL_ERROR1×001/);

        const key = freshKey('ve_test_');
        const failed = await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        expect(failed.status).toBe(500);
        expect(failed.body.error.code).toBe('INTERNAL_ERROR');
        expect((await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } })).status).toBe(200);
        await until(page, () => document.querySelector('#faults-table tbody tr')?.textContent?.endsWith('210Delete'));

        // The catalogue and the menu: a latency distribution, a stage fault, a webhook fault.
        await form.getByLabel('Outcome').selectOption('status');
        await form.getByLabel('Status', { exact: true }).fill('503');
        await form.getByLabel('Distribution').selectOption('lognormal');
        await form.getByLabel('Probability').fill('0.5');
        await form.getByLabel('Times').fill('');
        await form.getByRole('button', { name: 'Add rule' }).click();
        await rowWith(page, '#faults-table', 'status=503').waitFor();
        await form.getByLabel('a job stage').check();
        await form.getByRole('button', { name: 'Add rule' }).click();
        await rowWith(page, '#faults-table', 'stage=render').waitFor();
        await form.getByLabel('a webhook delivery').check();
        await form.getByLabel('duplicate').check();
        await form.getByRole('button', { name: 'Add rule' }).click();
        await rowWith(page, '#faults-table', 'webhook=duplicate').waitFor();
        const rules = (await call(s.url, 'GET', '/__sandbox/faults')).body.data;
        expect(rules.map((r: any) => [r.kind, r.directives])).toEqual([
          ['request', 'error=INTERNAL_ERROR'],
          ['request', 'latency=lognormal(200,0.8,5000),status=503'],
          ['pipeline', 'stage=render,fail=RENDER_FAILED'],
          ['webhook', 'webhook=duplicate'],
        ]);
        expect(rules[1]).toMatchObject({ action: { status: 503, latency: { dist: 'lognormal', median: 200, sigma: 0.8, max: 5000 } }, probability: 0.5, times: null });
        // A delivery fault needs a misbehaviour: the form says so without asking the server.
        await form.getByLabel('duplicate').uncheck();
        await form.getByRole('button', { name: 'Add rule' }).click();
        await page.locator('#fault-error', { hasText: 'Pick at least one misbehaviour of the delivery.' }).waitFor();
        // The server's refusal is shown as it is worded.
        await form.getByLabel('a request (its answer)').check();
        await form.getByLabel('Status', { exact: true }).fill('99');
        const body = JSON.parse((await page.locator('#fault-preview').textContent())!.replace(/^POST \S+\n/, ''));
        const refusal = await call(s.url, 'POST', '/__sandbox/faults', { body });
        expect(refusal.status).toBe(400);
        await form.getByRole('button', { name: 'Add rule' }).click();
        await page.locator('#fault-error', { hasText: `VALIDATION_ERROR (action.status): ${refusal.body.error.message}` }).waitFor();
        expect(refusal.body.error.path).toBe('action.status');
        await screenshot(page, 'faults');

        await page.getByRole('button', { name: 'Delete rule fault_2' }).click();
        await until(page, () => !document.querySelector('#faults-table')!.textContent!.includes('status=503'));
        page.once('dialog', (d) => void d.accept());
        await page.getByRole('button', { name: 'Delete every rule' }).click();
        await page.locator('#faults-table', { hasText: 'No rules' }).waitFor();
        expect((await call(s.url, 'GET', '/__sandbox/faults')).body.data).toEqual([]);
        expect(problemsOf(page)).toEqual([]);
        await page.close();
      } finally {
        await s.close();
      }
    });
  });

  describe('Clock and accounts', () => {
    it('advancing the clock from the page unblocks a rate-limited key', async () => {
      const s = await startSandbox();
      try {
        const page = await openInspector(browser.context, s.url, 'clock');
        await page.getByRole('button', { name: 'Freeze (manual)' }).click();
        await page.locator('#clock-mode', { hasText: 'manual (frozen)' }).waitFor();
        const frozenAt = Date.parse((await page.locator('#clock-now').textContent())!);
        const key = freshKey('ve_test_', 'free');
        for (let i = 0; i < 10; i++) expect((await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } })).status).toBe(200);
        const limited = await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        expect(limited.status).toBe(429);
        await page.getByLabel('Advance by seconds').fill('60');
        await page.getByRole('button', { name: 'Advance', exact: true }).click();
        await page.getByRole('status').filter({ hasText: 'Advanced 60 s' }).waitFor();
        expect(Date.parse((await page.locator('#clock-now').textContent())!) - frozenAt).toBe(60_000);
        const again = await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        expect(again.status).toBe(200);
        expect((await call(s.url, 'GET', '/__sandbox/clock')).body.mode).toBe('manual');
        // Scale, then real time, from the page.
        await page.getByLabel('Speed ×').fill('10');
        await page.getByRole('button', { name: 'Run scaled' }).click();
        await page.locator('#clock-mode', { hasText: 'scaled (× 10)' }).waitFor();
        await page.getByRole('button', { name: 'Real time' }).click();
        await page.locator('#clock-mode', { hasText: 'real' }).waitFor();
        expect((await call(s.url, 'GET', '/__sandbox/clock')).body).toMatchObject({ mode: 'real', scale: 1 });
        await page.close();
      } finally {
        await s.close();
      }
    });

    it('accounts: plan, balance and limits edited on the page reach the API; the ledger shows it; reset one', async () => {
      const s = await startSandbox();
      try {
        const key = freshKey('ve_test_');
        await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        const page = await openInspector(browser.context, s.url, 'clock');
        await page.locator('#page-clock').getByLabel('Key contains').fill(key);
        await page.getByRole('button', { name: `Show account ${key} (phantomflow)` }).click();
        const form = page.getByRole('form', { name: `Edit account ${key}` });
        await form.getByLabel('Plan', { exact: true }).selectOption('starter');
        await form.getByLabel('Balance', { exact: true }).fill('3');
        await form.getByRole('group', { name: 'Requests per minute' }).getByLabel('From').selectOption('custom');
        await form.getByRole('group', { name: 'Requests per minute' }).getByLabel('Custom').fill('4');
        // Live traffic refreshes the page meanwhile; the edit in progress stays.
        const refreshed = page.waitForResponse((r) => r.url().includes('/__sandbox/accounts?'));
        await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        await refreshed;
        await page.waitForFunction(() => document.querySelector('#accounts-summary')?.textContent !== '');
        expect(await form.getByLabel('Balance', { exact: true }).inputValue()).toBe('3');
        expect(await form.getByLabel('Plan', { exact: true }).inputValue()).toBe('starter');
        await form.getByRole('button', { name: 'Save' }).click();
        await page.getByRole('status').filter({ hasText: `Saved ${key}` }).waitFor();
        const account = (await call(s.url, 'GET', `/__sandbox/accounts/${key}`)).body;
        expect(account).toMatchObject({ plan: 'starter', balance: 3, limits: { requestsPerMinute: 4, concurrentJobs: 5 } });
        const r = await call(s.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(5) });
        expect(r.status).toBe(402);
        await rowWith(page, '#accounts-table', key).filter({ hasText: 'starter' }).waitFor();
        expect(await rowWith(page, '#accounts-table', key).textContent()).toMatch(/starter345active$/);
        const ledger = page.locator('#account-detail table', { hasText: 'Ledger' });
        await ledger.filter({ hasText: 'adjust' }).waitFor();
        expect(await ledger.locator('caption').textContent()).toBe('Ledger (2 entries; they add up to the balance)');
        await screenshot(page, 'clock-and-accounts');
        page.once('dialog', (d) => void d.accept());
        await form.getByRole('button', { name: 'Reset this account' }).click();
        await page.locator('#account-detail', { hasText: `${key} was reset.` }).waitFor();
        expect((await call(s.url, 'GET', `/__sandbox/accounts/${key}`)).status).toBe(404);
        await page.close();
      } finally {
        await s.close();
      }
    });
  });

  describe('Jobs and videos', () => {
    it("a completed job's video plays in the page, as long as rendered; its timeline and credits are shown", async () => {
      const key = freshKey('ve_test_', 'enterprise');
      const script = { width: 320, height: 180, fps: 10, scenes: [{ duration: 2, background: '#1e3a8a', elements: [{ type: 'text', text: 'Inspector', font_size: 40 }] }] };
      const accepted = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: script });
      expect(accepted.status).toBe(202);
      const page = await openInspector(browser.context, sb.url, 'jobs');
      const job = await waitForJob(sb.url, key, accepted.body.job_id);
      expect(job.status).toBe('completed');
      const file = join(mkdtempSync(join(tmpdir(), 'inspector-video-')), 'out.mp4');
      writeFileSync(file, Buffer.from(await (await fetch(job.output_url)).arrayBuffer()));
      const probed = await probe(file);

      const row = rowWith(page, '#jobs-table', key);
      await row.filter({ hasText: 'completed' }).waitFor();
      await row.getByRole('button', { name: `Show job ${job.job_id}, completed` }).click();
      const pane = page.locator('#job-detail');
      await pane.getByRole('heading', { name: `Job ${job.job_id}` }).waitFor();
      const video = await until<{ readyState: number; duration: number; width: number; height: number }>(page, () => {
        const v = document.querySelector('#job-detail video') as HTMLVideoElement | null;
        return v && v.readyState >= 2 ? { readyState: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight } : null;
      }, 15_000);
      expect(video.readyState).toBeGreaterThanOrEqual(2);
      expect(Math.abs(video.duration - probed.durationSeconds)).toBeLessThan(0.05);
      expect(Math.abs(video.duration - job.duration_seconds)).toBeLessThan(0.05);
      expect([video.width, video.height]).toEqual([probed.video!.width, probed.video!.height]);
      const played = await page.evaluate(async () => {
        const v = document.querySelector('#job-detail video') as HTMLVideoElement;
        await v.play();
        await new Promise((r) => setTimeout(r, 700));
        return { time: v.currentTime, paused: v.paused, error: v.error?.message ?? null };
      });
      expect(played.error).toBeNull();
      expect(played.time).toBeGreaterThan(0.2);
      expect(await pane.getByRole('img', { name: `Thumbnail of job ${job.job_id}` }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      // Lifecycle on the sandbox clock, credits from the ledger.
      expect((await pane.locator('ol.timeline li').allTextContents()).map((t) => t.split(' ')[0])).toEqual(['queued', 'rendering', 'completed']);
      const facts = await pane.locator('dl.facts').nth(1).textContent();
      expect(facts).toBe(`Estimated${job.estimated_credits}Reserved${job.estimated_credits}Used${job.credits_used}`);
      await page.evaluate(() => (document.querySelector('#job-detail video') as HTMLVideoElement).pause());
      await screenshot(page, 'jobs');
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    });

    it('a completed Sketchpen video plays from its signed link, with its audio, scenes and charge', async () => {
      const key = freshKey('sk_test_', 'enterprise');
      const created = await createApproved(sb.url, key, { prompt: 'How tides work', fps: 8, aspect_ratio: '1:1' });
      const page = await openInspector(browser.context, sb.url, 'jobs');
      const v = await waitVideo(sb.url, key, created.id, status('completed', 'failed'));
      expect(v.status).toBe('completed');
      const file = join(mkdtempSync(join(tmpdir(), 'inspector-sketchpen-')), 'out.mp4');
      writeFileSync(file, Buffer.from(await (await fetch(v.video_url)).arrayBuffer()));
      const probed = await probe(file);

      const row = rowWith(page, '#jobs-table', key);
      await row.filter({ hasText: 'completed' }).waitFor();
      await row.getByRole('button', { name: `Show job ${v.id}, completed` }).click();
      const pane = page.locator('#job-detail');
      await pane.getByRole('heading', { name: `Job ${v.id}` }).waitFor();
      // The links are pre-signed: the page must use them whole, or the sandbox answers 403.
      const media = await until<{ video: number; duration: number; width: number; height: number; audio: number; audioDuration: number }>(page, () => {
        const el = document.querySelector('#job-detail video') as HTMLVideoElement | null;
        const au = document.querySelector('#job-detail audio') as HTMLAudioElement | null;
        return el && au && el.readyState >= 2 && au.readyState >= 1 ? { video: el.readyState, duration: el.duration, width: el.videoWidth, height: el.videoHeight, audio: au.readyState, audioDuration: au.duration } : null;
      }, 15_000);
      expect(Math.abs(media.duration - probed.durationSeconds)).toBeLessThan(0.05);
      expect(media.width).toBe(media.height); // 1:1 as asked
      expect(Math.abs(media.audioDuration - probed.durationSeconds)).toBeLessThan(0.3);
      await pane.getByText(`${probed.durationSeconds.toFixed(2)} s (the file)`).waitFor();
      // Every scene: its image loaded, its speech and visual description as captions.
      const figures = pane.locator('.scenes figure');
      expect(await figures.count()).toBe(v.scenes.length);
      for (const [i, scene] of v.scenes.entries()) {
        const fig = figures.nth(i);
        expect(await fig.textContent()).toBe(`${i + 1}. ${scene.speech}${scene.visual_description}`);
        expect(await fig.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      }
      const charged = v.scenes.length + 1; // a credit per scene and one for the narration
      expect(await pane.locator('dl.facts').nth(1).textContent()).toBe(`Charged${charged}`);
      expect((await pane.locator('ol.timeline li').allTextContents()).map((t) => t.split(' ')[0])).toEqual(['pending', 'scripting', 'refining', 'visualising', 'narrating', 'curating', 'rendering', 'completed']);
      await screenshot(page, 'jobs-sketchpen');
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    });

    it('a failed job shows its error and its refund', async () => {
      const key = freshKey('ve_test_', 'enterprise');
      await call(sb.url, 'POST', '/__sandbox/faults', { body: { match: { key }, action: { stage: 'render', fail: 'RENDER_FAILED', message: 'boom from the test' }, times: 1 } });
      const accepted = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(3) });
      const page = await openInspector(browser.context, sb.url, 'jobs');
      await waitForJob(sb.url, key, accepted.body.job_id);
      await page.locator('#page-jobs').getByLabel('Key').fill(key);
      const row = rowWith(page, '#jobs-table', key).filter({ hasText: 'failed' });
      await row.waitFor();
      await row.getByRole('button').click();
      const pane = page.locator('#job-detail');
      await pane.locator('.error', { hasText: 'RENDER_FAILED boom from the test' }).waitFor();
      expect(await pane.locator('dl.facts').nth(1).textContent()).toBe('Estimated3Reserved3Refunded3Used0');
      expect(await pane.locator('video').count()).toBe(0);
      await page.close();
    });
  });

  describe('Webhooks', () => {
    it('each delivery with every attempt, updated live as retries go out', async () => {
      const s = await startSandbox({ jobs: { queueDelayMs: 0 } });
      const hook = await localServer((_req, res, n) => res.writeHead(n === 1 ? 500 : 204).end());
      try {
        const page = await openInspector(browser.context, s.url, 'webhooks');
        const key = freshKey('ve_test_');
        await call(s.url, 'POST', '/__sandbox/faults', { body: { match: { key }, action: { webhook: 'duplicate' }, times: 1 } });
        const accepted = await call(s.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(1, { webhook_uri: `${hook.url}/hook` }) });
        const row = rowWith(page, '#webhooks-table', key);
        await row.filter({ hasText: 'pending' }).waitFor({ timeout: 15_000 });
        await row.getByRole('button').click();
        const attempts = page.locator('#webhook-detail table', { hasText: 'Attempts' }).locator('tbody tr');
        await until(page, () => document.querySelectorAll('#webhook-detail table tbody tr').length === 2);
        expect(await attempts.nth(0).textContent()).toMatch(/^1.*500.*receiver answered 500.*unsigned$/);
        expect(await attempts.nth(1).textContent()).toMatch(/^1 \(copy\).*204.*duplicate.*unsigned$/);
        expect(JSON.parse((await page.getByLabel('Webhook payload').textContent())!)).toMatchObject({ job_id: accepted.body.job_id, status: 'completed' });
        // The retry, 30 s later on the sandbox clock: delivered, shown without a reload.
        await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 30 } });
        await row.filter({ hasText: 'delivered' }).waitFor();
        await until(page, () => document.querySelectorAll('#webhook-detail table tbody tr').length === 3);
        expect(await attempts.nth(2).textContent()).toMatch(/^2.*204/);
        expect(hook.requests).toHaveLength(3);
        await screenshot(page, 'webhooks');
        await page.close();
      } finally {
        await hook.close();
        await s.close();
      }
    });
  });

  describe('access and accessibility', () => {
    it('with an admin token the page asks for it and keeps it for the tab only', async () => {
      const s = await startSandbox({ adminToken: 'tok-in-the-browser' });
      const other = await launchBrowser();
      try {
        const page = await other.context.newPage();
        await page.goto(`${s.url}/__sandbox/ui/`);
        const dialog = page.getByRole('dialog', { name: 'Admin token' });
        await dialog.waitFor();
        await dialog.getByLabel('Token').fill('wrong');
        await dialog.getByRole('button', { name: 'Use token' }).click();
        await dialog.locator('.error', { hasText: 'That token was refused' }).waitFor();
        await dialog.getByLabel('Token').fill('tok-in-the-browser');
        await dialog.getByRole('button', { name: 'Use token' }).click();
        await page.waitForSelector('html[data-ready="true"]');
        await page.locator('#live[data-state="live"]').waitFor();
        const key = freshKey('ve_test_');
        await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
        await rowWith(page, '#requests-table', key).waitFor();
        const stored = await page.evaluate(() => ({ session: { ...sessionStorage }, local: { ...localStorage }, cookies: document.cookie }));
        expect(stored).toEqual({ session: { 'video-api-sandbox.admin-token': 'tok-in-the-browser' }, local: {}, cookies: '' });
        // Another tab starts without it.
        const second = await other.context.newPage();
        await second.goto(`${s.url}/__sandbox/ui/`);
        await second.getByRole('dialog', { name: 'Admin token' }).waitFor();
      } finally {
        await other.close();
        await s.close();
      }
    });

    it('keyboard reachable, every control labelled, text contrast at least 4.5:1', async () => {
      const page = await openInspector(browser.context, sb.url);
      // The skip link comes first and lands on the page.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the page');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      // Pages by keyboard: Tab to a nav link, Enter.
      await page.locator('#nav-faults').focus();
      await page.keyboard.press('Enter');
      await page.locator('#page-faults:not([hidden])').waitFor();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('h-faults');
      // A request opened with the keyboard alone.
      await page.goto(`${sb.url}/__sandbox/ui/#requests`);
      await page.waitForSelector('html[data-ready="true"]');
      const key = freshKey('ve_test_');
      await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
      await rowWith(page, '#requests-table', key).getByRole('button').focus();
      await page.keyboard.press('Enter');
      await page.locator('#request-detail').getByRole('heading', { name: 'GET /api/account' }).waitFor();

      for (const [hash, scheme] of ['requests', 'jobs', 'webhooks', 'faults', 'clock'].flatMap((p) => [[p, 'light'], [p, 'dark']] as const)) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${sb.url}/__sandbox/ui/#${hash}`);
        await page.waitForSelector('html[data-ready="true"]');
        const unlabelled = await page.evaluate(() =>
          [...document.querySelectorAll('input, select, textarea, button')]
            .filter((el) => (el as HTMLElement).offsetParent !== null)
            .filter((el) => {
              const named = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent!.trim());
              return !named;
            })
            .map((el) => el.outerHTML.slice(0, 80)),
        );
        expect(unlabelled, `${hash} (${scheme})`).toEqual([]);
        const lowContrast = await page.evaluate(() => {
          const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
          const lum = ([r, g, b]: number[]) => {
            const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
          };
          const background = (el: Element | null): number[] => {
            for (; el; el = el.parentElement) {
              const c = rgb(getComputedStyle(el).backgroundColor);
              if (c.length === 3 || (c.length === 4 && c[3]! > 0.5)) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          const out: string[] = [];
          for (const el of document.querySelectorAll('body *')) {
            const e = el as HTMLElement;
            if (!e.offsetParent || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
            const style = getComputedStyle(e);
            if (style.opacity !== '1' || (e as HTMLButtonElement).disabled) continue;
            const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(e))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) out.push(`${e.tagName}.${e.className} "${e.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
          }
          return out;
        });
        expect(lowContrast, `${hash} (${scheme})`).toEqual([]);
      }
      expect(problemsOf(page)).toEqual([]);
      await page.close();
    });
  });
});
