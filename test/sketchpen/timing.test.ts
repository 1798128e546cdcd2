// The realistic timing profile (x-sandbox.timing, --timing realistic): the vendor's scripting
// 10–30 s and approve → completed 1–5 min, on the sandbox clock — so a manual clock steps
// through it and a scaled clock compresses it. The same seed and traffic give the same timings.
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { approve, CHEAP, createVideo, h, spKey } from '../support/sketchpen.ts';

const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof startSandbox>[0]) {
  const s = await startSandbox(options);
  running.push(s);
  return s;
}

/** Step a manual clock by `stepMs` until the video reaches `target`; the sandbox ms it took. */
async function stepUntil(sb: RunningSandbox, key: string, id: string, target: string[], stepMs: number, maxSteps: number): Promise<{ ms: number; seen: string[] }> {
  const start = sb.sandbox.clock.now();
  const seen: string[] = [];
  for (let i = 0; i < maxSteps; i++) {
    // Work (drawing, speech, render) runs in real time while the clock stands still: let it.
    for (let j = 0; j < 400; j++) {
      const v = (await call(sb.url, 'GET', `/api/v1/videos/${id}`, { headers: h(key) })).body;
      if (seen.at(-1) !== v.status) seen.push(v.status);
      if (target.includes(v.status)) return { ms: sb.sandbox.clock.now() - start, seen };
      if (sb.sandbox.clock.state().pendingTimers > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    sb.sandbox.clock.advance(stepMs);
  }
  throw new Error(`not ${target.join('/')} after ${maxSteps} steps: ${seen.join(' → ')}`);
}

describe('timing profiles', () => {
  it('realistic on a manual clock: scripting holds 10–30 s, approve → completed takes 60–300 s, every state seen', async () => {
    const sb = await start({ clock: { mode: 'manual' }, timing: 'realistic' });
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'The speed of light', ...CHEAP });
    const scripting = await stepUntil(sb, key, v.id, ['refining'], 1000, 40);
    expect(scripting.ms).toBeGreaterThanOrEqual(10_000);
    expect(scripting.ms).toBeLessThanOrEqual(31_000);
    expect((await approve(sb.url, key, v.id)).body.status).toBe('visualising');
    const rest = await stepUntil(sb, key, v.id, ['completed', 'failed'], 1000, 400);
    expect(rest.seen).toEqual(['visualising', 'narrating', 'curating', 'rendering', 'completed']);
    expect(rest.ms).toBeGreaterThanOrEqual(60_000);
    expect(rest.ms).toBeLessThanOrEqual(304_000);
  });

  it('the same seed and traffic give the same holds; the fast default barely holds at all', async () => {
    const times: number[] = [];
    for (let i = 0; i < 2; i++) {
      const sb = await start({ clock: { mode: 'manual' }, timing: 'realistic', seed: 99 });
      const key = spKey();
      const v = await createVideo(sb.url, key, { prompt: 'Same timings', ...CHEAP });
      times.push((await stepUntil(sb, key, v.id, ['refining'], 250, 200)).ms);
    }
    expect(times[0]).toBe(times[1]);
    const fast = await start({ clock: { mode: 'manual' } });
    const key = spKey();
    const v = await createVideo(fast.url, key, { prompt: 'Fast', ...CHEAP });
    expect((await stepUntil(fast, key, v.id, ['refining'], 50, 40)).ms).toBeLessThanOrEqual(150);
  });

  it('realistic on a scaled clock (×200): minutes of vendor time in seconds of wall time', async () => {
    const sb = await start({ clock: { mode: 'scaled', scale: 200 }, timing: 'realistic' });
    const key = spKey();
    const v = await createVideo(sb.url, key, { prompt: 'Scaled time', ...CHEAP });
    // From the video's own creation time: on a loaded machine the answer itself takes seconds of ×200 time.
    const t0 = Date.parse(v.created_at);
    const wall0 = Date.now();
    let r: any;
    for (let i = 0; i < 400 && (r = (await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body).status !== 'refining'; i++) await new Promise((res) => setTimeout(res, 20));
    expect(r.status).toBe('refining');
    expect(sb.sandbox.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    await approve(sb.url, key, v.id);
    const t1 = sb.sandbox.clock.now();
    for (let i = 0; i < 1000 && !['completed', 'failed'].includes((r = (await call(sb.url, 'GET', `/api/v1/videos/${v.id}`, { headers: h(key) })).body).status); i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(r.status).toBe('completed');
    expect(sb.sandbox.clock.now() - t1).toBeGreaterThanOrEqual(60_000);
    expect(Date.now() - wall0).toBeLessThan(20_000);
  });

  it('an unknown profile stops the sandbox at start-up, naming the profiles', async () => {
    await expect(startSandbox({ timing: 'glacial' })).rejects.toThrow(/unknown timing profile "glacial".*fast, realistic/);
  });
});
