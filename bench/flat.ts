// Costs as work grows, in process: one account submits jobs while a manual clock keeps every job
// queued (nothing renders), so the queue, the clock's timers and the ledger only grow. Reports
// submissions per second and CPU per submission for each step of `step` jobs, then the ledger.
//   node --import tsx bench/flat.ts <checkout root> <max jobs> <step> <time budget s>
// Prints one JSON line. The checkout's own sources are loaded, so "before" runs its own code.
// Traffic goes to 127.0.0.1 only; the loop stops at max jobs or when the time budget is spent.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exchange, load } from './lib/http-load.ts';

const [root = '.', maxArg = '100000', stepArg = '5000', budgetArg = '300'] = process.argv.slice(2);
const max = Number(maxArg);
const step = Number(stepArg);
const budgetMs = Number(budgetArg) * 1000;
const KEY = 've_test_enterprise_flat0001';

const { createSandbox } = (await import(pathToFileURL(join(root, 'src/sandbox.ts')).href)) as typeof import('../src/sandbox.ts');
// The spec bounds the queue for render slots (issue 13: 50 per key, 500 in all, then 429); this
// measures how costs grow with the queue, so it runs on a copy of the spec with those bounds lifted.
const specFile = join(mkdtempSync(join(tmpdir(), 'flat-spec-')), 'phantomflow.yaml');
writeFileSync(specFile, readFileSync(join(root, 'openapi/phantomflow.yaml'), 'utf8').replace(/^(\s+maxQueued(?:PerKey)?:) \d+$/gm, `$1 ${max * 2}`));
const sandbox = createSandbox({ only: ['phantomflow'], specs: [specFile], clock: { mode: 'manual' } });
const { url } = await sandbox.listen(0, '127.0.0.1');
const port = Number(new URL(url).port);

// Enough credits for every job (1 s scenes cost 1 credit each).
const patch = await exchange(port, { method: 'PATCH', path: `/__sandbox/accounts/${KEY}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ balance: 1_000_000_000 }) });
if (patch.status !== 200) throw new Error(`PATCH answered ${patch.status}: ${patch.body}`);

const submit = {
  method: 'POST',
  path: '/api/render',
  headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
  body: JSON.stringify({ width: 64, height: 36, fps: 5, scenes: [{ duration: 1, background: '#204080' }] }),
};
const steps: { queued: number; perSec: number; cpuUsPerJob: number }[] = [];
const started = performance.now();
let queued = 0;
// A short warm-up, not counted.
await load(submit, { port, connections: 4, amount: 500 });
queued += 500;
while (queued < max && performance.now() - started < budgetMs) {
  const cpu0 = process.cpuUsage();
  const r = await load(submit, { port, connections: 4, amount: step });
  const cpu = process.cpuUsage(cpu0);
  if (r.statuses['202'] !== r.count) throw new Error(`submissions answered ${JSON.stringify(r.statuses)}`);
  queued += r.count;
  steps.push({ queued, perSec: Math.round(r.reqPerSec), cpuUsPerJob: Math.round((cpu.user + cpu.system) / r.count) });
  process.stderr.write(`${root}: ${queued} queued, ${Math.round(r.reqPerSec)}/s\n`);
}
const ledger = await exchange(port, { method: 'GET', path: `/__sandbox/accounts/${KEY}/ledger` });
const body = JSON.parse(ledger.body.toString()) as { balance: number; sum: number; balanced: boolean; entries: unknown[]; folded?: number };
const clock = JSON.parse((await exchange(port, { method: 'GET', path: '/__sandbox/clock' })).body.toString()) as { pendingTimers?: number };
console.log(
  JSON.stringify({
    steps,
    queued,
    ledger: { entries: body.entries.length, folded: body.folded ?? 0, balanced: body.balanced, sum: body.sum, balance: body.balance, bytes: ledger.body.length },
    pendingTimers: clock.pendingTimers,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
await sandbox.close();
process.exit(0);
