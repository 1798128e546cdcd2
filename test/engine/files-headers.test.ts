// /files responses carry what the README says they carry: X-Request-ID on every answer (the file,
// a range, a 304, a 404, a 405), CORS for browser players; not the rate-limit headers (files are
// not rate limited).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { waitForJob } from '../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
let file = '';
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 0 } });
  const key = freshKey('ve_test_', 'enterprise');
  const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { width: 64, height: 36, fps: 5, scenes: [{ duration: 0.5 }] } });
  file = new URL((await waitForJob(sb.url, key, r.body.job_id)).output_url).pathname;
});
afterAll(() => sb.close());

it('every /files answer has a request id and CORS, and no rate-limit headers', async () => {
  const full = await fetch(`${sb.url}${file}`);
  const etag = full.headers.get('etag')!;
  const answers = [
    full,
    await fetch(`${sb.url}${file}`, { headers: { range: 'bytes=0-9' } }),
    await fetch(`${sb.url}${file}`, { headers: { 'if-none-match': etag } }),
    await fetch(`${sb.url}${file}`, { method: 'HEAD' }),
    await fetch(`${sb.url}/files/phantomflow/nope.mp4`),
    await fetch(`${sb.url}${file}`, { method: 'DELETE' }),
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 206, 304, 200, 404, 405]);
  const ids = new Set<string>();
  for (const a of answers) {
    const id = a.headers.get('x-request-id');
    expect(id, String(a.status)).toMatch(/^req_/);
    ids.add(id!);
    expect(a.headers.get('access-control-allow-origin'), String(a.status)).toBe('*');
    expect(a.headers.get('x-ratelimit-limit'), String(a.status)).toBeNull();
    await a.arrayBuffer();
  }
  expect(ids.size).toBe(answers.length);
  // An error's body names it too, as the API's envelope does.
  const missing = await (await fetch(`${sb.url}/files/phantomflow/nope.mp4`)).json();
  expect(missing.error.code).toBe('NOT_FOUND');
});
