// Every store is bounded, with the bound in the spec (x-sandbox.bounds) and a documented answer:
// accounts beyond the bound are forgotten least recently used first with everything they own
// (fixtures and accounts with work in progress never); finished jobs and their files are capped
// across keys; a full template store answers 409 TEMPLATE_LIMIT_EXCEEDED; fault rules are capped.
// Small bounds come from a copy of the shipped spec.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEC_DIR } from '../../src/paths.ts';
import { call } from '../support/http.ts';
import { eventually, waitForJob } from '../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'bounds-'));
const dataDir = join(dir, 'data');
let sb: RunningSandbox;

beforeAll(async () => {
  const doc = load(readFileSync(join(SPEC_DIR, 'phantomflow.yaml'), 'utf8')) as any;
  doc['x-sandbox'].bounds = {
    accounts: 4,
    finishedJobs: 3,
    fileBytes: 2 ** 30,
    resources: { templates: { perAccount: 3, bytesPerAccount: 20_000, total: 5, totalBytes: 1_000_000, code: 'TEMPLATE_LIMIT_EXCEEDED' } },
  };
  const spec = join(dir, 'phantomflow.yaml');
  writeFileSync(spec, dump(doc));
  sb = await startSandbox({ specs: [spec], dataDir, jobs: { queueDelayMs: 0 } });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const h = (key: string) => ({ 'x-api-key': key });
const template = (key: string, name = 't', text = 'hello', isPublic = false) => call(sb.url, 'POST', '/api/templates', { headers: h(key), body: { name, is_public: isPublic, script: { scenes: [{ duration: 1, elements: [{ type: 'text', text }] }] } } });
const render = async (key: string) => {
  const r = await call(sb.url, 'POST', '/api/render', { headers: h(key), body: { width: 64, height: 36, fps: 5, scenes: [{ duration: 0.2 }] } });
  expect(r.status, r.text).toBe(202);
  return waitForJob(sb.url, key, r.body.job_id);
};
const known = async (key: string) => (await call(sb.url, 'GET', `/__sandbox/accounts/${key}`)).status === 200;

describe('templates', () => {
  it('per account: the 4th is 409 TEMPLATE_LIMIT_EXCEEDED; bytes per account too; deleting makes room', async () => {
    await call(sb.url, 'POST', '/__sandbox/reset', { body: {} });
    const key = freshKey('ve_test_', 'enterprise');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await template(key, `t${i}`);
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.template_id);
    }
    const over = await template(key, 'one too many');
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('TEMPLATE_LIMIT_EXCEEDED');
    expect(over.body.error.message).toMatch(/3 templates/);
    expect((await call(sb.url, 'DELETE', `/api/templates/${ids[0]}`, { headers: h(key) })).status).toBe(204);
    expect((await template(key, 'again')).status).toBe(201);
    // Replacing with a bigger script counts the bytes too.
    const big = await call(sb.url, 'PUT', `/api/templates/${ids[1]}`, { headers: h(key), body: { name: 'big', script: { scenes: [{ duration: 1, elements: Array.from({ length: 30 }, () => ({ type: 'text', text: 'x'.repeat(900) })) }] } } });
    expect(big.status, big.text.slice(0, 200)).toBe(409);
    expect(big.body.error.message).toMatch(/bytes/);
  });

  it('in all: the sandbox-wide count is a bound too', async () => {
    await call(sb.url, 'POST', '/__sandbox/reset', { body: {} });
    const [a, b] = [freshKey('ve_test_', 'enterprise'), freshKey('ve_test_', 'enterprise')];
    for (let i = 0; i < 3; i++) expect((await template(a, `a${i}`)).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await template(b, `b${i}`)).status).toBe(201);
    const over = await template(b, 'b2');
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/sandbox/);
  });
});

describe('accounts', () => {
  it('beyond the bound, the least recently used provisioned account is forgotten with what it owns; fixtures stay', async () => {
    await call(sb.url, 'POST', '/__sandbox/reset', { body: {} });
    const keys = Array.from({ length: 4 }, () => freshKey('ve_test_', 'enterprise'));
    const pub = await template(keys[0]!, 'public', 'hi', true);
    expect(pub.status).toBe(201);
    for (const k of keys.slice(1)) expect((await call(sb.url, 'GET', '/api/account', { headers: h(k) })).status).toBe(200);
    // keys[1] is used again: keys[0] is now the least recently used.
    await call(sb.url, 'GET', '/api/account', { headers: h(keys[1]!) });
    const newcomer = freshKey('ve_test_', 'enterprise');
    expect((await call(sb.url, 'GET', '/api/account', { headers: h(newcomer) })).status).toBe(200);
    expect(await known(keys[0]!)).toBe(false);
    for (const k of [keys[1]!, keys[2]!, keys[3]!, newcomer]) expect(await known(k), k).toBe(true);
    // Its public template went with it.
    expect((await call(sb.url, 'GET', `/api/templates/${pub.body.template_id}`, { headers: h(newcomer) })).status).toBe(404);
    // Fixtures are never evicted, and coming back is a fresh account.
    expect(await known('ve_test_free_fixture01')).toBe(true);
    expect((await call(sb.url, 'GET', '/api/account', { headers: h(keys[0]!) })).body.credits_balance).toBe(100000);
  });

  it('an account with a job in progress is not forgotten', async () => {
    await call(sb.url, 'POST', '/__sandbox/reset', { body: {} });
    const busy = freshKey('ve_test_', 'enterprise');
    const long = await call(sb.url, 'POST', '/api/render', { headers: h(busy), body: { width: 1280, height: 720, fps: 30, scenes: [{ duration: 120 }] } });
    expect(long.status).toBe(202);
    for (let i = 0; i < 6; i++) await call(sb.url, 'GET', '/api/account', { headers: h(freshKey('ve_test_', 'enterprise')) });
    expect(await known(busy)).toBe(true);
    await call(sb.url, 'POST', '/__sandbox/reset', { body: { key: busy } });
  });
});

describe('finished jobs across keys', () => {
  it('beyond the bound the oldest finished jobs of any account are forgotten, files included', async () => {
    await call(sb.url, 'POST', '/__sandbox/reset', { body: {} });
    const done = [];
    for (let i = 0; i < 5; i++) {
      const key = i < 3 ? 've_test_enterprise_fixture01' : freshKey('ve_test_', 'enterprise');
      done.push({ key, job: await render(key) });
    }
    const files = () => readdirSync(join(dataDir, 'phantomflow')).filter((f) => f.endsWith('.mp4'));
    await eventually(() => files().length === 3, 5000, 'three files left');
    for (const [i, { key, job }] of done.entries()) {
      const status = (await call(sb.url, 'GET', `/api/jobs/${job.job_id}`, { headers: h(key) })).status;
      expect(status, `job ${i}`).toBe(i < 2 ? 404 : 200);
    }
  });
});

describe('fault rules', () => {
  it('at most 1000 rules; the next is a 400 saying how to make room', async () => {
    await call(sb.url, 'DELETE', '/__sandbox/faults');
    const rule = { match: { path: '/nowhere' }, action: { latency: 1 } };
    for (let i = 0; i < 1000; i++) expect((await call(sb.url, 'POST', '/__sandbox/faults', { body: rule })).status).toBe(201);
    const over = await call(sb.url, 'POST', '/__sandbox/faults', { body: rule });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toMatch(/at most 1000 fault rules.*DELETE \/__sandbox\/faults/);
    await call(sb.url, 'DELETE', '/__sandbox/faults');
  }, 60_000);
});
