// multipart/form-data (RFC 7578) read from a body already in memory (its size was capped on the
// way in): the text fields and the files, by field name. Bounded: at most MAX_PARTS parts and
// MAX_HEADER_BYTES of headers per part. Anything malformed is a MultipartError naming the problem;
// what a field must contain is the operation's business (its schema, its handler).

export interface FormFile {
  /** the file name the client gave ('' when none) */
  filename: string;
  /** the part's Content-Type ('application/octet-stream' when none) */
  contentType: string;
  data: Buffer;
}

export interface FormBody {
  fields: Record<string, string>;
  files: Record<string, FormFile>;
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

const MAX_PARTS = 50;
const MAX_HEADER_BYTES = 8192;
const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

/** The boundary of a multipart/form-data Content-Type, or a MultipartError. */
export function boundaryOf(contentType: string | undefined): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))(?=$|[;\s])/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new MultipartError('multipart/form-data needs a boundary parameter in its Content-Type (1–70 characters)');
  return boundary;
}

/** A Content-Disposition parameter (quoted or bare), undefined when absent. */
function param(disposition: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

export function parseMultipart(body: Buffer, contentType: string | undefined): FormBody {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const form: FormBody = { fields: Object.create(null), files: Object.create(null) };
  let at = body.indexOf(delimiter);
  if (at !== 0 && !(at > 0 && body.subarray(at - 2, at).equals(CRLF))) throw new MultipartError('the body does not start with the boundary its Content-Type names');
  for (let parts = 0; ; parts++) {
    at += delimiter.length;
    // "--" after a delimiter closes the body; anything else must be a line break.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return form;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw new MultipartError('a boundary is not followed by a line break');
    if (parts >= MAX_PARTS) throw new MultipartError(`more than ${MAX_PARTS} parts`);
    const headEnd = body.indexOf(HEADERS_END, at);
    if (headEnd < 0 || headEnd - at > MAX_HEADER_BYTES) throw new MultipartError('a part has no end to its headers (or more than 8 KiB of them)');
    const headers = new Map<string, string>();
    for (const line of body.toString('latin1', at + 2, headEnd).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new MultipartError(`a part has a malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headEnd + 4);
    if (next < 0) throw new MultipartError('the body ends before its closing boundary');
    const data = body.subarray(headEnd + 4, next);
    at = next + 2;
    const disposition = headers.get('content-disposition') ?? '';
    if (!/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError('every part needs Content-Disposition: form-data');
    const name = param(disposition, 'name');
    if (!name) throw new MultipartError('a part has no name in its Content-Disposition');
    const filename = param(disposition, 'filename');
    if (filename !== undefined) {
      form.files[name] = { filename: Buffer.from(filename, 'latin1').toString('utf8'), contentType: headers.get('content-type') || 'application/octet-stream', data };
    } else {
      form.fields[name] = data.toString('utf8');
    }
  }
}

/** The form as its schema sees it: text fields as strings, each file as a (binary) string. */
export function formAsObject(form: FormBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form.fields)) out[k] = v;
  for (const k of Object.keys(form.files)) out[k] = '(binary)';
  return out;
}
