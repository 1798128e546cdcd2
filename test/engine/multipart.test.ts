// The multipart/form-data reader: what a browser's FormData and curl -F send reads back exactly
// (fields, files with their names and types, binary bytes intact); every malformed body is a
// MultipartError naming the problem, never a crash; the boundary comes from the Content-Type.
import { describe, expect, it } from 'vitest';
import { boundaryOf, formAsObject, MultipartError, parseMultipart } from '../../src/engine/transport/multipart.ts';

/** A body as fetch() would send it for this FormData, and its Content-Type. */
async function encoded(form: FormData): Promise<{ body: Buffer; type: string }> {
  const r = new Request('http://x.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! };
}

const raw = (boundary: string, ...parts: string[]) => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`, 'latin1');

describe('parseMultipart', () => {
  it('reads what fetch sends for FormData: text fields, a file with its name, type and exact bytes', async () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 37) % 256); // every byte value, CR and LF included
    const form = new FormData();
    form.append('caption', 'Felix — the fox');
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'félix.png');
    const { body, type } = await encoded(form);
    const parsed = parseMultipart(body, type);
    expect(parsed.fields).toEqual({ caption: 'Felix — the fox' });
    expect(parsed.files.file!.filename).toBe('félix.png');
    expect(parsed.files.file!.contentType).toBe('image/png');
    expect(Buffer.compare(parsed.files.file!.data, Buffer.from(bytes))).toBe(0);
    expect(formAsObject(parsed)).toEqual({ caption: 'Felix — the fox', file: '(binary)' });
  });

  it('a quoted boundary, a preamble, a file without a type, an empty file', () => {
    const b = 'a"b';
    const body = Buffer.concat([
      Buffer.from('preamble to ignore\r\n'),
      raw('xyz', 'Content-Disposition: form-data; name="file"; filename="empty.bin"\r\n\r\n', 'Content-Disposition: form-data; name=note\r\n\r\nhi'),
    ]);
    const parsed = parseMultipart(body, 'multipart/form-data; boundary="xyz"');
    expect(parsed.files.file).toMatchObject({ filename: 'empty.bin', contentType: 'application/octet-stream' });
    expect(parsed.files.file!.data.length).toBe(0);
    expect(parsed.fields.note).toBe('hi');
    expect(() => boundaryOf(`multipart/form-data; boundary="${b}"`)).toThrow(MultipartError);
    expect(() => boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toThrow(MultipartError);
    expect(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(70)}; charset=utf-8`)).toBe('x'.repeat(70));
  });

  it.each([
    ['no boundary', Buffer.from('x'), 'multipart/form-data', /needs a boundary/],
    ['another boundary', raw('b1', 'Content-Disposition: form-data; name="a"\r\n\r\n1'), 'multipart/form-data; boundary=b2', /does not start with the boundary/],
    ['no closing boundary', Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'), 'multipart/form-data; boundary=b', /ends before its closing boundary/],
    ['no end to the headers', Buffer.from('--b\r\nContent-Disposition: form-data; name="a"'), 'multipart/form-data; boundary=b', /no end to its headers/],
    ['not form-data', raw('b', 'Content-Disposition: attachment; name="a"\r\n\r\n1'), 'multipart/form-data; boundary=b', /Content-Disposition: form-data/],
    ['no name', raw('b', 'Content-Disposition: form-data\r\n\r\n1'), 'multipart/form-data; boundary=b', /no name/],
    ['a header line without a colon', raw('b', 'Content-Disposition form-data\r\n\r\n1'), 'multipart/form-data; boundary=b', /malformed header line/],
    ['garbage after a boundary', Buffer.from('--bXX'), 'multipart/form-data; boundary=b', /not followed by a line break/],
  ])('%s → MultipartError', (_what, body, type, message) => {
    expect(() => parseMultipart(body, type)).toThrow(message);
  });

  it('at most 50 parts', () => {
    const parts = Array.from({ length: 51 }, (_, i) => `Content-Disposition: form-data; name="f${i}"\r\n\r\n${i}`);
    expect(() => parseMultipart(raw('b', ...parts), 'multipart/form-data; boundary=b')).toThrow(/more than 50 parts/);
    expect(Object.keys(parseMultipart(raw('b', ...parts.slice(0, 50)), 'multipart/form-data; boundary=b').fields)).toHaveLength(50);
  });

  it('a field named __proto__ is a field, not a prototype', () => {
    const parsed = parseMultipart(raw('b', 'Content-Disposition: form-data; name="__proto__"\r\n\r\npolluted'), 'multipart/form-data; boundary=b');
    expect(parsed.fields.__proto__).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
