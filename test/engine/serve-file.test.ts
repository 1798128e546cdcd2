// The file server for rendered output, through a real node:http server on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, serveFile } from '../../src/engine/transport/serve-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'serve-file-'));
const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
writeFileSync(join(dir, 'job.mp4'), body);
writeFileSync(join(dir, 'job.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
writeFileSync(join(dir, 'empty.mp4'), '');
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => serveFile(req, res, join(dir, (req.url ?? '/').slice(1))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the whole file with its type and Accept-Ranges', async () => {
  const r = await get('/job.mp4');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('video/mp4');
  expect(r.headers['accept-ranges']).toBe('bytes');
  expect(r.headers['content-length']).toBe('1000');
  expect(r.body.equals(body)).toBe(true);
  expect((await get('/job.jpg')).headers['content-type']).toBe('image/jpeg');
});

it.each([
  ['bytes=0-99', 0, 99],
  ['bytes=990-', 990, 999],
  ['bytes=-10', 990, 999],
  ['bytes=500-5000', 500, 999],
])('answers %s with 206 and exactly those bytes', async (range, start, end) => {
  const r = await get('/job.mp4', { range });
  expect(r.status).toBe(206);
  expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
  expect(r.headers['content-length']).toBe(String(end - start + 1));
  expect(r.body.equals(body.subarray(start, end + 1))).toBe(true);
});

it('answers an unsatisfiable range with 416 and the size', async () => {
  for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
    const r = await get('/job.mp4', { range });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */1000');
  }
});

it('ignores a range it does not understand (whole file), and a stale If-Range', async () => {
  expect((await get('/job.mp4', { range: 'bytes=0-1,5-6' })).status).toBe(200);
  expect((await get('/job.mp4', { range: 'items=0-1' })).status).toBe(200);
  expect((await get('/job.mp4', { range: 'bytes=0-1', 'if-range': '"stale"' })).status).toBe(200);
  const { headers } = await get('/job.mp4');
  expect((await get('/job.mp4', { range: 'bytes=0-1', 'if-range': String(headers.etag) })).status).toBe(206);
});

it('HEAD gives the headers without a body, also for a range', async () => {
  const r = await get('/job.mp4', {}, 'HEAD');
  expect(r.status).toBe(200);
  expect(r.headers['content-length']).toBe('1000');
  expect(r.body.length).toBe(0);
  const ranged = await get('/job.mp4', { range: 'bytes=10-19' }, 'HEAD');
  expect(ranged.status).toBe(206);
  expect(ranged.headers['content-length']).toBe('10');
  expect(ranged.body.length).toBe(0);
});

it('revalidation with the ETag gives 304; a missing file 404; other methods 405', async () => {
  const { headers } = await get('/job.mp4');
  expect(headers['last-modified']).toBeTruthy();
  expect((await get('/job.mp4', { 'if-none-match': String(headers.etag) })).status).toBe(304);
  expect((await get('/nope.mp4')).status).toBe(404);
  expect((await get('/job.mp4', {}, 'POST')).status).toBe(405);
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=999-999', { start: 999, end: 999 }],
    ['bytes=990-', { start: 990, end: 999 }],
    ['bytes=0-', { start: 0, end: 999 }],
    ['bytes=-1', { start: 999, end: 999 }],
    ['bytes=-10', { start: 990, end: 999 }],
    ['bytes=-1000', { start: 0, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }], // a suffix longer than the file is the whole file
    ['bytes=500-5000', { start: 500, end: 999 }], // an end past the file is clamped
    ['bytes=007-010', { start: 7, end: 10 }],
    ['  bytes=1-2  ', { start: 1, end: 2 }],
  ])('%s of 1000 bytes → %j', (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=1000-1000', 'bytes=5000-6000', 'bytes=-0', 'bytes=99999999999999999999-'])('%s of 1000 bytes is unsatisfiable', (header) => {
    expect(parseRange(header, 1000)).toBe('unsatisfiable');
  });

  // Ignored (null → the whole file with 200): allowed for any Range a server does not support.
  it.each([undefined, '', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=0-1,5-6', 'bytes=0-1, 3-4', 'items=0-1', 'bytes=a-b', 'bytes=1.5-2', 'bytes 0-1', 'bytes=--1'])('%j is ignored', (header) => {
    expect(parseRange(header, 1000)).toBeNull();
  });

  it('an empty file has no satisfiable start offset', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });
});

describe('conditional and edge cases over HTTP', () => {
  it('If-Range with the current ETag applies the range, also when it is unsatisfiable', async () => {
    const etag = String((await get('/job.mp4')).headers.etag);
    const r = await get('/job.mp4', { range: 'bytes=-3', 'if-range': etag });
    expect(r.status).toBe(206);
    expect(r.body.equals(body.subarray(997))).toBe(true);
    expect((await get('/job.mp4', { range: 'bytes=2000-', 'if-range': etag })).status).toBe(416);
  });

  it('a stale If-Range ignores even an unsatisfiable range: the whole file', async () => {
    const r = await get('/job.mp4', { range: 'bytes=2000-', 'if-range': '"old-version"' });
    expect(r.status).toBe(200);
    expect(r.headers['content-range']).toBeUndefined();
    expect(r.body.equals(body)).toBe(true);
  });

  it('a multi-range request gets the whole file without Content-Range (no multipart)', async () => {
    const r = await get('/job.mp4', { range: 'bytes=0-9,20-29' });
    expect(r.status).toBe(200);
    expect(r.headers['content-range']).toBeUndefined();
    expect(r.headers['content-type']).toBe('video/mp4');
    expect(r.body.equals(body)).toBe(true);
  });

  it('a reversed range is ignored; a one-byte range is one byte', async () => {
    expect((await get('/job.mp4', { range: 'bytes=9-3' })).status).toBe(200);
    const one = await get('/job.mp4', { range: 'bytes=7-7' });
    expect(one.status).toBe(206);
    expect(one.headers['content-range']).toBe('bytes 7-7/1000');
    expect([...one.body]).toEqual([body[7]]);
  });

  it('If-None-Match with another ETag is a normal 200', async () => {
    const r = await get('/job.mp4', { 'if-none-match': '"something-else"' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(1000);
  });

  it('an empty file: 200 with no body; an offset range on it 416', async () => {
    const r = await get('/empty.mp4');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.body.length).toBe(0);
    const start = await get('/empty.mp4', { range: 'bytes=0-' });
    expect(start.status).toBe(416);
    expect(start.headers['content-range']).toBe('bytes */0');
  });

  // A suffix range of an empty file names no byte: never a 206 with "Content-Range: bytes 0--1/0".
  it('a suffix range of an empty file never gets a malformed Content-Range', async () => {
    const r = await get('/empty.mp4', { range: 'bytes=-5' });
    expect([200, 416]).toContain(r.status);
    const contentRange = r.headers['content-range'];
    if (contentRange !== undefined) expect(contentRange).toMatch(/^bytes (\d+-\d+|\*)\/\d+$/);
  });
});
