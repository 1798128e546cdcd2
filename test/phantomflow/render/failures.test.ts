// Failures are data: every bad source or FFmpeg failure is a RENDER_FAILED result, never a throw.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer, runningProcesses, type RenderResult } from '../../../src/apis/phantomflow/render/index.ts';
import { runFfmpeg } from '../../../src/media/ffmpeg.ts';

const out = mkdtempSync(join(tmpdir(), 'render-fail-'));
let server: Server;
let base = '';
const requested: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    // An HLS playlist posing as a video: FFmpeg must not follow its segment URL.
    if (req.url === '/playlist.mp4') return res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2,\n${base}/secret.ts\n#EXT-X-ENDLIST\n`);
    if (req.url === '/missing.png') return res.writeHead(404).end('nope');
    if (req.url === '/page.png') return res.writeHead(200, { 'content-type': 'image/png' }).end('<html><body>not an image</body></html>');
    if (req.url === '/noise.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(4096, 7));
    if (req.url === '/big.png') return res.writeHead(200).end(Buffer.alloc(64 * 1024));
    if (req.url === '/hang.png') return; // never answers
    if (req.url === '/redirect') return res.writeHead(302, { location: '/missing.png' }).end();
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(out, { recursive: true, force: true });
});

const renderer = createRenderer({ outputDir: out, fetch: { timeoutMs: 500, maxBytes: 32 * 1024 } });
const withImage = (src: string) => ({ width: 160, height: 90, scenes: [{ duration: 0.5, elements: [{ type: 'image' as const, src }] }] });

function failure(r: RenderResult): string {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error.code).toBe('RENDER_FAILED');
  return r.error.message;
}

describe('bad sources', () => {
  it('a 404 names the source and the status', async () => {
    expect(failure(await renderer.render(withImage(`${base}/missing.png`), { jobId: 'f404' }))).toBe(`Source ${base}/missing.png could not be fetched: HTTP 404`);
  });

  it('a redirect is followed, and checked again', async () => {
    expect(failure(await renderer.render(withImage(`${base}/redirect`), { jobId: 'fredir' }))).toMatch(/could not be fetched: HTTP 404/);
  });

  it('an HTML page served as an image is refused before FFmpeg opens it, named by its src', async () => {
    const m = failure(await renderer.render(withImage(`${base}/page.png`), { jobId: 'fhtml' }));
    expect(m).toBe(`Source ${base}/page.png is not usable as an image: it is an HTML page (allowed: PNG, JPEG, GIF, WebP)`);
  });

  it('random bytes served as video are not readable media', async () => {
    const m = failure(await renderer.render({ scenes: [{ duration: 0.5, elements: [{ type: 'video', src: `${base}/noise.mp4` }] }] }, { jobId: 'fnoise' }));
    expect(m).toMatch(/noise\.mp4/);
  });

  it('a source past the size cap, or one that never answers, fails in time', async () => {
    expect(failure(await renderer.render(withImage(`${base}/big.png`), { jobId: 'fbig' }))).toMatch(/32768-byte limit/);
    expect(failure(await renderer.render(withImage(`${base}/hang.png`), { jobId: 'fhang' }))).toMatch(/within 500 ms/);
  });

  it('files outside fixtures/ and cloud metadata addresses are refused', async () => {
    expect(failure(await renderer.render(withImage('file:///etc/passwd'), { jobId: 'ffile' }))).toMatch(/not allowed: only files under fixtures/);
    expect(failure(await renderer.render(withImage('fixtures/../package.json'), { jobId: 'fdots' }))).toMatch(/not allowed/);
    expect(failure(await renderer.render(withImage('http://169.254.169.254/latest/meta-data/'), { jobId: 'fmeta' }))).toBe('Source http://169.254.169.254/latest/meta-data/ is not allowed: 169.254.169.254 is a cloud metadata address');
    expect(failure(await renderer.render(withImage('http://metadata.google.internal/x.png'), { jobId: 'fgce' }))).toMatch(/not allowed/);
  });

  it('IPv4-mapped IPv6 spellings of refused addresses are refused too', async () => {
    expect(failure(await renderer.render(withImage('http://[::ffff:169.254.169.254]/x.png'), { jobId: 'fmapped' }))).toMatch(/not allowed: .*metadata/);
    expect(failure(await renderer.render(withImage('http://[fe80::1]/x.png'), { jobId: 'fll6' }))).toMatch(/not allowed: .*link-local/);
  });

  it('a downloaded playlist cannot make FFmpeg fetch URLs itself', async () => {
    const m = failure(await renderer.render(withImage(`${base}/playlist.mp4`), { jobId: 'fhls' }));
    expect(m).toMatch(/is not usable as an image: it is an HLS playlist/);
    expect(requested).not.toContain('/secret.ts');
  });

  it('an allow-list refuses other hosts but always lets loopback through', async () => {
    const strict = createRenderer({ outputDir: out, fetch: { allowHosts: ['cdn.example.com'] } });
    expect(failure(await strict.render(withImage('http://10.0.0.1/x.png'), { jobId: 'fallow' }))).toMatch(/10\.0\.0\.1 is a private address; allow it with --allow-host 10\.0\.0\.1/);
    expect(failure(await strict.render(withImage('http://93.184.216.34/x.png'), { jobId: 'fallow2' }))).toMatch(/not in the allowed hosts/);
    expect(failure(await strict.render(withImage(`${base}/missing.png`), { jobId: 'floop' }))).toMatch(/HTTP 404/);
  });
});

describe('bad scripts', () => {
  it('a colour that is not hex cannot inject filters into the graph', async () => {
    const bg = await renderer.render({ scenes: [{ duration: 0.5, background: '#000000,drawbox' }] }, { jobId: 'fcolour' });
    expect(failure(bg)).toMatch(/^Invalid movie script: "#000000,drawbox" is not a #rgb or #rrggbb colour/);
    const text = await renderer.render({ scenes: [{ duration: 0.5, elements: [{ type: 'text', text: 'x', color: "white';movie=/etc/passwd" }] }] }, { jobId: 'fcolour2' });
    expect(failure(text)).toMatch(/^Invalid movie script: .* is not a #rgb or #rrggbb colour/);
  });

  it('a jobId that could name a path, or a script without scenes, fails without touching disk', async () => {
    expect(failure(await renderer.render(withImage('fixtures/media/testpattern.png'), { jobId: '../escape' }))).toMatch(/jobId/);
    expect(failure(await renderer.render({ scenes: [] }, { jobId: 'fnoscenes' }))).toMatch(/at least one scene/);
    expect(failure(await renderer.render(null as never, { jobId: 'fnull' }))).toMatch(/at least one scene/);
  });
});

describe('FFmpeg runs', () => {
  it('are killed when they pass their time limit', async () => {
    const slow = createRenderer({ outputDir: out, ffmpegTimeoutMs: 50, fidelity: 'full' });
    const m = failure(await slow.render({ width: 1920, height: 1080, scenes: [{ duration: 60 }] }, { jobId: 'ftimeout' }));
    expect(m).toMatch(/stopped after 50 ms/);
    expect(runningProcesses()).toBe(0);
  });

  it('an aborted render stops FFmpeg and comes back as a cancelled failure', async () => {
    const ac = new AbortController();
    const pending = createRenderer({ outputDir: out, fidelity: 'full' }).render({ width: 1920, height: 1080, scenes: [{ duration: 60 }] }, { jobId: 'fabort', signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    expect(failure(await pending)).toMatch(/cancelled/);
    expect(runningProcesses()).toBe(0);
  });

  it('the spawn wrapper SIGKILLs a process that passes its timeout', async () => {
    const t0 = Date.now();
    const r = await runFfmpeg(['-loglevel', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=64x64', '-f', 'null', '-'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
