// What the inspector reads, over real HTTP: a logged request's headers and bodies (capped, masked),
// the log's path/before filters, the account list; the control API's browser rules (no CORS,
// cross-origin and non-loopback Host refused without a token); the page's files, from src/ and
// from the bundle, linked from the banner.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call, rawRequest } from '../support/http.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ requestLogBodyBytes: 1024 });
});
afterAll(() => sb.close());

const seqOf = async (key: string) => (await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&limit=1`)).body.data[0].seq as number;

describe('a logged request in detail', () => {
  it('has the target with its query, the headers as sent and both bodies', async () => {
    const key = freshKey('ve_test_');
    const body = JSON.stringify({ scenes: [{ duration: '5' }], note: 'marker-123' });
    const sent = await call(sb.url, 'POST', '/api/render?trace=on', { headers: { 'x-api-key': key, 'X-Client': 'Mine', 'content-type': 'application/json' }, body });
    expect(sent.status).toBe(400);
    const d = await call(sb.url, 'GET', `/__sandbox/requests/${await seqOf(key)}`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ method: 'POST', path: '/api/render', key, status: 400, errorCode: 'SCHEMA_VALIDATION_ERROR' });
    const x = d.body.exchange;
    expect(x.url).toBe('/api/render?trace=on');
    expect(x.bodyCap).toBe(1024);
    expect(x.request.headers).toContainEqual(['X-Client', 'Mine']);
    expect(x.request.headers).toContainEqual(['x-api-key', key]);
    expect(x.request.body).toEqual({ bytes: body.length, shown: body.length, truncated: false, encoding: 'utf8', text: body });
    // The response as the client got it: status line's headers and the envelope.
    expect(x.response.headers).toContainEqual(['X-Request-ID', sent.headers.get('x-request-id')]);
    expect(x.response.headers).toContainEqual(['X-RateLimit-Remaining', sent.headers.get('x-ratelimit-remaining')]);
    expect(JSON.parse(x.response.body.text)).toEqual(sent.body);
    expect(x.response.body.bytes).toBe(sent.text.length);
  });

  it('cuts bodies at the cap and says so; damaged responses are logged as sent', async () => {
    const key = freshKey('ve_test_');
    const big = JSON.stringify({ scenes: [{ duration: 1 }], pad: 'p'.repeat(3000) });
    await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' }, body: big });
    const d = (await call(sb.url, 'GET', `/__sandbox/requests/${await seqOf(key)}`)).body;
    expect(d.exchange.request.body).toMatchObject({ bytes: big.length, shown: 1024, truncated: true, encoding: 'utf8' });
    expect(d.exchange.request.body.text).toBe(big.slice(0, 1024));
    // The render schema is longer than 1 KiB; malformed, it is what the client received.
    const schema = await rawRequest(sb.url, 'GET', '/api/render/schema', { 'x-api-key': key, 'X-Sandbox-Fault': 'malformed' });
    const m = (await call(sb.url, 'GET', `/__sandbox/requests/${await seqOf(key)}`)).body.exchange.response.body;
    expect(m.bytes).toBe(Buffer.byteLength(schema.body));
    expect(m.text).toBe(schema.body.slice(0, m.shown));
  });

  it('masks live keys and credentials like the list does; binary bodies come as base64', async () => {
    const live = 've_live_supersecretvalue1234';
    await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': live, Authorization: 'Bearer hunter2hunter2', Cookie: 'sid=abc' } });
    const listed = (await call(sb.url, 'GET', '/__sandbox/requests?limit=1')).body.data[0];
    const d = (await call(sb.url, 'GET', `/__sandbox/requests/${listed.seq}`)).body;
    const text = JSON.stringify(d);
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sid=abc');
    expect(d.exchange.request.headers).toContainEqual(['x-api-key', listed.key]);
    expect(d.exchange.request.headers).toContainEqual(['Authorization', '(masked, 21 characters)']);

    const sk = freshKey('sk_test_');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    await call(sb.url, 'POST', '/api/v1/assets/asset_1/image', { headers: { 'X-Api-Key': sk, 'content-type': 'image/png' }, body: new Uint8Array(png) });
    const bin = (await call(sb.url, 'GET', `/__sandbox/requests/${await seqOf(sk)}`)).body.exchange.request.body;
    expect(bin).toMatchObject({ bytes: png.length, encoding: 'base64', truncated: false });
    expect(Buffer.from(bin.text, 'base64').equals(png)).toBe(true);
  });

  it('a request gone from the ring is 404; a bad number is 400', async () => {
    const gone = await call(sb.url, 'GET', '/__sandbox/requests/999999');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/keeps the last 1000/);
    expect((await call(sb.url, 'GET', '/__sandbox/requests/abc')).status).toBe(400);
  });

  it('a connection reset before any answer is logged with the request and no response', async () => {
    const key = freshKey('ve_test_');
    await rawRequest(sb.url, 'POST', '/api/render', { 'x-api-key': key, 'X-Sandbox-Fault': 'reset', 'content-type': 'application/json' }, '{"scenes":[]}');
    await new Promise((r) => setTimeout(r, 50));
    const d = (await call(sb.url, 'GET', `/__sandbox/requests/${await seqOf(key)}`)).body;
    expect(d.status).toBeNull();
    expect(d.exchange.response).toEqual({ headers: [], body: null });
  });
});

describe('the request log’s paging and filters', () => {
  it('path contains, and before= walks back page by page', async () => {
    const key = freshKey('ve_test_pro_');
    for (let i = 0; i < 7; i++) await call(sb.url, 'GET', i % 2 ? '/api/jobs' : '/api/account', { headers: { 'x-api-key': key } });
    const jobsOnly = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&path=jobs`);
    expect(jobsOnly.body.data.map((r: any) => r.path)).toEqual(['/api/jobs', '/api/jobs', '/api/jobs']);
    const page1 = (await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&limit=3`)).body.data;
    const page2 = (await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&limit=3&before=${page1[2].seq}`)).body.data;
    const page3 = (await call(sb.url, 'GET', `/__sandbox/requests?key=${key}&limit=3&before=${page2[2].seq}`)).body.data;
    const seqs = [...page1, ...page2, ...page3].map((r: any) => r.seq);
    expect(seqs).toHaveLength(7);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(7);
  });
});

describe('accounts', () => {
  it('GET /__sandbox/accounts lists fixtures and used keys, newest first, per API', async () => {
    const s = await startSandbox();
    try {
      const key = freshKey('ve_test_');
      await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
      const all = await call(s.url, 'GET', '/__sandbox/accounts');
      expect(all.status).toBe(200);
      expect(all.body.data[0]).toMatchObject({ api: 'phantomflow', key, plan: 'free', balance: 1000, ledger: { balanced: true } });
      expect(all.body.data.map((a: any) => a.key)).toContain('sk_test_readonly_fixture01');
      expect(all.body.total).toBe(all.body.data.length);
      const sk = await call(s.url, 'GET', '/__sandbox/accounts?api=sketchpen&limit=2');
      expect(sk.body.data).toHaveLength(2);
      expect(sk.body.data.every((a: any) => a.api === 'sketchpen')).toBe(true);
      expect(sk.body.total).toBeGreaterThan(2);
      expect((await call(s.url, 'GET', '/__sandbox/accounts?api=nope')).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

/** A request with headers fetch() will not let a test set (Host, Origin). */
function rawGet(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browsers and the control API', () => {
  it('grants no CORS (vendor APIs still do); preflights get no Allow-Origin', async () => {
    const control = await call(sb.url, 'GET', '/__sandbox/health');
    expect(control.headers.get('access-control-allow-origin')).toBeNull();
    const vendor = await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': freshKey('ve_test_') } });
    expect(vendor.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(`${sb.url}/__sandbox/faults`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('without a token, refuses another origin and a non-loopback Host (DNS rebinding); same origin passes', async () => {
    const port = new URL(sb.url).port;
    const cross = await rawGet(sb.url, '/__sandbox/health', { Origin: 'https://evil.example', Host: `127.0.0.1:${port}` });
    expect(cross.status).toBe(403);
    expect(cross.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('https://evil.example') });
    const opaque = await rawGet(sb.url, '/__sandbox/faults', { Origin: 'null', Host: `127.0.0.1:${port}` });
    expect(opaque.status).toBe(403);
    const rebound = await rawGet(sb.url, '/__sandbox/health', { Host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.message).toMatch(/not a loopback name/);
    // A cross-origin POST a page can send without a preflight changes nothing.
    const before = (await call(sb.url, 'GET', '/__sandbox/faults')).body.data.length;
    const forged = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: '{"action":{"status":500}}' });
    expect(forged.status).toBe(403);
    expect((await call(sb.url, 'GET', '/__sandbox/faults')).body.data.length).toBe(before);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const same = await rawGet(sb.url, '/__sandbox/health', { Origin: `http://${host}`, Host: host });
      expect(same.status, host).toBe(200);
    }
    // The vendor APIs are for browsers anywhere.
    const vendor = await rawGet(sb.url, '/api/account', { Origin: 'https://app.example', Host: `attacker.example:${port}`, 'x-api-key': freshKey('ve_test_') });
    expect(vendor.status).toBe(200);
  });

  it('with a token, the token decides when it is sent (an Origin does not matter: a page cannot send the header)', async () => {
    const s = await startSandbox({ adminToken: 'tok-123' });
    try {
      const port = new URL(s.url).port;
      const r = await rawGet(s.url, '/__sandbox/health', { Origin: 'https://proxy.example', Host: `127.0.0.1:${port}`, Authorization: 'Bearer tok-123' });
      expect(r.status).toBe(200);
      // Without it, a cross-site request is refused before the token is asked for (decision 023).
      expect((await rawGet(s.url, '/__sandbox/health', { Origin: 'https://evil.example', Host: `127.0.0.1:${port}` })).status).toBe(403);
      expect((await rawGet(s.url, '/__sandbox/health', { Host: `127.0.0.1:${port}` })).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});

describe('mounted in another server (the express app)', () => {
  it('the log still captures headers and bodies, and the page is served', async () => {
    const { createSandbox } = await import('../../src/sandbox.ts');
    const { createServer } = await import('node:http');
    const sandbox = createSandbox({ validateResponses: true });
    // Another program's own server, with Node's own request/response classes.
    const host = createServer(sandbox.app);
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
    try {
      const key = freshKey('ve_test_');
      const body = JSON.stringify({ scenes: [{ duration: '5' }] });
      const sent = await call(url, 'POST', '/api/render', { headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
      expect(sent.status).toBe(400);
      const listed = (await call(url, 'GET', `/__sandbox/requests?key=${key}`)).body.data[0];
      const x = (await call(url, 'GET', `/__sandbox/requests/${listed.seq}`)).body.exchange;
      expect(x.request.body.text).toBe(body);
      expect(JSON.parse(x.response.body.text)).toEqual(sent.body);
      expect(x.response.headers).toContainEqual(['X-Request-ID', sent.headers.get('x-request-id')]);
      const page = await fetch(`${url}/__sandbox/ui/`);
      expect(page.status).toBe(200);
    } finally {
      host.closeAllConnections();
      await new Promise<void>((r) => host.close(() => r()));
      await sandbox.close();
    }
  });
});

describe('the inspector’s files', () => {
  it('/__sandbox/ui redirects to ui/; the page, script and style come with a same-origin CSP and ETags', async () => {
    const redirect = await fetch(`${sb.url}/__sandbox/ui?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(new URL(redirect.headers.get('location')!, `${sb.url}/__sandbox/ui`).href).toBe(`${sb.url}/__sandbox/ui/?x=1`);
    const page = await fetch(`${sb.url}/__sandbox/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//); // no CDN, nothing off-site
    for (const [file, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
    ] as const) {
      // The page names each asset by its content hash; that URL may be kept for good.
      const version = html.match(new RegExp(`"${file!.replace('.', '\\.')}\\?v=([\\w-]+)"`))?.[1];
      expect(version, `${file} is linked with ?v=<hash>`).toBeTruthy();
      const r = await fetch(`${sb.url}/__sandbox/ui/${file}?v=${version}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const etag = r.headers.get('etag')!;
      expect(etag).toBe(`"${version}"`);
      // Any other version (an old page, or none) is revalidated, never kept.
      for (const other of ['', '?v=stale']) {
        const o = await fetch(`${sb.url}/__sandbox/ui/${file}${other}`);
        expect(o.headers.get('cache-control')).toBe('no-cache');
        await o.arrayBuffer();
      }
      expect((await fetch(`${sb.url}/__sandbox/ui/${file}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    expect((await fetch(`${sb.url}/__sandbox/ui/../admin/index.ts`)).status).toBe(404);
    expect((await fetch(`${sb.url}/__sandbox/ui/secret.txt`)).status).toBe(404);
    expect((await fetch(`${sb.url}/__sandbox/ui/`, { method: 'POST' })).status).toBe(405);
  });

  it('the page loads without the token (it asks for it); the data needs it', async () => {
    const s = await startSandbox({ adminToken: 'tok-456' });
    try {
      expect((await fetch(`${s.url}/__sandbox/ui/`)).status).toBe(200);
      expect((await call(s.url, 'GET', '/__sandbox/requests')).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});

describe('the inspector from the command line', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGTERM');
  });

  /** Start the CLI, resolve with its banner. */
  const serve = (command: string[]): Promise<string> => {
    const child = spawn(process.execPath, command, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SANDBOX_ADMIN_TOKEN: '' } });
    children.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (/curl .*\n/.test(out)) resolve(out);
      });
      child.stderr!.on('data', (d) => (err += d));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
  };

  it('the banner links the inspector; the bundle (npm start) finds its files', async () => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(build.status, build.stderr).toBe(0);
    for (const command of [
      ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'serve', '--port', '0'],
      [join(ROOT, 'dist/cli.js'), 'serve', '--port', '0'],
    ]) {
      const banner = await serve(command);
      const link = /inspector\s+(http:\/\/\S+\/__sandbox\/ui\/)/.exec(banner)?.[1];
      expect(link, banner).toBeDefined();
      const page = await fetch(link!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('inspector');
      expect((await fetch(new URL('app.js', link)).then((r) => r.text())).length).toBeGreaterThan(1000);
      children.pop()!.kill('SIGTERM');
    }
  });
});
