// Never a 5xx by accident: drive many generated bad requests (seeded) through every operation of
// every served API and show that none reaches a 5xx, and that every answer is an enveloped JSON
// error carrying the rate-limit headers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { expectRateHeaders } from '../support/http.ts';
import { createRandom } from '../../src/contract/random.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

const weird: unknown[] = [null, true, -1, 0, 1e308, -0.5, '', ' ', 'x'.repeat(5000), '\u0000\uffff🎬', '{{x}}', '../../etc/passwd', 'http://169.254.169.254/', [], [[[[]]]], {}, { $ref: '#/x' }, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }, 'NaN', '1e999'];

it('generated bad requests never produce a 5xx', async () => {
  // The contract checker's seeded stream: the same cases every run.
  const rand = createRandom(20261121).next;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const mutate = (value: unknown, depth = 0): unknown => {
    if (depth > 3 || rand() < 0.25) return pick(weird);
    if (Array.isArray(value)) return rand() < 0.3 ? [] : value.map((v) => mutate(v, depth + 1));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = { ...(value as object) };
      const keys = Object.keys(out);
      if (keys.length && rand() < 0.4) delete out[pick(keys)];
      if (keys.length) out[pick(keys)] = mutate(out[pick(keys)], depth + 1);
      if (rand() < 0.2) out[`extra_${Math.floor(rand() * 100)}`] = pick(weird);
      return out;
    }
    return pick(weird);
  };
  const rawBodies = ['', '{', '[1,2', 'null', '"str"', '123', '{"a":1}{', '\u0000', '{"scenes":[{"duration":1e999}]}', `{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`];
  const contentTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/xml', ''];

  let sent = 0;
  const statuses = new Map<number, number>();
  // Vendor APIs first: fuzzing the control API may add fault rules, whose injected 5xx are
  // deliberate, not accidental.
  for (const api of [...sb.sandbox.apis, sb.sandbox.control!]) {
    const { policy } = api.spec;
    const keyHeader = policy.auth.header;
    const goodKey = `${policy.auth.testKeyPattern.source.replace(/^\^/, '').split(/[[(]/)[0]}enterprise_fuzz0001`;
    for (const op of api.spec.operations) {
      const example = Object.values<any>(op.body?.content ?? {})[0]?.example ?? Object.values<any>(Object.values<any>(op.body?.content ?? {})[0]?.examples ?? {})[0]?.value ?? {};
      for (let i = 0; i < 12; i++) {
        const path = op.servedPath.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(pick(weird)).slice(0, 60)) || 'x');
        const query = rand() < 0.5 ? `?${pick(['limit', 'cursor', 'offset', 'status', 'type', 'x'])}=${encodeURIComponent(String(pick(weird)).slice(0, 50))}` : '';
        const headers: Record<string, string> = {};
        const keyRoll = rand();
        if (keyRoll < 0.85) headers[keyHeader] = goodKey;
        else if (keyRoll < 0.95) headers[keyHeader] = pick(['', 'garbage', 've_live_x', 'sk_live_x', 've_test_', `${goodKey}\u00e9`.normalize('NFD').replace(/[^\x20-\x7e]/g, '')]);
        let body: string | undefined;
        if (op.body || rand() < 0.2) {
          body = rand() < 0.3 ? pick(rawBodies) : JSON.stringify(mutate(example));
          const ct = pick(contentTypes);
          if (ct) headers['content-type'] = ct;
        }
        const method = rand() < 0.9 ? op.method.toUpperCase() : pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
        const res = await fetch(`${sb.url}${path}${query}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
        // An event stream never ends: its status and headers are the answer.
        const streaming = res.headers.get('content-type')?.startsWith('text/event-stream');
        if (streaming) await res.body?.cancel();
        const text = streaming ? '' : await res.text();
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${method} ${path}${query} ${body?.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
        expectRateHeaders(res.headers);
        if (res.status >= 400) {
          const parsed = JSON.parse(text);
          expect(parsed.error, text).toBeDefined();
        }
      }
    }
  }
  expect(sent).toBeGreaterThan(200);
  // The generator must really produce rejections, not just pass-throughs.
  expect([...statuses.entries()].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(sent / 2);
}, 180_000); // hundreds of sequential requests, Prism's first answers included: slow on a shared machine
