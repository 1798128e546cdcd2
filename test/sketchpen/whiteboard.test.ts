// renderWhiteboard: real narrated whiteboard videos, probed with ffprobe, listened to with
// volumedetect and a pitch estimate, and looked at pixel by pixel.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWhiteboardRenderer, type WhiteboardResult, type WhiteboardVideo } from '../../src/apis/sketchpen/whiteboard.ts';
import { DYNAMIC_BOARDS } from '../../src/apis/sketchpen/whiteboard-layout.ts';
import { createNarrator } from '../../src/media/speech.ts';
import { readingSeconds, wordsOf } from '../../src/media/word-timing.ts';
import { runningProcesses } from '../../src/media/ffmpeg.ts';
import { probe } from '../../src/media/probe.ts';
import { decodeAudio, frameAt, meanVolume, medianPitch, topLevelBoxes } from '../support/media.ts';

const out = mkdtempSync(join(tmpdir(), 'whiteboard-test-'));
const scratch = mkdtempSync(join(tmpdir(), 'whiteboard-scratch-'));
const renderer = createWhiteboardRenderer({ outputDir: out });
// A second, independent narrator: what the narration of each text measures on its own.
const reference = createNarrator({ processes: 1 });
afterAll(async () => {
  await renderer.close();
  await reference.close();
  rmSync(out, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function ok(r: WhiteboardResult): Extract<WhiteboardResult, { ok: true }> {
  if (!r.ok) throw new Error(`render failed: ${r.error.code} ${r.error.message}`);
  return r;
}

const SCENES = [
  {
    id: 'scene-1',
    speech: 'Volcanoes form where magma rises through cracks in the crust.',
    visual_description: 'A cut-away of a volcano: magma chamber, vent, and a plume of ash.',
    image_url: 'fixtures/media/testpattern.png',
  },
  { id: 'scene-2', speech: 'Pressure builds until the volcano erupts.', visual_description: 'Lava flows down the slopes.' },
  { id: 'scene-3', speech: 'Cooled lava builds new land.', visual_description: 'Layers of rock, old and new.' },
];

const near = (a: readonly number[], b: readonly number[], tolerance = 12) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
const hexRgb = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

// The 16:9 video two tests look at, rendered once.
let wideRender: Promise<WhiteboardResult> | undefined;
const wide = () => (wideRender ??= renderer.renderWhiteboard({ id: 'wide', scenes: SCENES, config: { aspect_ratio: '16:9', fps: 24, audio_mode: 'single', bg_mode: 'white', voice_id: 'emma' } }));

describe('renderWhiteboard', () => {
  it('16:9, one voice: an H.264 + AAC faststart MP4 as long as its narration, an M4A, a JPEG, audible', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, runningProcesses())), 2);
    const r = ok(await wide());
    clearInterval(sampler);
    expect(peak).toBe(1); // one FFmpeg process for the whole job (then one ffprobe)

    const info = await probe(r.video);
    expect(info.video).toMatchObject({ codec: 'h264', width: 640, height: 360, pixFmt: 'yuv420p' });
    expect(info.video!.fps).toBeCloseTo(24, 2);
    expect(info.audio).toMatchObject({ codec: 'aac', channels: 1 });
    expect(r).toMatchObject({ width: 640, height: 360, fps: 24 });

    // The length is the narration's: each scene as long as its speech said on its own.
    const narrations = await Promise.all(SCENES.map((s) => reference.narrate(s.speech, 'slt')));
    const spoken = narrations.reduce((sum, n) => sum + n.durationSeconds, 0);
    expect(Math.abs(info.durationSeconds - spoken)).toBeLessThanOrEqual(0.1);
    r.scenes.forEach((scene, i) => {
      expect(scene.id).toBe(SCENES[i]!.id);
      expect(scene.voice).toBe('slt');
      expect(Math.abs(scene.duration - narrations[i]!.durationSeconds)).toBeLessThanOrEqual(1 / 24);
      expect(scene.captions.map((c) => c.word)).toEqual(SCENES[i]!.speech.split(' '));
      expect(scene.captions.at(-1)!.end).toBeLessThanOrEqual(scene.duration);
    });

    // +faststart: the index (moov) before the media (mdat), in the MP4 and the M4A.
    for (const file of [r.video, r.audio!]) {
      const boxes = topLevelBoxes(file);
      expect(boxes[0]).toBe('ftyp');
      expect(boxes.indexOf('moov')).toBeGreaterThan(0);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    }
    // The separate audio file: AAC only, the same length, and a voice is heard in both files.
    const audio = await probe(r.audio!);
    expect(audio.video).toBeUndefined();
    expect(audio.audio?.codec).toBe('aac');
    expect(Math.abs(audio.durationSeconds - spoken)).toBeLessThanOrEqual(0.1);
    expect(await meanVolume(r.video)).toBeGreaterThan(-35);
    expect(await meanVolume(r.audio!)).toBeGreaterThan(-35);
    // Speech where each scene speaks, not only somewhere.
    for (const scene of r.scenes) expect(await meanVolume(r.video, scene.start + 0.3, scene.start + scene.duration - 0.2)).toBeGreaterThan(-35);

    // The thumbnail is a real JPEG of the video's size.
    expect(readFileSync(r.thumbnail).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect((await probe(r.thumbnail)).video).toMatchObject({ width: 640, height: 360 });
    // Nothing else is left next to the outputs.
    expect(readdirSync(out).filter((f) => f.startsWith('wide'))).toEqual(['wide.jpg', 'wide.m4a', 'wide.mp4'].sort());
  }, 90_000);

  it('draws the description while the voice speaks, reveals the image, and shows captions when words are spoken', async () => {
    const r = ok(await wide());
    const first = r.scenes[0]!;
    const textBox = { x: 20, y: 20, w: 320, h: 120 };
    const imageBox = { x: 380, y: 100, w: 220, h: 110 };
    const captionBand = { x: 30, y: 306, w: 580, h: 30 };
    const at = (t: number) => frameAt(r.video, t, 640, 360, scratch);

    const start = await at(0.02); // before the first word: blank board
    const end = await at(first.duration - 0.1); // the scene fully drawn
    expect(start.dark(textBox)).toBeLessThan(60); // at most the pen's edge
    expect(end.dark(textBox)).toBeGreaterThan(800); // the written description
    expect(end.diff(start, textBox)).toBeGreaterThan(5);
    // The image: still hidden at the start, its colours at the end (testpattern's bars).
    expect(near(start.rgb(490, 160), [255, 255, 255])).toBe(true);
    const colours = new Set<string>();
    for (let x = imageBox.x; x < imageBox.x + imageBox.w; x += 10) colours.add(end.rgb(x, 160).map((v) => Math.round(v / 64)).join());
    expect(colours.size).toBeGreaterThanOrEqual(4);
    // Half way through the speech the pen is mid-way: some text, not all of it.
    const mid = await at((first.captions[0]!.start + first.captions.at(-1)!.end) / 2);
    expect(mid.dark(textBox)).toBeGreaterThan(100);
    expect(mid.dark(textBox)).toBeLessThan(end.dark(textBox) * 0.9);

    // Captions: nothing before the first word; the caption box once it is spoken.
    const firstWord = first.captions[0]!;
    expect(firstWord.start).toBeGreaterThan(0.08);
    expect(start.dark(captionBand)).toBe(0);
    const speaking = await at(firstWord.start + 0.15);
    expect(speaking.dark(captionBand)).toBeGreaterThan(3000);
    // A later caption of the same scene shows other words: the band's pixels change.
    const last = first.captions.at(-1)!;
    const later = await at(last.start + 0.02);
    expect(later.dark(captionBand)).toBeGreaterThan(500);
    expect(later.diff(speaking, captionBand)).toBeGreaterThan(5);
    // The second scene is on screen at its start time, on its own (blank) board.
    const second = await at(r.scenes[1]!.start + 0.02);
    expect(second.dark(textBox)).toBeLessThan(60);
    expect(near(second.rgb(490, 160), [255, 255, 255])).toBe(true);
  }, 90_000);

  it('9:16, dynamic boards and 30 fps: portrait frames, a coloured board per scene', async () => {
    const r = ok(await renderer.renderWhiteboard({ id: 'tall', scenes: SCENES.slice(0, 2), config: { aspect_ratio: '9:16', fps: 30, bg_mode: 'dynamic', voice_id: 'james' } }));
    const info = await probe(r.video);
    expect(info.video).toMatchObject({ codec: 'h264', width: 360, height: 640 });
    expect(info.video!.fps).toBeCloseTo(30, 2);
    expect(r.scenes.map((s) => s.voice)).toEqual(['awb', 'awb']);
    const one = await frameAt(r.video, r.scenes[0]!.duration - 0.1, 360, 640, scratch);
    const two = await frameAt(r.video, r.scenes[1]!.start + r.scenes[1]!.duration - 0.1, 360, 640, scratch);
    expect(near(one.rgb(30, 600), hexRgb(DYNAMIC_BOARDS[0]))).toBe(true);
    expect(near(two.rgb(30, 600), hexRgb(DYNAMIC_BOARDS[1]))).toBe(true);
    // Portrait: the image on top, the text below it.
    expect(one.dark({ x: 20, y: 330, w: 320, h: 120 })).toBeGreaterThan(500);
    const narrations = await Promise.all(SCENES.slice(0, 2).map((s) => reference.narrate(s.speech, 'awb')));
    expect(Math.abs(info.durationSeconds - narrations.reduce((s, n) => s + n.durationSeconds, 0))).toBeLessThanOrEqual(0.1);
  }, 90_000);

  it('1:1 with audio_mode none: a silent AAC track as long as the reading time, captions still shown, no audio file', async () => {
    const r = ok(await renderer.renderWhiteboard({ id: 'square', scenes: SCENES.slice(1), config: { aspect_ratio: '1:1', fps: 24, audio_mode: 'none' } }));
    const info = await probe(r.video);
    expect(info.video).toMatchObject({ width: 640, height: 640 });
    expect(info.audio?.codec).toBe('aac');
    const reading = SCENES.slice(1).reduce((s, sc) => s + readingSeconds(wordsOf(sc.speech)), 0);
    expect(Math.abs(info.durationSeconds - reading)).toBeLessThanOrEqual(0.1);
    expect(await meanVolume(r.video)).toBeLessThan(-80);
    expect(r.audio).toBeNull();
    expect(existsSync(join(out, 'square.m4a'))).toBe(false);
    expect(r.scenes.every((s) => s.voice === null)).toBe(true);
    const c = r.scenes[0]!.captions[0]!;
    const before = await frameAt(r.video, 0.05, 640, 640, scratch);
    const during = await frameAt(r.video, c.start + 0.1, 640, 640, scratch);
    const band = { x: 30, y: 570, w: 580, h: 36 };
    expect(before.dark(band)).toBe(0);
    expect(during.dark(band)).toBeGreaterThan(2000);
  }, 90_000);

  it('multi_voice: each speaker in their own voice (a female and a male pitch for the same words)', async () => {
    const line = 'The water cycle has four steps, and the sun drives them all.';
    const video: WhiteboardVideo = {
      id: 'dialogue',
      scenes: [
        { speech: line, visual_description: 'Emma at the board.', assets: ['asset-emma'] },
        { speech: line, visual_description: 'James at the board.', assets: ['asset-james'] },
      ],
      config: { audio_mode: 'multi_voice', voice_id: 'emma', speaker_ids: ['asset-emma', 'asset-james'] },
    };
    const voices: Record<string, string> = { 'asset-emma': 'emma', 'asset-james': 'james' };
    const r = ok(await renderer.renderWhiteboard(video, { voiceOf: (id) => voices[id] }));
    expect(r.scenes.map((s) => s.voice)).toEqual(['slt', 'awb']);
    const [a, b] = r.scenes as [(typeof r.scenes)[0], (typeof r.scenes)[0]];
    const first = await decodeAudio(r.audio!, scratch, 16000, a.start, a.start + a.duration);
    const second = await decodeAudio(r.audio!, scratch, 16000, b.start, b.start + b.duration);
    expect(medianPitch(first, 16000)).toBeGreaterThan(medianPitch(second, 16000) + 30);
    expect(Math.abs(a.duration - b.duration)).toBeGreaterThan(0.05); // different voices, different lengths

    // Without a way to look voices up, the speakers still get distinct voices, in turn.
    const turns = ok(await renderer.renderWhiteboard({ ...video, id: 'turns', scenes: video.scenes.map((s) => ({ ...s, assets: [] })) }));
    expect(turns.scenes.map((s) => s.voice)).toEqual(['slt', 'awb']);
  }, 90_000);

  it('refuses what cannot be rendered, with the spec\'s error codes and clear messages, leaving no files', async () => {
    const base = { scenes: SCENES.slice(1, 2) };
    const junk = join(scratch, 'junk.png');
    writeFileSync(junk, 'this is not an image');
    const cases: [WhiteboardVideo, string, string][] = [
      [{ id: 'e1', ...base, config: { voice_id: 'nobody' } }, 'AUDIO_GENERATION_ERROR', 'Unknown voice_id "nobody": the voices are emma, james'],
      [{ id: 'e2', scenes: [{ ...SCENES[1]!, image_path: junk }] }, 'IMAGE_GENERATION_ERROR', "Scene 1's image is not a PNG or JPEG file"],
      [{ id: 'e3', scenes: [{ ...SCENES[1]!, image_url: '/etc/passwd' }] }, 'IMAGE_GENERATION_ERROR', "Scene 1's image: Source /etc/passwd is not allowed: only files under fixtures/ can be used by path"],
      [{ id: 'e4', scenes: [] }, 'INTERNAL_ERROR', 'Invalid video: it has no scenes to render'],
      [{ id: '../escape', ...base }, 'INTERNAL_ERROR', 'Invalid video: its id must be 1–128 letters, digits, "-" or "_"'],
      [{ id: 'e6', ...base, config: { fps: 0 } }, 'INTERNAL_ERROR', 'Invalid video: fps must be a whole number from 1 to 60, not 0'],
      [{ id: 'e7', ...base, config: { aspect_ratio: '4:3' as never } }, 'INTERNAL_ERROR', 'Invalid video: aspect_ratio "4:3" is not one of 16:9, 9:16, 1:1'],
    ];
    for (const [video, code, message] of cases) {
      const r = await renderer.renderWhiteboard(video);
      expect(r).toEqual({ ok: false, error: { code, message } });
    }
    expect(readdirSync(out).filter((f) => /^e\d/.test(f) || f.startsWith('.wb-'))).toEqual([]);
  }, 90_000);

  it('an FFmpeg run over its time limit is killed: RENDER_TIMEOUT, and no half-written files', async () => {
    const impatient = createWhiteboardRenderer({ outputDir: out, ffmpegTimeoutMs: 1, narrator: reference });
    const r = await impatient.renderWhiteboard({ id: 'late', scenes: SCENES.slice(1, 2) });
    expect(r).toEqual({ ok: false, error: { code: 'RENDER_TIMEOUT', message: 'The render was stopped after 1 ms without finishing' } });
    expect(readdirSync(out).filter((f) => f.startsWith('late'))).toEqual([]);
    await impatient.close(); // the shared narrator stays open
    expect((await reference.narrate('Still open.', 'slt')).durationSeconds).toBeGreaterThan(0.3);
  });
});
