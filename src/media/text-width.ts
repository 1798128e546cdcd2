// How wide a line of text is in a TrueType font, from the font's own advance widths (cmap format 4
// + hmtx), so text can be wrapped and revealed before FFmpeg draws it. Kerning is ignored (a pixel
// or two per line at the sizes used).
import { readFileSync } from 'node:fs';

export interface TextMeasure {
  /** width in pixels of `text` at `fontSize` pixels */
  width(text: string, fontSize: number): number;
}

export function measureFont(fontFile: string): TextMeasure {
  const font = readFileSync(fontFile);
  const tables = new Map<string, number>();
  const count = font.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const at = 12 + i * 16;
    tables.set(font.toString('latin1', at, at + 4), font.readUInt32BE(at + 8));
  }
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`${fontFile}: no ${tag} table`);
    return at;
  };
  const unitsPerEm = font.readUInt16BE(table('head') + 18);
  const metrics = font.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advance = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, metrics - 1));

  // The Unicode BMP subtable (platform 3, encoding 1, format 4): segments of code points → glyphs.
  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0; i < font.readUInt16BE(cmap + 2); i++) {
    const rec = cmap + 4 + i * 8;
    if (font.readUInt16BE(rec) === 3 && font.readUInt16BE(rec + 2) === 1) sub = cmap + font.readUInt32BE(rec + 4);
  }
  if (sub < 0 || font.readUInt16BE(sub) !== 4) throw new Error(`${fontFile}: no Unicode BMP cmap`);
  const segs = font.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  const offsets = deltas + segs * 2;
  const glyphOf = (code: number): number => {
    if (code > 0xffff) return 0;
    for (let s = 0; s < segs; s++) {
      if (code > font.readUInt16BE(ends + s * 2)) continue;
      const start = font.readUInt16BE(starts + s * 2);
      if (code < start) return 0;
      const delta = font.readInt16BE(deltas + s * 2);
      const rangeOffset = font.readUInt16BE(offsets + s * 2);
      if (!rangeOffset) return (code + delta) & 0xffff;
      const glyph = font.readUInt16BE(offsets + s * 2 + rangeOffset + (code - start) * 2);
      return glyph ? (glyph + delta) & 0xffff : 0;
    }
    return 0;
  };

  const cache = new Map<number, number>();
  const em = (code: number) => {
    let w = cache.get(code);
    if (w === undefined) cache.set(code, (w = advance(glyphOf(code)) / unitsPerEm));
    return w;
  };
  return {
    width(text, fontSize) {
      let sum = 0;
      for (const ch of text) sum += em(ch.codePointAt(0)!);
      return sum * fontSize;
    },
  };
}

/**
 * Greedy word wrap to `maxWidth` pixels. A word wider than a line is broken inside. Existing line
 * breaks are kept (an empty line stays a paragraph gap).
 */
export function wrapText(text: string, maxWidth: number, fontSize: number, measure: TextMeasure): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ').filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (measure.width(candidate, fontSize) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      // Break an over-long word at the last character that fits.
      let rest = word;
      while (measure.width(rest, fontSize) > maxWidth) {
        const chars = [...rest];
        let n = 1;
        while (n < chars.length && measure.width(chars.slice(0, n + 1).join(''), fontSize) <= maxWidth) n++;
        lines.push(chars.slice(0, n).join(''));
        rest = chars.slice(n).join('');
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}
