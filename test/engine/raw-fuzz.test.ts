// A raw-socket fuzz, bounded and seeded, on 127.0.0.1: methods any client may send (HEAD, OPTIONS,
// CONNECT, made-up ones), control characters in paths, headers and movie-script text, oversized
// scripts, headers and bodies, wrong Content-Types, Sketchpen's texts with control characters and
// callbacks to refused addresses — against every operation of every API. No
// answer is a 5xx; every answer has one status line, one X-Request-ID, at most one Content-Type,
// no body on HEAD, and an error envelope in JSON whenever it has a body.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawExchange, requestText } from '../support/raw-socket.ts';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { createRandom } from '../../src/contract/random.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 60_000 } });
});
afterAll(() => sb.close());

const CONTROL_CHARS = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u001b', '\u007f', '\u0085', '\r', '\n', '\t'];

it('no raw request gets a 5xx, and every answer is well-formed', async () => {
  // The contract checker's seeded stream: the same cases every run.
  const rand = createRandom(1302).next;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ops = [...sb.sandbox.apis, sb.sandbox.control!].flatMap((api) => api.spec.operations.map((op) => ({ api, op })));
  const scripts: (() => unknown)[] = [
    () => ({ scenes: [{ duration: 1, elements: [{ type: 'text', text: `a${pick(CONTROL_CHARS)}b` }] }] }),
    () => ({ scenes: Array.from({ length: 101 }, () => ({ duration: 1 })) }),
    () => ({ scenes: [{ duration: 1, elements: Array.from({ length: 51 }, () => ({ type: 'text', text: 'x' })) }] }),
    () => ({ scenes: [{ duration: 1, elements: [{ type: 'text', text: 'x'.repeat(1001) }] }] }),
    () => ({ scenes: Array.from({ length: 100 }, () => ({ duration: 300 })) }),
    () => ({ scenes: [{ duration: pick([1e-300, 1e308, -1, 0, 0.039]) }] }),
    () => ({ scenes: [{ duration: 1, elements: [{ type: 'image', src: `fixtures/media/x${pick(CONTROL_CHARS)}.png` }] }] }),
    () => ({ width: 4096, height: 4096, scenes: Array.from({ length: 100 }, () => ({ duration: 300, elements: Array.from({ length: 50 }, () => ({ type: 'image', src: 'fixtures/media/testpattern.png' })) })) }),
  ];
  // Sketchpen's bodies: what it takes as text (prompt, scene texts, feedback, asset names) with
  // control characters or past its lengths, and callback URLs the outbound policy refuses.
  const sketchpenBodies: (() => unknown)[] = [
    () => ({ prompt: `Volcanoes${pick(CONTROL_CHARS)}erupt`, audio_mode: 'none' }),
    () => ({ prompt: 'p'.repeat(2001) }),
    () => ({ prompt: 'ok', fps: pick([0, 61, 1e308, -1]), aspect_ratio: pick(['16:9', '4:3', '\u0000']) }),
    () => ({ speech: `a${pick(CONTROL_CHARS)}b`, visual_description: 'x'.repeat(pick([1, 2001])) }),
    () => ({ feedback: `fewer${pick(CONTROL_CHARS)}scenes` }),
    () => ({ type: pick(['object', 'character']), name: `Cup${pick(CONTROL_CHARS)}`, description: 'd'.repeat(pick([10, 1001])), voice_id: pick(['emma', 'nobody']) }),
    () => ({ url: pick(['https://169.254.169.254/latest/meta-data/', 'https://[::a9fe:a9fe]/h', 'https://10.0.0.1/h', `https://x${pick(CONTROL_CHARS)}.example/h`]), event: pick(['video.completed', 'video.failed']) }),
    () => ({ asset_ids: Array.from({ length: 200 }, (_, i) => `a${i}`), prompt: 'x' }),
  ];
  let sketchpenSent = 0;
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const N = 420;
  for (let i = 0; i < N; i++) {
    const { api, op } = pick(ops);
    const policy = api.spec.policy;
    const key = `${policy.auth.testKeyPattern.source.replace(/^\^/, '').split(/[[(]/)[0]}enterprise_rawfuzz${i % 7}`;
    let path = op.servedPath.replace(/\{[^}]+\}/g, () => (rand() < 0.5 ? encodeURIComponent(`x${pick(CONTROL_CHARS)}y`) : 'abc'));
    const roll = rand();
    const method = roll < 0.3 ? 'HEAD' : roll < 0.4 ? pick(['OPTIONS', 'CONNECT', 'BREW', 'PROPFIND', 'TRACE']) : roll < 0.5 ? pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) : op.method.toUpperCase();
    const headers: Record<string, string> = {};
    if (api.keyed && rand() < 0.9) headers[policy.auth.header] = key;
    let body: string | Buffer | undefined;
    let raw: Buffer | undefined;
    let sent = method;
    const shape = rand();
    if (shape < 0.08) {
      // A raw control byte in the request target or a header: the parser's 400.
      raw = Buffer.from(`${method} ${path}${pick(CONTROL_CHARS)}x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1');
    } else if (shape < 0.14) {
      sent = 'GET';
      raw = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Note: a${pick(['\u0001', '\u0000', '\u007f'])}b\r\nConnection: close\r\n\r\n`, 'latin1');
    } else if (shape < 0.18) {
      headers['X-Padding'] = 'p'.repeat(20_000 + Math.floor(rand() * 20_000)); // past the header limit: 431
    } else if (shape < 0.22) {
      path += `?q=${'%00'.repeat(50)}&limit=${encodeURIComponent(pick(['-1', '1e999', '\u0000', 'NaN']))}`;
    }
    if (!raw && (op.body || rand() < 0.2) && method !== 'HEAD' && method !== 'GET') {
      const b = rand();
      // The control API gets garbage only: a valid fault rule would inject 5xx on purpose.
      if (api.keyed && b < 0.55) {
        body = JSON.stringify(pick(policy.id === 'sketchpen' ? sketchpenBodies : scripts)());
        if (policy.id === 'sketchpen') sketchpenSent++;
      }
      else if (b < 0.65) body = Buffer.alloc(Math.floor(policy.maxBodyBytes * (1 + rand())), 0x20); // oversized
      else if (b < 0.8) body = `{"a":"${pick(CONTROL_CHARS)}"`;
      else body = pick(['', '\u0000', '[', 'null', '{}', '"x"']);
      headers['Content-Type'] = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=latin1', '']);
      if (!headers['Content-Type']) delete headers['Content-Type'];
    }
    // An event stream never ends by itself (heartbeats): its head is enough.
    const streams = JSON.stringify(api.spec.doc.paths[op.path]?.[op.method]?.responses ?? {}).includes('text/event-stream');
    const r = await rawExchange(sb.url, raw ?? requestText(method, path, headers, body), { idleMs: 20_000, ...(streams ? { timeoutMs: 1500 } : {}) });
    const what = `${sent} ${path.slice(0, 80)} ${String(body ?? raw ?? '').slice(0, 80).replace(/[^\x20-\x7e]/g, '?')} → ${r.statusLine ?? 'nothing'}`;
    if (r.status === undefined) {
      failures.push(`${what}: no answer`);
      continue;
    }
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status >= 500) failures.push(`${what}: ${r.body.slice(0, 200)}`);
    if (r.header('x-request-id').length !== 1) failures.push(`${what}: ${r.header('x-request-id').length} X-Request-ID`);
    if (r.header('content-type').length > 1) failures.push(`${what}: ${r.header('content-type').length} Content-Type`);
    if (sent === 'HEAD' && r.body !== '') failures.push(`${what}: a body on HEAD`);
    if (r.status >= 400 && sent !== 'HEAD' && r.body !== '') {
      try {
        if (JSON.parse(r.body).error === undefined) failures.push(`${what}: no error envelope`);
      } catch {
        failures.push(`${what}: body not JSON: ${r.body.slice(0, 100)}`);
      }
    }
  }
  expect(failures).toEqual([]);
  // The fuzz reached the parser (400/431), refusals of every kind, and successes.
  expect(sketchpenSent, 'Sketchpen bodies sent').toBeGreaterThan(10);
  for (const s of [400, 405, 422, 431]) expect(statuses.get(s) ?? 0, `status ${s} seen`).toBeGreaterThan(0);
  expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
}, 240_000);
