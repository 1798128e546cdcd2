// The small generic pieces behind narration and drawing: text cleaning, word timing, WAV, font
// metrics against what drawtext really draws, image sniffing, and filter scripts for long graphs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filterScriptArgs } from '../../src/media/filter-script.ts';
import { imageInfo } from '../../src/media/image-size.ts';
import { asciiForSpeech, plainText, TextRefused } from '../../src/media/plain-text.ts';
import { measureFont, wrapText } from '../../src/media/text-width.ts';
import { encodeWav, joinPcm, parseWav, resample, voicedSpan } from '../../src/media/wav.ts';
import { readingSeconds, spreadWords } from '../../src/media/word-timing.ts';
import { runFfmpeg } from '../../src/media/ffmpeg.ts';
import { FONT_FILE } from '../../src/media/fonts.ts';
import { ROOT } from '../../src/paths.ts';

const scratch = mkdtempSync(join(tmpdir(), 'media-helpers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('plainText', () => {
  it('removes control, bidi and BOM characters, keeps what is printable, bounds the length', () => {
    expect(plainText('a\u0000b\u0007c\u001b[1md\u007f\u0085e\u202ef\ufeffg', { what: 'X', maxChars: 100 })).toBe('a b c [1md e f g');
    expect(plainText('  "q": \'%{pts}\' \\ ;[x],  ', { what: 'X', maxChars: 100 })).toBe('"q": \'%{pts}\' \\ ;[x],');
    expect(plainText('one\r\ntwo\n\n\n\nthree\ttab', { what: 'X', maxChars: 100, keepNewlines: true })).toBe('one\ntwo\n\nthree tab');
    expect(plainText('one\ntwo', { what: 'X', maxChars: 100 })).toBe('one two');
    expect(plainText('\ud800x\udc00', { what: 'X', maxChars: 100 })).toBe('\ufffdx\ufffd');
    // Counted in characters, not UTF-16 units.
    expect(plainText('\ud83c\udf89'.repeat(3), { what: 'X', maxChars: 3 })).toHaveLength(6);
    expect(() => plainText('abcd', { what: 'The speech', maxChars: 3 })).toThrow(new TextRefused('The speech is 4 characters long; at most 3 are allowed'));
    expect(() => plainText(undefined, { what: 'The speech', maxChars: 3 })).toThrow('The speech must be a string');
  });

  it('asciiForSpeech keeps what an English voice can say', () => {
    expect(asciiForSpeech('Caf\u00e9 \u201cna\u00efve\u201d \u2014 50% & more\u2026 \u65e5\u672c \ud83c\udf89')).toBe('Cafe "naive" - 50 percent and more...');
  });
});

describe('word timing', () => {
  it('spreads words over the voiced span by length, pauses after punctuation, ends inside the span', () => {
    const words = spreadWords(['A', 'volcano,', 'erupts.'], 0.2, 2.2);
    expect(words[0]!.start).toBe(0.2);
    expect(words.at(-1)!.end).toBeLessThanOrEqual(2.2);
    expect(words[1]!.end - words[1]!.start).toBeGreaterThan(words[0]!.end - words[0]!.start);
    // "volcano," ends before the next word starts: the comma is a pause.
    expect(words[2]!.start - words[1]!.end).toBeGreaterThan(0.1);
    expect(readingSeconds(['Hi.'])).toBe(2);
    expect(readingSeconds('one two three four five six seven eight nine ten eleven twelve'.split(' '))).toBeGreaterThan(3);
  });
});

describe('wav', () => {
  it('round-trips, resamples, joins and finds the voiced span', () => {
    const rate = 8000;
    const samples = new Int16Array(rate); // 1 s: silence, a 0.5 s tone, silence
    for (let i = 2000; i < 6000; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    const pcm = { samples, sampleRate: rate };
    const back = parseWav(encodeWav(pcm));
    expect(back.sampleRate).toBe(rate);
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
    const up = resample(pcm, 16000);
    expect(up.samples.length).toBe(16000);
    const span = voicedSpan(up);
    expect(span.start).toBeCloseTo(0.25, 1);
    expect(span.end).toBeCloseTo(0.75, 1);
    expect(joinPcm([up, up], 16000).samples.length).toBe(32000);
    expect(() => parseWav(Buffer.from('RIFF....WAVEjunk'))).toThrow('WAV file without data');
    expect(() => parseWav(Buffer.from('not a wav'))).toThrow('not a RIFF/WAVE file');
  });
});

describe('text width', () => {
  it('matches the ink drawtext really puts down (DejaVu Sans), and wraps to a width', async () => {
    const measure = measureFont(FONT_FILE);
    for (const text of ['Hello World', 'iiiii', 'MMMMM', 'caf\u00e9 \u65e5\u672c']) {
      const txt = join(scratch, 'w.txt');
      writeFileSync(txt, text);
      const raw = join(scratch, 'w.gray');
      const r = await runFfmpeg(['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=white:s=600x80', '-vf', `drawtext=fontfile=${FONT_FILE}:textfile=${txt}:expansion=none:fontsize=40:x=10:y=20:fontcolor=black`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', raw]);
      expect(r.code).toBe(0);
      const px = readFileSync(raw);
      let right = 0;
      for (let i = 0; i < px.length; i++) if (px[i]! < 128) right = Math.max(right, i % 600);
      // The advance width ends a few pixels after the last ink (side bearing).
      expect(measure.width(text, 40) - (right - 10)).toBeGreaterThanOrEqual(0);
      expect(measure.width(text, 40) - (right - 10)).toBeLessThan(8);
    }
    const lines = wrapText('Magma rises through cracks in the crust.\n\nThen: boom', 200, 20, measure);
    expect(lines.every((l) => measure.width(l, 20) <= 200)).toBe(true);
    expect(lines.join(' ').replace(/ +/g, ' ')).toBe('Magma rises through cracks in the crust. Then: boom');
    expect(lines).toContain('');
    expect(wrapText('x'.repeat(100), 100, 20, measure).length).toBeGreaterThan(3); // a long word is broken
  });
});

describe('imageInfo', () => {
  it('reads PNG and JPEG sizes from their headers and refuses anything else', async () => {
    expect(imageInfo(readFileSync(join(ROOT, 'fixtures/media/testpattern.png')))).toEqual({ type: 'png', width: 320, height: 180 });
    const jpg = join(scratch, 'x.jpg');
    expect((await runFfmpeg(['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=s=123x45', '-frames:v', '1', jpg])).code).toBe(0);
    expect(imageInfo(readFileSync(jpg))).toEqual({ type: 'jpeg', width: 123, height: 45 });
    expect(imageInfo(Buffer.from('GIF89a......'))).toBeUndefined();
    expect(imageInfo(readFileSync(join(ROOT, 'fixtures/media/tone-1s.wav')))).toBeUndefined();
  });
});

describe('filterScriptArgs', () => {
  it('runs a graph too long for argv (over the 128 KiB a single argument may have)', async () => {
    // 140 filters joined by 1200-character link labels: about 170 KB of graph text.
    const label = (i: number) => `[L${i}${'x'.repeat(1200)}]`;
    const graph = `color=c=black:s=32x32:d=0.1${label(0)};${Array.from({ length: 140 }, (_, i) => `${label(i)}null${label(i + 1)}`).join(';')};${label(140)}null[out]`;
    expect(graph.length).toBeGreaterThan(131_072);
    const inline = await runFfmpeg(['-y', '-loglevel', 'error', '-filter_complex', graph, '-map', '[out]', '-frames:v', '1', '-f', 'null', '-']);
    expect(inline.code).not.toBe(0); // the kernel refuses the argument (E2BIG)
    const args = await filterScriptArgs(join(scratch, 'graph.txt'), graph);
    expect(args).toEqual(['-filter_complex_script', join(scratch, 'graph.txt')]);
    const run = await runFfmpeg(['-y', '-loglevel', 'error', ...args, '-map', '[out]', '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 25_000 });
    expect(run.code, run.stderr).toBe(0);
  });
});
