// The control API's event stream (GET /__sandbox/events) over real sockets: what it announces
// (requests, job transitions, webhook attempts, control changes), filtering, heartbeats, replay on
// reconnect, its bounds (streams, a slow reader's backlog), and that close() ends it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/control/events.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';
import { call } from '../support/http.ts';
import { localServer, tinyScript } from '../support/phantomflow.ts';
import { openEvents } from '../support/events.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 0 } });
});
afterAll(() => sb.close());

describe('what the stream carries', () => {
  it('opens with ready, then one request event per finished vendor request (control traffic not)', async () => {
    const es = await openEvents(sb.url);
    try {
      expect(es.status).toBe(200);
      expect(es.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(es.headers.get('cache-control')).toBe('no-store');
      const ready = await es.next((e) => e.type === 'ready');
      expect(ready.data).toMatchObject({ types: ['request', 'job', 'webhook', 'fault', 'clock', 'account', 'reset'], heartbeatSeconds: 15 });
      const key = freshKey('ve_test_');
      await call(sb.url, 'GET', '/__sandbox/health');
      await call(sb.url, 'GET', '/api/account', { headers: { 'x-api-key': key, 'X-Sandbox-Fault': 'error=INTERNAL_ERROR' } });
      const ev = await es.next((e) => e.type === 'request' && e.data.key === key);
      expect(ev.data).toMatchObject({ method: 'GET', path: '/api/account', api: 'phantomflow', status: 500, errorCode: 'INTERNAL_ERROR', faults: ['header: error=INTERNAL_ERROR'], seq: expect.any(Number) });
      expect(ev.id).toBeGreaterThan(ready.id!);
      // The event is the log's own entry.
      const logged = await call(sb.url, 'GET', `/__sandbox/requests?key=${key}`);
      expect(logged.body.data[0]).toEqual(ev.data);
      expect(es.events.some((e) => e.type === 'request' && e.data.path === '/__sandbox/health')).toBe(false);
    } finally {
      es.close();
    }
  });

  it('job transitions on the sandbox clock and webhook attempts with their faults', async () => {
    const hook = await localServer((_req, res, n) => res.writeHead(n === 1 ? 500 : 200).end());
    const es = await openEvents(sb.url, '/__sandbox/events?types=job,webhook');
    try {
      await es.next((e) => e.type === 'ready');
      const key = freshKey('ve_test_');
      const job = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: tinyScript(1, { webhook_uri: `${hook.url}/hook` }) });
      expect(job.status).toBe(202);
      const id = job.body.job_id;
      const done = await es.next((e) => e.type === 'job' && e.data.id === id && e.data.to === 'completed', 20_000, 'completed');
      const moves = es.events.filter((e) => e.type === 'job' && e.data.id === id).map((e) => [e.data.from, e.data.to]);
      expect(moves).toEqual([
        [null, 'queued'],
        ['queued', 'rendering'],
        ['rendering', 'completed'],
      ]);
      expect(done.data).toMatchObject({ api: 'phantomflow', key, at: expect.any(String) });
      const first = await es.next((e) => e.type === 'webhook' && e.data.subject === id, 10_000, 'first attempt');
      expect(first.data).toMatchObject({ api: 'phantomflow', key, event: 'jobFinished', url: `${hook.url}/hook`, status: 'pending', attempt: { attempt: 1, status: 500, ok: false } });
      // Only the requested types come.
      expect(es.events.every((e) => ['ready', 'job', 'webhook'].includes(e.type))).toBe(true);
    } finally {
      es.close();
      await hook.close();
    }
  });

  it('changes made through the control API: faults, clock, accounts, reset', async () => {
    const s = await startSandbox();
    const es = await openEvents(s.url);
    try {
      await es.next((e) => e.type === 'ready');
      const rule = await call(s.url, 'POST', '/__sandbox/faults', { body: { action: { status: 503 }, times: 1 } });
      expect((await es.next((e) => e.type === 'fault')).data).toMatchObject({ change: 'added', id: rule.body.id, rule: { directives: 'status=503' } });
      await call(s.url, 'DELETE', `/__sandbox/faults/${rule.body.id}`);
      await es.next((e) => e.type === 'fault' && e.data.change === 'deleted' && e.data.id === rule.body.id);
      await call(s.url, 'POST', '/__sandbox/clock', { body: { mode: 'manual' } });
      const adv = await call(s.url, 'POST', '/__sandbox/clock/advance', { body: { seconds: 5 } });
      const clock = await es.next((e) => e.type === 'clock' && e.data.advancedMs === 5000);
      expect(clock.data).toMatchObject({ mode: 'manual', now: adv.body.now });
      const key = freshKey('ve_test_');
      await call(s.url, 'PATCH', `/__sandbox/accounts/${key}`, { body: { balance: 7 } });
      expect((await es.next((e) => e.type === 'account')).data).toMatchObject({ change: 'updated', account: { key, balance: 7 } });
      await call(s.url, 'POST', '/__sandbox/reset', { body: { key } });
      expect((await es.next((e) => e.type === 'reset')).data).toMatchObject({ scope: 'account', key });
      // A request the control API refuses changes nothing and announces nothing.
      await call(s.url, 'POST', '/__sandbox/faults', { body: { action: { explode: true } } });
      await call(s.url, 'GET', '/__sandbox/health');
      expect(es.events.filter((e) => e.type === 'fault')).toHaveLength(2);
    } finally {
      es.close();
      await s.close();
    }
  });

  it('rejects unknown event types with the failing field', async () => {
    const r = await call(sb.url, 'GET', '/__sandbox/events?types=request,nope');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path: 'types' });
    expect(r.body.error.message).toContain('"nope"');
  });
});

describe('a stream over time', () => {
  it('sends heartbeats with wall and sandbox time', async () => {
    const es = await openEvents(sb.url, '/__sandbox/events?heartbeat=1&types=clock');
    try {
      const beat = await es.next((e) => e.type === 'heartbeat', 5_000, 'heartbeat');
      expect(Date.parse(beat.data.at)).toBeGreaterThan(Date.now() - 5_000);
      expect(typeof beat.data.now).toBe('string');
    } finally {
      es.close();
    }
  });

  it('a client reconnecting with Last-Event-ID gets what it missed, or a resync when that is gone', async () => {
    const s = await startSandbox({ events: { recent: 4 } });
    try {
      const first = await openEvents(s.url);
      const ready = await first.next((e) => e.type === 'ready');
      const key = freshKey('ve_test_');
      await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
      const seen = await first.next((e) => e.type === 'request');
      first.close();
      await call(s.url, 'GET', '/api/jobs', { headers: { 'x-api-key': key } });
      await call(s.url, 'GET', '/api/render/schema', { headers: { 'x-api-key': key } });
      const again = await openEvents(s.url, '/__sandbox/events', { 'Last-Event-ID': String(seen.id) });
      const replayed = await again.next((e) => e.type === 'ready');
      expect(again.events.filter((e) => e.type === 'request').map((e) => e.data.path)).toEqual(['/api/jobs', '/api/render/schema']);
      expect(again.events.indexOf(replayed)).toBe(2);
      again.close();
      // More than the bus keeps (4 frames): the gap cannot be replayed.
      for (let i = 0; i < 6; i++) await call(s.url, 'GET', '/api/account', { headers: { 'x-api-key': key } });
      const late = await openEvents(s.url, '/__sandbox/events', { 'Last-Event-ID': String(ready.id) });
      const resync = await late.next((e) => e.type === 'resync');
      expect(resync.data).toMatchObject({ lastEventId: ready.id });
      expect(late.events.some((e) => e.type === 'request')).toBe(false);
      late.close();
    } finally {
      await s.close();
    }
  });

  it('serves a bounded number of streams (429 past it) and close() ends every stream', async () => {
    const s = await startSandbox({ events: { maxSubscribers: 2 } });
    const a = await openEvents(s.url);
    const b = await openEvents(s.url);
    await a.next((e) => e.type === 'ready');
    await b.next((e) => e.type === 'ready');
    const third = await call(s.url, 'GET', '/__sandbox/events');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('TOO_MANY_STREAMS');
    expect(third.headers.get('retry-after')).toBe('5');
    expect(s.sandbox.events.stats().subscribers).toBe(2);
    const started = Date.now();
    await s.close();
    await Promise.all([a.ended, b.ended]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('a slow reader', () => {
  /** A real Writable whose consumer never reads: write() reports backpressure, 'drain' never comes. */
  const stuck = () => {
    const w = new Writable({ highWaterMark: 1024, write: (_chunk, _enc, _done) => undefined });
    return w;
  };

  it('costs at most its backlog cap; the dropped events are counted and announced once it drains', async () => {
    const bus = new EventBus({ maxQueuedBytes: 8 * 1024, lingerMs: 0 });
    const out = stuck();
    const written: string[] = [];
    const write = out.write.bind(out);
    out.write = ((chunk: any, ...rest: any[]) => (written.push(String(chunk)), write(chunk, ...rest))) as typeof out.write;
    bus.subscribe(out);
    const payload = { text: 'x'.repeat(200) };
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      bus.publish('request', { i, ...payload });
      peak = Math.max(peak, bus.stats().queuedBytes);
    }
    expect(peak).toBeLessThanOrEqual(8 * 1024);
    const stats = bus.stats();
    expect(stats.dropped).toBeGreaterThan(4500);
    expect(stats.lastEventId).toBe(5000);
    // Node's own buffer holds what was written before backpressure, no more.
    expect(out.writableLength).toBeLessThan(4 * 1024);
    // The reader catches up: it is told how much it missed, then gets what was queued.
    const before = written.length;
    out.emit('drain');
    expect(written[before]).toMatch(/^event: overflow\ndata: \{"dropped":\d+/);
    bus.close();
  });

  it('a sandbox with a never-reading client over a real socket keeps serving, its memory bounded', async () => {
    const s = await startSandbox({ events: { maxQueuedBytes: 16 * 1024 } });
    try {
      const { connect } = await import('node:net');
      const port = new URL(s.url).port;
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write('GET /__sandbox/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      socket.pause(); // never read
      const key = freshKey('ve_test_enterprise_');
      // ~12 KiB events, ~10 MiB in all: more than the kernel's socket buffers hold (a few MiB).
      const long = `/api/jobs/${'z'.repeat(12_000)}`;
      let peak = 0;
      for (let i = 0; i < 40; i++) {
        await Promise.all(Array.from({ length: 20 }, () => fetch(s.url + long, { headers: { 'x-api-key': key } }).then((r) => r.arrayBuffer())));
        peak = Math.max(peak, s.sandbox.events.stats().queuedBytes);
      }
      const stats = s.sandbox.events.stats();
      expect(stats.dropped, 'the socket pushed back').toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(16 * 1024);
      expect(stats.subscribers).toBe(1);
      const ok = await call(s.url, 'GET', '/__sandbox/health');
      expect(ok.status).toBe(200);
      socket.destroy();
    } finally {
      await s.close();
    }
  }, 120_000);
});
