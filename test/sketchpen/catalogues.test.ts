// Every Sketchpen operation has a handler (nothing is answered from the spec's examples unless a
// client asks with Prefer); themes and voices come from what the sandbox can draw and speak, and
// every voice has a real recording behind its preview_url.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.ts';
import { call } from '../support/http.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { fetchFile, h, spKey } from '../support/sketchpen.ts';

let sb: RunningSandbox;
let scratch: string;
beforeAll(async () => {
  sb = await startSandbox();
  scratch = mkdtempSync(join(tmpdir(), 'sp-cat-'));
});
afterAll(async () => {
  await sb.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('Sketchpen is answered by its module', () => {
  it('every operation of the spec has a handler', () => {
    const api = sb.sandbox.apis.find((a) => a.spec.policy.id === 'sketchpen')!;
    const missing = api.spec.operations.map((o) => o.operationId).filter((id) => !api.handlers[id]);
    expect(missing).toEqual([]);
    expect(api.spec.operations.length).toBe(20);
  });

  it('only Prefer still gets the documented example', async () => {
    const mine = await call(sb.url, 'GET', '/api/v1/account', { headers: h(spKey()) });
    expect(mine.body.credits).toBe(100000);
    const example = await call(sb.url, 'GET', '/api/v1/account', { headers: h(spKey(), { Prefer: 'code=200' }) });
    expect(example.body.credits).toBe(46);
  });
});

describe('themes and voices', () => {
  it('GET /themes lists the themes the drawings use; GET /voices the voices the renderer speaks', async () => {
    const key = spKey();
    const themes = await call(sb.url, 'GET', '/api/v1/themes', { headers: h(key) });
    expect(themes.body.map((t: any) => t.id)).toEqual(['presentation', 'classroom', 'storybook']);
    const voices = await call(sb.url, 'GET', '/api/v1/voices', { headers: h(key) });
    expect(voices.status).toBe(200);
    expect(voices.body.voices.map((v: any) => [v.id, v.name])).toEqual([
      ['emma', 'Emma'],
      ['james', 'James'],
    ]);
    for (const v of voices.body.voices) {
      const file = await fetchFile(v.preview_url);
      expect(file.status).toBe(200);
      expect(file.type).toBe('audio/wav');
      writeFileSync(join(scratch, `${v.id}.wav`), file.bytes);
      const info = await probe(join(scratch, `${v.id}.wav`));
      expect(info.audio?.codec).toBe('pcm_s16le');
      expect(info.durationSeconds).toBeGreaterThan(1);
    }
  });
});
