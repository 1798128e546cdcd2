// Free text from API clients made safe to draw or speak: bounded, control characters gone.
// What remains is shown literally (drawtext reads it from a file with expansion off), so quotes,
// colons, backslashes and %{…} need no escaping here.

/** Text that cannot be used at all (not a string, too long); the message says why, for the client. */
export class TextRefused extends Error {}

// C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates (they
// reorder what is drawn), and the BOM / zero-width no-break space.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export interface PlainTextOptions {
  /** what the text is, for messages ("Scene 2's speech") */
  what: string;
  /** longest accepted, in characters (code points) after cleaning */
  maxChars: number;
  /** keep line breaks (a description) or turn them into spaces (speech, captions) */
  keepNewlines?: boolean;
}

export function plainText(value: unknown, { what, maxChars, keepNewlines = false }: PlainTextOptions): string {
  if (typeof value !== 'string') throw new TextRefused(`${what} must be a string`);
  let text = value
    // A lone surrogate becomes U+FFFD instead of invalid UTF-8 in a text file.
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(CONTROL, ' ')
    .replace(/\t/g, ' ');
  text = keepNewlines
    ? text.split('\n').map((line) => line.replace(/ {2,}/g, ' ').trim()).join('\n').replace(/\n{3,}/g, '\n\n').trim()
    : text.replace(/\s+/g, ' ').trim();
  const length = [...text].length;
  if (length > maxChars) throw new TextRefused(`${what} is ${length} characters long; at most ${maxChars} are allowed`);
  return text;
}

const PUNCTUATION: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2013': '-', '\u2014': ' - ', '\u2212': '-', '\u2026': '...', '\u00a0': ' ', '\u00d7': ' times ',
  '&': ' and ', '%': ' percent ',
};

/**
 * Printable ASCII for an English synthesiser: accents dropped (café → cafe), typographic quotes and
 * dashes made plain, anything else unpronounceable (other scripts, emoji, symbols) left out.
 */
export function asciiForSpeech(text: string): string {
  return text
    .replace(/[\u2018-\u201e\u2032\u00ab\u00bb\u2013\u2014\u2212\u2026\u00a0\u00d7&%]/g, (c) => PUNCTUATION[c] ?? ' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
