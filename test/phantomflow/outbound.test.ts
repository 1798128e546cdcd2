// One outbound policy for every URL the sandbox contacts, through the real API: media sources and
// webhooks refuse metadata and link-local addresses in every spelling, private hosts unless the
// user allows them (the refusal names --allow-host), and their network errors do not tell a
// closed port from a filtered one or a port that speaks something else than HTTP.
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { eventually, waitForJob } from '../support/phantomflow.ts';
import { freshKey, startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
const tcp: TcpServer[] = [];
let closedPort = 0;
let silentPort = 0;
let sshPort = 0;

async function listen(onConnection: (s: import('node:net').Socket) => void): Promise<number> {
  const server = createTcpServer(onConnection);
  tcp.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  sb = await startSandbox({ jobs: { queueDelayMs: 0, webhookTimeoutMs: 400 } });
  // A port nobody listens on, one that accepts and says nothing, one that speaks another protocol.
  closedPort = await listen(() => undefined);
  await new Promise<void>((r) => tcp.pop()!.close(() => r()));
  silentPort = await listen(() => undefined);
  sshPort = await listen((s) => s.end('SSH-2.0-OpenSSH_9.0\r\n'));
});
afterAll(async () => {
  await sb.close();
  for (const s of tcp) s.close();
});

async function render(key: string, extra: Record<string, unknown>, element?: Record<string, unknown>) {
  const r = await call(sb.url, 'POST', '/api/render', { headers: { 'x-api-key': key }, body: { width: 64, height: 36, fps: 5, scenes: [{ duration: 0.5, elements: element ? [element] : [] }], ...extra } });
  expect(r.status, r.text).toBe(202);
  return waitForJob(sb.url, key, r.body.job_id, { timeoutMs: 30_000 });
}

describe('media sources', () => {
  it.each(['http://[::a9fe:a9fe]/x.png', 'http://[64:ff9b::a9fe:a9fe]/x.png', 'http://[2002:a9fe:a9fe::1]/x.png', 'http://[::ffff:0:a9fe:a9fe]/x.png', 'http://2852039166/x.png', 'http://0251.0376.0251.0376/x.png'])('%s is refused as metadata', async (src) => {
    const job = await render(freshKey('ve_test_', 'enterprise'), {}, { type: 'image', src });
    expect(job.status).toBe('failed');
    expect(job.error.message).toMatch(/is not allowed: .*cloud metadata address/);
  });

  it('a private host is refused unless allowed, naming the flag', async () => {
    const job = await render(freshKey('ve_test_', 'enterprise'), {}, { type: 'image', src: 'http://10.0.0.7/x.png' });
    expect(job.error.message).toMatch(/10\.0\.0\.7 is a private address; allow it with --allow-host 10\.0\.0\.7/);
  });

  it('a closed port, a silent one and a non-HTTP one fail with the same words', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    const messages: string[] = [];
    for (const port of [closedPort, silentPort, sshPort]) {
      const job = await render(key, {}, { type: 'image', src: `http://127.0.0.1:${port}/x.png` });
      expect(job.status).toBe('failed');
      messages.push(job.error.message.replaceAll(String(port), 'PORT'));
    }
    expect(new Set(messages).size, messages.join('\n')).toBe(1);
    expect(messages[0]).toMatch(/could not be fetched: no HTTP answer from 127\.0\.0\.1:PORT/);
  }, 90_000);
});

describe('webhooks', () => {
  const deliveries = (key: string) => sb.sandbox.apis[0]!.views.webhooks!({ key }).map((d) => d.body as { status: string; attempts: { error?: string; status: number | null }[] });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[::a9fe:a9fe]/hook', 'http://[64:ff9b::a9fe:a9fe]/hook', 'http://[fe80::1]/hook'])('%s is never posted to: failed at once, no retries', async (uri) => {
    const key = freshKey('ve_test_', 'enterprise');
    await render(key, { webhook_uri: uri });
    await eventually(() => deliveries(key)[0]?.status === 'failed', 10_000, 'delivery failed');
    const [d] = deliveries(key);
    expect(d!.attempts).toHaveLength(1);
    expect(d!.attempts[0]!.status).toBeNull();
    expect(d!.attempts[0]!.error).toMatch(/^not allowed: .*(metadata|link-local)/);
  });

  it('a private receiver is refused with the flag named in the delivery log', async () => {
    const key = freshKey('ve_test_', 'enterprise');
    await render(key, { webhook_uri: 'http://192.168.77.1/hook' });
    await eventually(() => deliveries(key)[0]?.status === 'failed', 10_000, 'delivery failed');
    expect(deliveries(key)[0]!.attempts[0]!.error).toMatch(/192\.168\.77\.1 is a private address; allow it with --allow-host 192\.168\.77\.1/);
  });

  it('a closed port, a silent one and a non-HTTP one read the same in the log', async () => {
    const errors: string[] = [];
    for (const port of [closedPort, silentPort, sshPort]) {
      const key = freshKey('ve_test_', 'enterprise');
      await render(key, { webhook_uri: `http://127.0.0.1:${port}/hook` });
      await eventually(() => (deliveries(key)[0]?.attempts.length ?? 0) >= 1, 10_000, 'first attempt');
      errors.push(deliveries(key)[0]!.attempts[0]!.error!.replaceAll(String(port), 'PORT'));
    }
    expect(new Set(errors).size, errors.join('\n')).toBe(1);
  }, 60_000);
});
