// Real speech from Flite in WebAssembly: lengths, voices, word timings, hostile text, and a
// narrator that survives a killed child, a timeout and a cancellation.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FliteProcess } from '../../src/media/flite-process.ts';
import { createNarrator, FLITE_VOICES, narrate, SpeechError, speechPieces } from '../../src/media/speech.ts';
import { parseWav, voicedSpan } from '../../src/media/wav.ts';
import { probe } from '../../src/media/probe.ts';
import { ROOT } from '../../src/paths.ts';
import { meanVolume, medianPitch } from '../support/media.ts';

const scratch = mkdtempSync(join(tmpdir(), 'speech-test-'));
const narrator = createNarrator();
afterAll(async () => {
  await narrator.close();
  rmSync(scratch, { recursive: true, force: true });
});

const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / Math.max(1, s.length));

describe('narrate', () => {
  it('speaks a sentence: a real WAV whose length is the narration, audible, with words timed inside it', async () => {
    const text = 'Volcanoes form where magma rises through cracks in the crust.';
    const n = await narrator.narrate(text, 'slt');
    // The WAV is what FFmpeg reads: same length, really audible.
    const file = join(scratch, 'sentence.wav');
    writeFileSync(file, n.wav);
    const info = await probe(file);
    expect(info.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    expect(Math.abs(info.durationSeconds - n.durationSeconds)).toBeLessThan(0.01);
    expect(n.durationSeconds).toBeGreaterThan(2);
    expect(n.durationSeconds).toBeLessThan(6);
    expect(await meanVolume(file)).toBeGreaterThan(-35);
    expect(parseWav(n.wav).samples.length).toBe(n.pcm.samples.length);

    // Every word, in order, inside the voiced part of the audio.
    expect(n.words.map((w) => w.word)).toEqual(text.split(' '));
    const span = voicedSpan(n.pcm);
    expect(n.words[0]!.start).toBeCloseTo(span.start, 2);
    expect(n.words.at(-1)!.end).toBeLessThanOrEqual(span.end + 0.001);
    for (const [i, w] of n.words.entries()) {
      expect(w.end).toBeGreaterThan(w.start);
      if (i) expect(w.start).toBeGreaterThanOrEqual(n.words[i - 1]!.end);
    }
    // Longer words take longer.
    const byWord = Object.fromEntries(n.words.map((w) => [w.word, w.end - w.start]));
    expect(byWord.Volcanoes!).toBeGreaterThan(byWord.in!);
  });

  it('the four voices sound different: different audio for the same text, female slt higher than male awb', async () => {
    const text = 'The water cycle has four steps.';
    const all = await Promise.all(FLITE_VOICES.map((v) => narrator.narrate(text, v)));
    const lengths = all.map((n) => n.pcm.samples.length);
    expect(new Set(lengths).size).toBe(4);
    const slt = medianPitch(all[FLITE_VOICES.indexOf('slt')]!.pcm.samples, 16000);
    const awb = medianPitch(all[FLITE_VOICES.indexOf('awb')]!.pcm.samples, 16000);
    expect(slt).toBeGreaterThan(awb + 30);
    for (const n of all) expect(rms(n.pcm.samples)).toBeGreaterThan(300);
  });

  it('longer text is spoken in pieces, each timed on its own audio, and takes proportionally longer', async () => {
    const sentence = 'Rain falls, rivers run to the sea, and the sun lifts the water again. ';
    const one = await narrator.narrate(sentence, 'rms');
    const many = await narrator.narrate(sentence.repeat(5), 'rms');
    expect(speechPieces(many.text.split(' ')).length).toBeGreaterThan(1);
    expect(many.words).toHaveLength(one.words.length * 5);
    expect(many.durationSeconds / one.durationSeconds).toBeGreaterThan(4.5);
    expect(many.durationSeconds / one.durationSeconds).toBeLessThan(5.5);
    expect(many.words.at(-1)!.end).toBeLessThanOrEqual(many.durationSeconds);
    // The last piece's words sit in the last part of the audio, not squeezed to the front.
    expect(many.words.at(-1)!.start).toBeGreaterThan(many.durationSeconds * 0.85);
  });

  it('hostile text is cleaned and spoken, never passed on: NUL, escapes, %{…}, quotes, option-like words', async () => {
    const text = 'Say\u0000 "hi": it\'s 100% \\ done; %{pts} %{eif\\:n\\:d} -voice kal \u001b[31mred\u001b[0m \u202eevil\u202c caf\u00e9 \ud800 \ud83c\udf89';
    const n = await narrator.narrate(text, 'slt');
    expect(n.voice).toBe('slt');
    expect(n.text).not.toMatch(/[\u0000-\u001f\u202e\u202c]/);
    expect(n.text).toContain('%{pts}');
    expect(n.text).toContain('-voice');
    expect(n.text).toContain('caf\u00e9');
    expect(n.text).toContain('\ufffd'); // the lone surrogate
    expect(n.words.map((w) => w.word)).toEqual(n.text.split(' '));
    expect(rms(n.pcm.samples)).toBeGreaterThan(300);
    // Words nothing can pronounce (emoji, other scripts) still get a place in time.
    const unspoken = await narrator.narrate('\ud83c\udf89 \u65e5\u672c', 'kal');
    expect(unspoken.durationSeconds).toBeGreaterThan(0.3);
    expect(unspoken.words).toHaveLength(2);
  });

  it('refuses clearly: too long, empty, not a string, unknown voice', async () => {
    const refusal = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        expect(err).toBeInstanceOf(SpeechError);
        return err as SpeechError;
      }
      throw new Error('expected a refusal');
    };
    const small = createNarrator({ maxChars: 50, processes: 1 });
    try {
      const long = await refusal(small.narrate('x'.repeat(51), 'slt'));
      expect(long.code).toBe('TEXT_REFUSED');
      expect(long.message).toBe('Speech is 51 characters long; at most 50 are allowed');
      expect(small.stats().spawned).toBe(0); // refused before any Flite process started
    } finally {
      await small.close();
    }
    expect((await refusal(narrator.narrate(' \u0000\t ', 'slt'))).message).toBe('Speech is empty: there is nothing to say');
    expect((await refusal(narrator.narrate(42 as unknown as string, 'slt'))).message).toBe('Speech must be a string');
    const voice = await refusal(narrator.narrate('Hello', 'emma' as never));
    expect(voice.code).toBe('UNKNOWN_VOICE');
    expect(voice.message).toBe('Unknown voice "emma": the voices are kal, awb, rms, slt');
  });

  it('an idle narrator does not keep its process alive (a server can exit without closing it)', async () => {
    const script = join(scratch, 'idle.mts');
    writeFileSync(script, `import { createNarrator } from ${JSON.stringify(join(ROOT, 'src/media/speech.ts'))};\nconst n = createNarrator();\nawait n.narrate('Then the process ends.', 'slt');\nconsole.log('spoke', n.stats().pids.length, n.stats().workDir);\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000); // our own child, by handle
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    expect(stdout.trim()).toMatch(/^spoke 1 \S+$/);
    expect(code).toBe(0);
    // Its Flite child noticed, tidied up its scratch directory and left.
    const workDir = stdout.trim().split(' ')[2]!;
    for (let i = 0; i < 50 && existsSync(workDir); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(workDir)).toBe(false);
  });

  it('warm() starts the children ahead of the first narration', async () => {
    const fresh = createNarrator({ processes: 1 });
    try {
      expect(fresh.stats().pids).toEqual([]);
      await fresh.warm();
      expect(fresh.stats().pids).toHaveLength(1);
      expect(fresh.stats().spawned).toBe(1);
      await fresh.narrate('Ready already.', 'slt');
      expect(fresh.stats().spawned).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('a one-off narrate() starts and stops its own Flite process', async () => {
    const n = await narrate('One more time.', 'awb');
    expect(n.durationSeconds).toBeGreaterThan(0.5);
    expect(n.voice).toBe('awb');
  });
});

describe('the Flite process', () => {
  it('survives its child being killed mid-synthesis: the request is retried on a fresh child', async () => {
    const dir = mkdtempSync(join(scratch, 'flite-'));
    const flite = new FliteProcess({ workDir: dir });
    try {
      await flite.synthesize('slt', 'Warm up.', 20_000); // the child is running now
      const first = flite.pid!;
      expect(first).toBeGreaterThan(0);
      const pending = flite.synthesize('slt', 'A sentence that takes a little while to say, long enough to be interrupted.', 20_000);
      process.kill(first, 'SIGKILL'); // our own child, by its id
      const pcm = await pending;
      expect(pcm.samples.length).toBeGreaterThan(16000);
      expect(flite.spawned).toBe(2);
      expect(flite.pid).not.toBe(first);
    } finally {
      await flite.close();
    }
  });

  it('a synthesis over its time limit fails as a timeout, and the next one works', async () => {
    const slow = createNarrator({ processes: 1, pieceTimeoutMs: 1 });
    try {
      await expect(slow.narrate('This cannot be said in a millisecond.', 'slt')).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await slow.close();
    }
    const n = await narrator.narrate('But this can be said.', 'slt');
    expect(n.durationSeconds).toBeGreaterThan(0.5);
  });

  it('a cancelled narration stops with CANCELLED', async () => {
    const controller = new AbortController();
    const p = narrator.narrate('Stop me before I finish this rather long sentence about volcanoes and rivers.', 'rms', { signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await narrator.narrate('Still here.', 'rms')).durationSeconds).toBeGreaterThan(0.3);
  });

  it('random hostile text in a bounded loop: every narration succeeds on the same children', async () => {
    const parts = ['the', 'volcano', '1999', '3.14', '$5', 'Dr.', ',', '.', '?', '!', ':', ';', '"', "'", '(', ')', '%{pts}', '\\', '\u00e9', '\u65e5\u672c', '\ud83c\udf89', '--', '...', 'http://a.b/c', "O'Neil", '&', '#', '\u0000', '\u001b[31m', '\n'];
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const before = narrator.stats().spawned;
    for (let i = 0; i < 6; i++) {
      let text = 'Go';
      const length = 20 + random() * 220;
      while (text.length < length) text += ' ' + parts[Math.floor(random() * parts.length)];
      const n = await narrator.narrate(text, FLITE_VOICES[i % 4]!);
      expect(n.words.length).toBeGreaterThan(0);
    }
    expect(narrator.stats().spawned).toBe(before);
  }, 90_000);
});
