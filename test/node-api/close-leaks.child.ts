// Run in a child process by close-leaks.test.ts (a clean process to count in): start three
// sandboxes, leave each busy — keep-alive connections, a request waiting out an injected latency,
// a body dribbling out, a render with FFmpeg running, a job holding in its queue, a webhook waiting
// to be retried, Sketchpen's Flite speech children started by a narrated video and its callback
// POSTed to a receiver that never answers — close them all, and report what is left against what
// there was before.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { runningProcesses } from '../../src/media/ffmpeg.ts';
import { startSandbox } from '../../src/node-api/start.ts';

const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort();
const fds = () => readdirSync('/proc/self/fd').length;
/** Processes whose parent is this one (FFmpeg, ffprobe). */
const children = () =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    });
/** Of those, Sketchpen's Flite speech children (node processes run with --expose-gc). */
const fliteChildren = () => children().filter((p) => {
  try {
    return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('--expose-gc');
  } catch {
    return false;
  }
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A webhook receiver that always fails, so deliveries wait for their retry; it stays up throughout.
const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(500).end()));
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
// A callback receiver that reads the request and never answers: Sketchpen's delivery is in flight at close.
let hung = 0;
const silent = createServer((req) => req.resume().on('end', () => hung++));
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
const silentHook = `http://127.0.0.1:${(silent.address() as { port: number }).port}/callback`;
await sleep(50);

const before = { resources: resources(), fds: fds(), children: children().length };

const longScript = { width: 1280, height: 720, scenes: [{ duration: 120, background: '#123456', elements: [{ type: 'text', text: 'busy', font_size: 60 }] }] };
const quickScript = { scenes: [{ duration: 1, elements: [{ type: 'text', text: 'x' }] }] };
const sandboxes = await Promise.all([1, 2, 3].map(() => startSandbox({ jobs: { queueDelayMs: 0 }, media: { fidelity: 'full' } })));
const dirs = sandboxes.map((sb) => sb.sandbox.dataDir);
const inflight: Promise<unknown>[] = [];
for (const [i, sb] of sandboxes.entries()) {
  const key = `ve_test_leaks_${process.pid}_${i}`;
  const h = { 'x-api-key': key, 'content-type': 'application/json' };
  // keep-alive connections, a Prism-mocked operation, a fault rule
  await fetch(`${sb.url}/api/account`, { headers: h }).then((r) => r.text());
  await fetch(`${sb.urls.sketchpen}/themes`, { headers: { 'X-Api-Key': `sk_test_leaks_${process.pid}_${i}` } }).then((r) => r.text());
  await sb.faults.use({ match: { key: `${key}_late` }, action: { latency: 60_000 } });
  // a finished job whose webhook waits for its retry
  await fetch(`${sb.url}/api/render`, { method: 'POST', headers: { ...h, 'x-api-key': `${key}_hook` }, body: JSON.stringify({ ...quickScript, webhook_uri: hook }) }).then((r) => r.text());
  // requests in flight at close: a 60 s latency and a body dribbled out over 60 s
  inflight.push(fetch(`${sb.url}/api/account`, { headers: { 'x-api-key': `${key}_late` } }).then((r) => r.text()).catch((e: Error) => e.message));
  inflight.push(fetch(`${sb.url}/api/render/schema`, { headers: { ...h, 'X-Sandbox-Fault': 'slow=60000' } }).then((r) => r.text()).catch((e: Error) => e.message));
  // Sketchpen: a narrated video (its creation starts the Flite children) whose script fails, so
  // its video.failed callback goes to the receiver that never answers.
  const sp = { 'X-Api-Key': `sk_test_leaks_${process.pid}_${i}`, 'content-type': 'application/json' };
  await fetch(`${sb.urls.sketchpen}/callbacks`, { method: 'POST', headers: sp, body: JSON.stringify({ url: silentHook, event: 'video.failed' }) }).then((r) => r.text());
  await sb.faults.use({ match: { api: 'sketchpen', key: sp['X-Api-Key'] }, action: { stage: 'scripting', fail: 'AI_TIMEOUT' }, times: 1 });
  await fetch(`${sb.urls.sketchpen}/videos`, { method: 'POST', headers: sp, body: JSON.stringify({ prompt: 'Leaks', audio_mode: 'single' }) }).then((r) => r.text());
}
// Wait (bounded) until every sandbox has a webhook waiting for its retry, then start a long
// render in each and wait until their FFmpeg runs: it is still running at close.
let pendingRetries = 0;
for (let i = 0; i < 300 && (pendingRetries < 3 || hung < 3); i++) {
  const lists = await Promise.all(sandboxes.map((sb) => sb.webhooks.list()));
  pendingRetries = lists.filter((l) => l.data.some((d) => d.status === 'pending' && d.attempts.length >= 1)).length;
  await sleep(100);
}
for (const [i, sb] of sandboxes.entries()) {
  const h = { 'x-api-key': `ve_test_leaks_${process.pid}_${i}`, 'content-type': 'application/json' };
  await fetch(`${sb.url}/api/render`, { method: 'POST', headers: h, body: JSON.stringify(longScript) }).then((r) => r.text());
}
for (let i = 0; i < 300 && (runningProcesses() < 3 || fliteChildren().length < 3); i++) await sleep(50);
const busy = { ffmpeg: runningProcesses(), flite: fliteChildren().length, callbacksInFlight: hung, children: children().length, pendingRetries, dirs: dirs.filter(existsSync).length, inTmp: dirs.every((d) => dirname(d) === tmpdir()), resources: resources().length };
const ports = sandboxes.map((sb) => sb.port);

const started = performance.now();
await Promise.all(sandboxes.map((sb) => sb.close()));
const closeMs = performance.now() - started;
const settled = await Promise.all(inflight);

// Client-side sockets notice the closed connections a tick later; allow a bounded moment.
let after = resources();
for (let i = 0; i < 20 && after.join() !== before.resources.join(); i++) {
  await sleep(25);
  after = resources();
}
const refused = await Promise.all(
  ports.map(
    (port) =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      }),
  ),
);
const report = {
  before,
  busy,
  closeMs: Math.round(closeMs),
  inflight: settled,
  after: { resources: after, fds: fds(), children: children().length, ffmpeg: runningProcesses(), flite: fliteChildren().length },
  leftDirs: dirs.filter(existsSync),
  refused,
};
receiver.close();
silent.closeAllConnections();
silent.close();
console.log(JSON.stringify(report));
