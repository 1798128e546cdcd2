// Helpers for the Sketchpen tests: keys, an error check in Sketchpen's envelope, waiting for a
// video's status over HTTP (advancing a manual clock when there is one), the ledger and fault rules.
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox.ts';
import { call, expectRateHeaders, type Reply } from './http.ts';
import { freshKey } from './sandbox.ts';

/** An enterprise key: no per-minute limit and no route limit, so tests can poll freely. */
export const spKey = (plan = 'enterprise') => freshKey('sk_test_', plan);
export const h = (key: string, extra: Record<string, string> = {}) => ({ 'X-Api-Key': key, ...extra });

/** A Sketchpen error: status, code, a message, request_id = X-Request-ID, rate headers. */
export function expectSpError(r: Reply, status: number, code: string, message?: string | RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body?.error?.code, JSON.stringify(r.body)).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
  if (message !== undefined) expect(r.body.error.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
  expectRateHeaders(r.headers);
}

/** A short, cheap video: silent, low frame rate (renders in a fraction of a second). */
export const CHEAP = { audio_mode: 'none', fps: 4, aspect_ratio: '1:1' } as const;

export async function createVideo(url: string, key: string, body: Record<string, unknown>): Promise<any> {
  const r = await call(url, 'POST', '/api/v1/videos', { headers: h(key), body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** Poll GET /videos/{id} until `done` holds (or a terminal status); advances a manual clock. */
export async function waitVideo(url: string, key: string, id: string, done: (v: any) => boolean, opts: { sandbox?: Sandbox; timeoutMs?: number; stepMs?: number } = {}): Promise<any> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (opts.sandbox?.clock.state().mode === 'manual') opts.sandbox.clock.advance(opts.stepMs ?? 1000);
    const r = await call(url, 'GET', `/api/v1/videos/${id}`, { headers: h(key) });
    if (r.status !== 200) throw new Error(`GET video ${id}: ${r.status} ${r.text}`);
    if (done(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`video ${id} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 40));
  }
}

export const status = (...s: string[]) => (v: any) => s.includes(v.status);
export const terminal = status('completed', 'failed');

export async function approve(url: string, key: string, id: string): Promise<Reply> {
  return call(url, 'POST', `/api/v1/videos/${id}/approve`, { headers: h(key) });
}

/** Create, wait for the script, approve: the video as approve answered it. */
export async function createApproved(url: string, key: string, body: Record<string, unknown>, sandbox?: Sandbox): Promise<any> {
  const v = await createVideo(url, key, body);
  await waitVideo(url, key, v.id, status('refining'), { sandbox });
  const a = await approve(url, key, v.id);
  expect(a.status, a.text).toBe(200);
  return a.body;
}

export async function ledgerOf(url: string, key: string): Promise<{ balance: number; sum: number; balanced: boolean; entries: any[] }> {
  const r = await call(url, 'GET', `/__sandbox/accounts/${key}/ledger`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

/** Net credits the entries about one video add up to (negative: what it cost). */
export const netFor = (entries: any[], ref: string) => entries.filter((e) => e.ref === ref).reduce((n, e) => n + e.amount, 0);

export async function addFault(url: string, rule: Record<string, unknown>): Promise<any> {
  const r = await call(url, 'POST', '/__sandbox/faults', { body: rule });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

export async function patchAccount(url: string, key: string, patch: Record<string, unknown>): Promise<void> {
  const r = await call(url, 'PATCH', `/__sandbox/accounts/${key}`, { body: patch });
  expect(r.status, r.text).toBe(200);
}

/** Fetch a file link as a client would (no key). */
export async function fetchFile(link: string): Promise<{ status: number; type: string | null; bytes: Buffer; body: any }> {
  const res = await fetch(link);
  const bytes = Buffer.from(await res.arrayBuffer());
  let body: any;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), bytes, body };
}
