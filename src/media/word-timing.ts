// Word timings from the length of real audio: the words of a stretch of speech share its voiced
// span in proportion to how long they take to say (letters, plus the pause punctuation brings).
// No recogniser or aligner: accurate to a word or so, which is what burned-in captions need.

export interface WordTiming {
  word: string;
  /** seconds */
  start: number;
  end: number;
}

/** A rough spoken weight: one unit per letter or digit (at least one), more after punctuation. */
function weight(word: string): number {
  const letters = (word.match(/[\p{L}\p{N}]/gu) ?? []).length;
  const pause = /[.!?]["')\]]*$/.test(word) ? 3 : /[,;:]["')\]]*$/.test(word) ? 2 : 0;
  return Math.max(1, letters) + pause;
}

const ms = (s: number) => Math.round(s * 1000) / 1000;

/** `words` spread over [start, end] seconds; a word ends where the next starts, minus its pause. */
export function spreadWords(words: string[], start: number, end: number): WordTiming[] {
  const weights = words.map(weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, end - start);
  let at = start;
  return words.map((word, i) => {
    const w = weights[i]!;
    const length = total ? (span * w) / total : 0;
    const letters = Math.max(1, (word.match(/[\p{L}\p{N}]/gu) ?? []).length);
    // The pause after punctuation is silence: the word itself ends before it.
    const spoken = length * Math.min(1, letters / w);
    const timing = { word, start: ms(at), end: ms(at + spoken) };
    at += length;
    return timing;
  });
}

/** Words of `text`, split on white space, as captions show them. */
export function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Reading pace for text nobody speaks (audio off): about 2.7 words a second, 2 s at least. */
export function readingSeconds(words: string[]): number {
  return Math.max(2, Math.round((0.6 + words.reduce((s, w) => s + weight(w), 0) * 0.065) * 100) / 100);
}
