// 16-bit PCM WAV in and out, and the few sample-level operations narration needs (resampling,
// joining, finding where the voice is). Mono only: speech is mono, and FFmpeg upmixes if asked.

export interface Pcm {
  samples: Int16Array;
  sampleRate: number;
}

/** Reads a RIFF/WAVE file of 16-bit PCM (mono, or the first channel of several). */
export function parseWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    // A writer that never patched the size (streamed output) leaves 0 or too much: use what is there.
    const declared = view.getUint32(at + 4, true);
    const size = Math.min(declared, bytes.length - at - 8);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16) {
      format = { code: view.getUint16(body, true), channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data before its format');
      if (format.code !== 1 || format.bits !== 16 || format.channels < 1) throw new Error(`unsupported WAV format (code ${format.code}, ${format.bits} bits)`);
      const frames = Math.floor(size / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = view.getInt16(body + i * 2 * format.channels, true);
      return { samples, sampleRate: format.sampleRate };
    }
    at = body + size + (size & 1);
  }
  throw new Error('WAV file without data');
}

/** A mono 16-bit PCM RIFF/WAVE file. */
export function encodeWav({ samples, sampleRate }: Pcm): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}

export const durationOf = ({ samples, sampleRate }: Pcm): number => samples.length / sampleRate;

/** Linear-interpolation resampling: enough for speech moved between 8, 16 and 22.05 kHz. */
export function resample(pcm: Pcm, sampleRate: number): Pcm {
  if (pcm.sampleRate === sampleRate) return pcm;
  const n = Math.round((pcm.samples.length * sampleRate) / pcm.sampleRate);
  const out = new Int16Array(n);
  const step = pcm.sampleRate / sampleRate;
  const last = pcm.samples.length - 1;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const j = Math.min(last, Math.floor(x));
    const k = Math.min(last, j + 1);
    const f = x - j;
    out[i] = Math.round(pcm.samples[j]! * (1 - f) + pcm.samples[k]! * f);
  }
  return { samples: out, sampleRate };
}

/** Pieces laid end to end (all at one sample rate). */
export function joinPcm(pieces: Pcm[], sampleRate: number): Pcm {
  const total = pieces.reduce((n, p) => n + p.samples.length, 0);
  const samples = new Int16Array(total);
  let at = 0;
  for (const p of pieces) {
    if (p.sampleRate !== sampleRate) throw new Error(`joinPcm: ${p.sampleRate} Hz piece in a ${sampleRate} Hz join`);
    samples.set(p.samples, at);
    at += p.samples.length;
  }
  return { samples, sampleRate };
}

/**
 * Where the sound is: the first and last 10 ms window whose peak passes `threshold` (of full
 * scale), in seconds. A silent piece gives an empty span at its middle.
 */
export function voicedSpan({ samples, sampleRate }: Pcm, threshold = 0.02): { start: number; end: number } {
  const window = Math.max(1, Math.round(sampleRate / 100));
  const level = threshold * 32767;
  let first = -1;
  let last = -1;
  for (let w = 0; w * window < samples.length; w++) {
    let peak = 0;
    const stop = Math.min(samples.length, (w + 1) * window);
    for (let i = w * window; i < stop; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    if (peak >= level) {
      if (first < 0) first = w;
      last = w;
    }
  }
  if (first < 0) {
    const mid = samples.length / sampleRate / 2;
    return { start: mid, end: mid };
  }
  return { start: (first * window) / sampleRate, end: Math.min(samples.length, (last + 1) * window) / sampleRate };
}
