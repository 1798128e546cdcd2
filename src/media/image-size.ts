// What kind of still image a file is and how big, from its first bytes (PNG IHDR, JPEG SOF), so a
// layout can be computed before FFmpeg runs and anything else is refused by content, not by name.

export interface ImageInfo {
  type: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image's type and size, or undefined when the bytes are not a PNG or JPEG with a sane size. */
export function imageInfo(bytes: Buffer): ImageInfo | undefined {
  let info: ImageInfo | undefined;
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE) && bytes.toString('latin1', 12, 16) === 'IHDR') {
    info = { type: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  } else if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Walk the markers to the first start-of-frame (baseline, progressive, …; not DHT/JPG/DAC).
    for (let at = 2; at + 9 <= bytes.length; ) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1]!;
      if (marker === 0xff) {
        at++;
        continue;
      }
      const length = bytes.readUInt16BE(at + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        info = { type: 'jpeg', height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
        break;
      }
      at += 2 + length;
    }
  }
  if (!info || info.width < 1 || info.height < 1 || info.width > 16384 || info.height > 16384) return undefined;
  return info;
}
