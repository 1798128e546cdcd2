// `npm run bench:soak`: the sandbox's resident memory under traffic that used to grow it without
// bound — 50,000 accounts (each provisioned by its first request) and 10,000 templates, then
// 10,000 more templates from new accounts — against the `npm start` build in its own process,
// sampled from /proc. Bounded stores (x-sandbox.bounds) should make RSS level off.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../src/paths.ts';
import { machine } from './machine.ts';

const ACCOUNTS = Number(process.env.BENCH_SOAK_ACCOUNTS ?? 50_000);
const TEMPLATES = Number(process.env.BENCH_SOAK_TEMPLATES ?? 10_000);
const PER_OWNER = 100;
const CONCURRENCY = 16;
const SAMPLE_EVERY = 5_000;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function start(): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'serve', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** Run `count` operations, CONCURRENCY at a time, sampling RSS every SAMPLE_EVERY. */
async function drive(label: string, count: number, op: (i: number) => Promise<number>, pid: number, samples: { phase: string; done: number; rssMiB: number }[], statuses: Map<string, number>): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const status = await op(i);
      const k = `${label} ${status}`;
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
      done++;
      if (done % SAMPLE_EVERY === 0 || done === count) samples.push({ phase: label, done, rssMiB: Math.round(rssOf(pid) / 2 ** 20) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main() {
  const { url, pid, stop } = await start();
  const samples: { phase: string; done: number; rssMiB: number }[] = [{ phase: 'start', done: 0, rssMiB: Math.round(rssOf(pid) / 2 ** 20) }];
  const statuses = new Map<string, number>();
  const script = (i: number) => ({ scenes: [{ duration: 2, background: '#112233', elements: [{ type: 'text', text: `Template ${i}: {{headline}}`, font_size: 48 }, { type: 'image', src: 'fixtures/media/testpattern.png', position: 'top-right' }] }] });
  const createTemplate = (prefix: string) => async (i: number) => {
    const key = `ve_test_enterprise_${prefix}${Math.floor(i / PER_OWNER).toString().padStart(6, '0')}`;
    const r = await fetch(`${url}/api/templates`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ name: `t${i}`, script: script(i), is_public: i % 10 === 0 }) });
    await r.arrayBuffer();
    return r.status;
  };
  const started = Date.now();
  try {
    await drive('templates (100 accounts × 100)', TEMPLATES, createTemplate('soaka'), pid, samples, statuses);
    await drive('new accounts', ACCOUNTS, async (i) => {
      const r = await fetch(`${url}/api/account`, { headers: { 'x-api-key': `ve_test_soak_account_${i.toString().padStart(7, '0')}` } });
      await r.arrayBuffer();
      return r.status;
    }, pid, samples, statuses);
    await drive('templates from new accounts', TEMPLATES, createTemplate('soakb'), pid, samples, statuses);
    await new Promise((r) => setTimeout(r, 2000));
    samples.push({ phase: 'idle 2 s after', done: 0, rssMiB: Math.round(rssOf(pid) / 2 ** 20) });
  } finally {
    stop();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const at = new Date().toISOString();
  const accountSamples = samples.filter((s) => s.phase === 'new accounts');
  const firstBoundHit = accountSamples.find((s) => s.done >= 10_000);
  const last = accountSamples[accountSamples.length - 1];
  const md = [
    '# Soak benchmark',
    '',
    `Run ${at} on ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}; ${seconds} s.`,
    '',
    `The \`npm start\` build in its own process, ${CONCURRENCY} clients on 127.0.0.1. ${TEMPLATES} templates (100 accounts × 100, ~300 bytes each), then ${ACCOUNTS} new accounts (one request each provisions one), then ${TEMPLATES} templates from 100 further accounts. Bounds from x-sandbox.bounds: 10,000 provisioned accounts (least recently used forgotten with what they own), 100 templates per account, 20,000 templates and 64 MiB of templates in all. Resident memory (VmRSS) of the sandbox process.`,
    '',
    '| phase | operations done | RSS |',
    '|---|---|---|',
    ...samples.map((s) => `| ${s.phase} | ${s.done} | ${s.rssMiB} MiB |`),
    '',
    `Answers: ${[...statuses].map(([k, n]) => `${k}: ${n}`).join('; ')}.`,
    '',
    firstBoundHit && last ? `From the 10,000th account (the bound) to the ${ACCOUNTS}th, RSS went from ${firstBoundHit.rssMiB} MiB to ${last.rssMiB} MiB.` : '',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/soak-latest.md'), md);
  writeFileSync(join(ROOT, 'bench/results/soak-latest.json'), JSON.stringify({ at, machine: machine(), seconds, samples, statuses: Object.fromEntries(statuses) }, null, 2) + '\n');
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
