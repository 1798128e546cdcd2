// HEAD mirrors GET without a body on every operation (handled or mocked), and every answer carries
// exactly one Content-Type — counted over a raw socket, because fetch would merge duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { rawExchange, requestText } from '../support/raw-socket.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

/** A key of the plan without limits for an API (the key pattern's literal prefix + a plan marker). */
function keyFor(pattern: RegExp, name: string): string {
  return `${pattern.source.replace(/^\^/, '').split(/[[(]/)[0]}enterprise_${name}`;
}

describe('HEAD on every GET operation', () => {
  // Every operation has a handler now; `Prefer: code=200` sends it through the spec's mocker.
  it.each([['handled', {}], ['mocked (Prefer)', { Prefer: 'code=200' }]] as const)('%s: answers what GET answers, with the same headers and no body', async (_how, extra) => {
    const checked: string[] = [];
    for (const api of sb.sandbox.apis) {
      const { policy } = api.spec;
      const headers = { [policy.auth.header]: keyFor(policy.auth.testKeyPattern, 'head0001'), ...extra };
      for (const op of api.spec.operations.filter((o) => o.method === 'get')) {
        const path = op.servedPath.replace(/\{[^}]+\}/g, 'abc123');
        const get = await rawExchange(sb.url, requestText('GET', path, headers));
        const head = await rawExchange(sb.url, requestText('HEAD', path, headers));
        const what = `${api.spec.policy.id} HEAD ${path} (GET ${get.status})`;
        expect(get.status, what).toBeLessThan(500);
        expect(head.status, what).toBe(get.status);
        expect(head.body, what).toBe('');
        expect(head.header('content-type'), what).toEqual(get.header('content-type'));
        expect(head.header('content-length'), what).toEqual(get.header('content-length'));
        checked.push(op.operationId);
      }
    }
    // Both APIs' operations were covered.
    expect(checked).toContain('getJob');
    expect(checked).toContain('listThemes');
    expect(checked).toContain('getVideo');
  }, 120_000);
});

describe('Content-Type appears once', () => {
  it('on handled, mocked and error answers', async () => {
    const pf = { 'x-api-key': 've_test_enterprise_ctype001' };
    const sk = { 'X-Api-Key': 'sk_test_enterprise_ctype001' };
    const cases: [string, Buffer][] = [
      ['handled 200', requestText('GET', '/api/account', pf)],
      ['handled Sketchpen 200', requestText('GET', '/api/v1/themes', sk)],
      ['handled 201', requestText('POST', '/api/v1/videos', { ...sk, 'Content-Type': 'application/json' }, '{"prompt":"How volcanoes work","audio_mode":"none"}')],
      ['mocked 200', requestText('GET', '/api/v1/themes', { ...sk, Prefer: 'code=200' })],
      ['mocked 201', requestText('POST', '/api/v1/videos', { ...sk, 'Content-Type': 'application/json', Prefer: 'code=201' }, '{"prompt":"How volcanoes work"}')],
      ['error 404', requestText('GET', '/api/nope', pf)],
      ['error 401', requestText('GET', '/api/v1/themes', {})],
    ];
    for (const [what, request] of cases) {
      const r = await rawExchange(sb.url, request);
      expect(r.status, what).toBeDefined();
      expect(r.header('content-type'), `${what}: ${r.headerLines.map(([n, v]) => `${n}: ${v}`).join(' | ')}`).toHaveLength(1);
      expect(r.header('content-length'), what).toHaveLength(1);
      expect(r.header('x-request-id'), what).toHaveLength(1);
    }
  }, 60_000);
});
