// Multipart bodies (multipart/form-data), as Schemathesis sends them: one part per property of the
// body's schema. A binary property becomes a file of the first type its `encoding` accepts that we
// can make for real — a small PNG drawn from the seed — else seeded bytes of the declared type; any
// other property is generated from its schema and sent as text (JSON for objects and arrays).
import { deflateSync, crc32 } from 'node:zlib';
import { deref } from '../../openapi/refs.ts';
import type { FormPart } from '../types.ts';
import { generate, Unsatisfiable, type GenerateOptions } from './valid.ts';

const isBinary = (schema: any) => schema?.format === 'binary' || (schema?.type === 'string' && schema?.contentMediaType !== undefined) || schema?.contentEncoding === 'binary';

/** A valid RGB PNG of `size`×`size` pixels, one colour from the seed (a real image, not magic bytes). */
export function tinyPng(rgb: [number, number, number], size = 8): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3, Buffer.from(rgb))]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** The types a part's `encoding.contentType` allows ("image/png, image/jpeg"), in order. */
function allowedTypes(encoding: any, schema: any): string[] {
  const listed = typeof encoding?.contentType === 'string' ? encoding.contentType.split(',').map((t: string) => t.trim()).filter(Boolean) : [];
  return listed.length ? listed : [schema?.contentMediaType ?? 'application/octet-stream'];
}

function filePart(name: string, types: string[], o: GenerateOptions): FormPart {
  const rgb: [number, number, number] = [o.random.int(0, 255), o.random.int(0, 255), o.random.int(0, 255)];
  if (types.some((t) => t === 'image/png' || t === 'image/*' || t === '*/*')) return { name, filename: `${name}.png`, contentType: 'image/png', bytes: tinyPng(rgb) };
  const type = types[0]!;
  return { name, filename: `${name}.bin`, contentType: type, bytes: Buffer.from(o.random.hex(64), 'hex') };
}

/** One multipart body for `media` (an OpenAPI media type object): required parts, optional ones by chance. */
export function generateForm(media: any, o: GenerateOptions): FormPart[] {
  const schema = deref<any>(o.doc, media?.schema) ?? {};
  const required = new Set<string>(schema.required ?? []);
  const parts: FormPart[] = [];
  for (const [name, raw] of Object.entries<any>(schema.properties ?? {})) {
    if (!required.has(name) && !o.random.chance(o.optional)) continue;
    const prop = deref<any>(o.doc, raw);
    if (isBinary(prop)) {
      parts.push(filePart(name, allowedTypes(media?.encoding?.[name], prop), o));
      continue;
    }
    const value = generate(prop, o, name);
    if (value === undefined) throw new Unsatisfiable(`no value for the multipart field ${name}`);
    parts.push({ name, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  return parts;
}
