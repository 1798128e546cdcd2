// The benchmark's markdown: every figure of the goals, before and after, met or not; then each
// section's detail. Reads what run.ts measured; judges nothing that was not measured.
import type { ProfileSummary } from './lib/profile.ts';
import { fmt, type Spread } from './lib/stats.ts';
import type { Build } from './lib/targets.ts';
import type { RendersResult } from './sections/renders.ts';
import type { SoakResult } from './sections/soak.ts';
import type { StartupResult } from './sections/startup.ts';
import type { TargetSummary } from './sections/throughput.ts';

interface FlatResult {
  steps: { queued: number; perSec: number; cpuUsPerJob: number }[];
  queued: number;
  ledger: { entries: number; folded: number; balanced: boolean; bytes: number };
  pendingTimers?: number;
  rssMiB: number;
}

interface Section<T> {
  at: string;
  builds: Build[];
  result: T;
}

export interface Results {
  at: string;
  machine: Record<string, string | number>;
  loadAverage: Record<string, number[]>;
  builds: Build[];
  sections: {
    throughput?: Section<{ seconds: number; rounds: number; connections: number; summaries: TargetSummary[]; ratios: Record<string, Record<string, Spread | undefined>> }>;
    startup?: Section<Record<string, StartupResult>>;
    flat?: Section<Record<string, FlatResult>>;
    renders?: Section<RendersResult>;
    soak?: Section<Record<string, SoakResult>>;
    profile?: Section<Record<string, ProfileSummary>>;
  };
}

const pct = (s: Spread | undefined) => (s ? fmt({ min: Math.round(s.min * 100), median: Math.round(s.median * 100), max: Math.round(s.max * 100) }, '%') : 'n/a');
const times = (s: Spread | undefined) => (s ? fmt(s, '×') : 'n/a');
const ms = (us: Spread) => fmt({ min: us.min / 1000, median: us.median / 1000, max: us.max / 1000 }, ' ms');
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

/**
 * Flat: CPU per job of the last three steps (median) within 1.25× of the first three's. Wall-clock
 * rate on a shared machine swings with the neighbours' load, so it is reported, not judged.
 */
export function flatness(f: FlatResult): { rateRatio: number; cpuRatio: number; flat: boolean } {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const head = f.steps.slice(0, 3);
  const tail = f.steps.slice(-3);
  const rateRatio = Math.round((med(tail.map((s) => s.perSec)) / med(head.map((s) => s.perSec))) * 100) / 100;
  const cpuRatio = Math.round((med(tail.map((s) => s.cpuUsPerJob)) / med(head.map((s) => s.cpuUsPerJob))) * 100) / 100;
  return { rateRatio, cpuRatio, flat: cpuRatio <= 1.25 };
}

export function report(r: Results): string {
  const names = r.builds.map((b) => b.name);
  const tp = r.sections.throughput?.result;
  const find = (target: string, scenario: string) => tp?.summaries.find((s) => s.target === target && s.scenario === scenario);
  const rows: { figure: string; goal: string; cells: Record<string, string>; met?: boolean; why?: string }[] = [];
  const newest = names[names.length - 1]!;
  const prof = r.sections.profile?.result;
  const whereTime = (scenario: string) => {
    const p = prof?.[scenario];
    return p ? ` Profile (${scenario}): ${p.byFunction.slice(0, 5).map((x) => `\`${x.fn}\` ${x.pct}%`).join(', ')}.` : '';
  };
  const load = (section: string) => (r.loadAverage[section] ? ` Load average ${r.loadAverage[section]!.join('→')} on 2 cores.` : '');

  if (tp) {
    const q = (b: string) => tp.ratios[b];
    rows.push({
      figure: `GET /api/jobs/{id}, ${tp.connections} conns: × Prism / % of bare`,
      goal: '≥ 10× / ≥ 50%',
      cells: Object.fromEntries(names.map((b) => [b, `${times(q(b)?.jobVsPrism)} / ${pct(q(b)?.jobVsBare)}`])),
      met: q(newest)?.jobVsPrism !== undefined && q(newest)!.jobVsPrism!.median >= 10 && q(newest)!.jobVsBare!.median >= 0.5,
    });
    rows.push({
      figure: `Sketchpen GET /api/v1/videos/{id} (stateful, a video in refining), ${tp.connections} conns: % of bare`,
      goal: '≥ 50% (as the jobs row; beside the issue\'s table)',
      cells: Object.fromEntries(names.map((b) => [b, pct(q(b)?.videoVsBare)])),
      met: q(newest)?.videoVsBare === undefined ? undefined : q(newest)!.videoVsBare!.median >= 0.5,
      why: `The video's view is large (script, scenes, signed links) and built and serialised on every read: CPU per request ${fmt(find(`sandbox ${newest}`, 'video')?.cpuUsPerReq ?? { min: 0, median: 0, max: 0 })} µs against the bare server's ${fmt(find('bare node:http', 'video')?.cpuUsPerReq ?? { min: 0, median: 0, max: 0 })} µs.${whereTime('video')}`,
    });
    rows.push({
      figure: 'invalid POST /api/render (400): % of bare',
      goal: '≥ 40%',
      cells: Object.fromEntries(names.map((b) => [b, pct(q(b)?.invalidVsBare)])),
      met: (q(newest)?.invalidVsBare?.median ?? 0) >= 0.4,
    });
    const mocked = (b: string) => find(`sandbox ${b}`, 'mocked');
    rows.push({
      figure: 'mocked Sketchpen operation: req/s, CPU per request (% of bare). Every Sketchpen operation has a handler, so this is what the mocker answers: GET /api/v1/themes with `Prefer: code=200`',
      goal: '≥ 7,000 req/s (≤ 143 µs CPU per request: 7,000/s on one core)',
      cells: Object.fromEntries(names.map((b) => [b, `${fmt(mocked(b)!.reqPerSec)} req/s, ${fmt(mocked(b)!.cpuUsPerReq)} µs (${pct(q(b)?.mockedVsBare)})`])),
      met: (mocked(newest)?.reqPerSec.median ?? 0) >= 7000,
      why: `Wall-clock throughput on a shared machine: the bare server itself reached ${fmt(find('bare node:http', 'mocked')?.reqPerSec ?? { min: 0, median: 0, max: 0 })} req/s on this run. The sandbox's CPU per request, ${fmt(mocked(newest)?.cpuUsPerReq ?? { min: 0, median: 0, max: 0 })} µs, is what decides it on a quiet core (≤ 143 µs allows 7,000/s).${whereTime('mocked')}${load('throughput')}`,
    });
    const p99Of = ['job', 'video', 'invalid', 'mocked'] as const;
    const bareP99 = p99Of.map((sc) => find('bare node:http', sc)?.p99Us.median).filter((x): x is number => x !== undefined);
    rows.push({
      figure: `p99 at ${tp.connections} connections (${p99Of.join(' / ')}); the bare server's on the same run: ${bareP99.map((x) => `${x / 1000} ms`).join(' / ')}`,
      goal: '≤ 2 ms',
      cells: Object.fromEntries(names.map((b) => [b, p99Of.map((s) => { const f = find(`sandbox ${b}`, s); return f ? ms(f.p99Us) : 'n/a'; }).join(' / ')])),
      met: (find(`sandbox ${newest}`, 'job')?.p99Us.median ?? Infinity) <= 2000,
      why: (() => {
        const me = find(`sandbox ${newest}`, 'job');
        const bare = find('bare node:http', 'job');
        if (!me || !bare) return undefined;
        return (
          `With ${tp.connections} connections in a closed loop the server is saturated (its main thread is busy ~97% of the time), so a response waits for the others in flight and latency goes with CPU per request: the sandbox's p50 for a job is ${ms(me.p50Us)} at ${fmt(me.cpuUsPerReq)} µs per request, the bare server's ${ms(bare.p50Us)} at ${fmt(bare.cpuUsPerReq)} µs (p99 ${ms(bare.p99Us)}). ` +
          'The tail comes as stalls that hold every request in flight at once: a probe on a quiet machine counted about 15 a second of 3–4 ms. Young-generation collections make about 6 of them a second (2–2.5 ms each, `--trace-gc`); the rest is the main thread sharing two cores with the load generator and V8\'s helper threads. ' +
          'Two changes aimed at the collections were measured and left out because neither moved the p99 beyond the noise: a young generation four times larger (`--max-semi-space-size=64`, fewer but not shorter scavenges) and packing each request-log entry into one Buffer (a fifth of the JS heap per entry, but the Buffer pool\'s churn brought more full collections). A p99 of 2 ms at saturation needs roughly half the CPU per request.' +
          load('throughput')
        );
      })(),
    });
  }
  const st = r.sections.startup?.result;
  if (st) {
    rows.push({
      figure: `\`npm start\` to first 200 (in process); \`npm start\` of a bare node:http server on the same run: ${st[newest] ? fmt(st[newest].npmBareMs, ' ms') : 'n/a'}`,
      goal: '≤ 300 ms',
      cells: Object.fromEntries(names.map((b) => [b, st[b] ? `${fmt(st[b].npmStartMs, ' ms')} (${fmt(st[b].inProcessFirst200Ms, ' ms')})${st[b].rebuilt.some(Boolean) ? ', rebuilds' : ''}` : 'n/a'])),
      met: st[newest] ? st[newest].npmStartMs.median <= 300 : undefined,
      why: st[newest]
        ? `${st[newest].rebuilt.some(Boolean) ? 'A start rebuilt the bundle' : 'No start rebuilt the bundle'}; \`npm start\` of a server that does nothing but answer took ${fmt(st[newest].npmBareMs, ' ms')} on the same run: npm and node's boot alone set that floor, so the sandbox's own share of its ${fmt(st[newest].npmStartMs, ' ms')} is the difference (medians: ${Math.round(st[newest].npmStartMs.median - st[newest].npmBareMs.median)} ms). In its own process the sandbox answers its first 200 at ${fmt(st[newest].inProcessFirst200Ms, ' ms')}, node's boot included; the bundle and its dependencies are evaluated by ${fmt(st[newest].inProcessImportMs, ' ms')}. All of it is CPU-bound and scales with the machine's load.${load('startup')}`
        : undefined,
    });
    rows.push({
      figure: `first request to a mocked operation: at the first 200 / ${st[newest]?.laterMs ?? 2000} ms later`,
      goal: '≤ 50 ms',
      cells: Object.fromEntries(names.map((b) => [b, st[b] ? `${fmt(st[b].mockedAtFirst200Ms, ' ms')} / ${fmt(st[b].mockedLaterMs, ' ms')}` : 'n/a'])),
      met: st[newest] ? st[newest].mockedLaterMs.median <= 50 : undefined,
      why: st[newest]
        ? `Both are answered from the cache (the answers kept from the last start, loaded on first use); at the first 200 it took ${fmt(st[newest].mockedAtFirst200Ms, ' ms')}. The later one lands in the deferred start-up work (the remaining validators compiled between requests on the main thread, Prism loading in its worker), which on a loaded two-core machine leaves the main thread little CPU.${load('startup')}`
        : undefined,
    });
  }
  const fl = r.sections.flat?.result;
  if (fl) {
    const cell = (f: FlatResult | undefined) => {
      if (!f) return 'n/a';
      const first = f.steps[0]!;
      const last = f.steps[f.steps.length - 1]!;
      return `${first.perSec}/s (${first.cpuUsPerJob} µs) at ${first.queued.toLocaleString('en')} → ${last.perSec}/s (${last.cpuUsPerJob} µs) at ${last.queued.toLocaleString('en')}`;
    };
    rows.push({
      figure: 'job submissions/s (CPU per job) on one account, as jobs queue up',
      goal: 'flat to 100k queued',
      cells: Object.fromEntries(names.map((b) => [b, cell(fl[b])])),
      met: fl[newest] ? fl[newest].queued >= 100_000 && flatness(fl[newest]).flat : undefined,
    });
    rows.push({
      figure: 'credit ledger of that account',
      goal: 'bounded, sum still provable',
      cells: Object.fromEntries(names.map((b) => [b, fl[b] ? `${fl[b].ledger.entries.toLocaleString('en')} entries after ${fl[b].queued.toLocaleString('en')} jobs (${fl[b].ledger.folded.toLocaleString('en')} folded), balanced: ${fl[b].ledger.balanced}` : 'n/a'])),
      met: fl[newest] ? fl[newest].ledger.entries <= 1001 && fl[newest].ledger.balanced : undefined,
    });
  }
  const rd = r.sections.renders?.result;
  if (rd) {
    rows.push({
      figure: `${rd.jobs} renders through the API vs the same FFmpeg argv run directly: throughput (end to end, with the 1 s queued hold; CPU per render)`,
      goal: '≥ 0.95×',
      cells: Object.fromEntries(names.map((b) => [b, rd.api[b] ? `${times(rd.api[b].ratio)} (${times(rd.api[b].endToEndRatio)}; CPU ${times(rd.api[b].cpuRatio)})` : 'n/a'])),
      met: rd.api[newest] ? rd.api[newest].ratio.median >= 0.95 : undefined,
      why: rd.api[newest] ? `CPU per render against direct FFmpeg: ${times(rd.api[newest].cpuRatio)}; wall-clock ratios of 20 renders swing with the neighbours' load.${load('renders')}` : undefined,
    });
  }

  const lines: string[] = [
    '# Benchmark: the sandbox against its performance goals',
    '',
    `Run ${r.at} on ${Object.entries(r.machine).map(([k, v]) => `${k} ${v}`).join(', ')}. Builds: ${r.builds.map((b) => `**${b.name}** ${b.commit}`).join(', ')}.`,
    `The machine is shared: the 1-minute load average was ${Object.entries(r.loadAverage).map(([k, v]) => `${v.join('→')} (${k})`).join(', ')} on 2 cores, so wall-clock figures (req/s, p99, start-up) are depressed and noisy; CPU per request is the steadier comparison. Method: decision 040.`,
    'Figures are min / median / max over interleaved rounds; a goal is judged on the median of the newest build.',
    '',
    `| figure | goal | ${names.join(' | ')} | |`,
    `|---|---|${names.map(() => '---|').join('')}---|`,
    ...rows.map((row) => `| ${row.figure} | ${row.goal} | ${names.map((b) => row.cells[b] ?? 'n/a').join(' | ')} | ${verdict(row.met)} |`),
    '',
  ];
  const missed = rows.filter((row) => row.met === false);
  if (missed.length) {
    lines.push('## Goals missed on this run, and why', '', ...missed.map((row) => `- **${row.figure.split(':')[0]}**: ${row.why ?? 'no explanation measured.'}`), '');
  }

  if (tp) {
    lines.push(
      `## Throughput and latency`,
      '',
      `${tp.rounds} interleaved rounds of ${tp.seconds} s per target and scenario, ${tp.connections} keep-alive connections, load generator on the same machine (bench/lib/http-load.ts; every response timed). Server CPU from /proc (user + system, all threads).`,
      '',
      '| scenario | target | req/s | CPU µs / request | p50 | p99 |',
      '|---|---|---|---|---|---|',
      ...tp.summaries.map((s) => `| ${s.scenario} | ${s.target} | ${fmt(s.reqPerSec)} | ${fmt(s.cpuUsPerReq)} | ${ms(s.p50Us)} | ${ms(s.p99Us)} |`),
      '',
    );
  }
  if (st) {
    lines.push(
      '## Start-up',
      '',
      '| build | `npm start` → first 200 | `npm start` of a bare server | in process → first 200 | bundle evaluated | first mocked request at first 200 | … later |',
      '|---|---|---|---|---|---|---|',
      ...names.filter((b) => st[b]).map((b) => `| ${b} | ${fmt(st[b]!.npmStartMs, ' ms')} | ${fmt(st[b]!.npmBareMs, ' ms')} | ${fmt(st[b]!.inProcessFirst200Ms, ' ms')} | ${fmt(st[b]!.inProcessImportMs, ' ms')} | ${fmt(st[b]!.mockedAtFirst200Ms, ' ms')} | ${fmt(st[b]!.mockedLaterMs, ' ms')} |`),
      '',
    );
  }
  if (fl) {
    lines.push('## Growth: submissions as jobs queue up (in process, manual clock)', '');
    for (const b of names.filter((n) => fl[n])) {
      const f = fl[b]!;
      const fz = flatness(f);
      lines.push(
        `**${b}**: ${f.queued.toLocaleString('en')} jobs queued, ${f.pendingTimers ?? '?'} clock timers pending, RSS ${f.rssMiB} MiB; the last three steps ran at ${fz.rateRatio}× the first three's rate and ${fz.cpuRatio}× their CPU per job (medians). Ledger: ${f.ledger.entries} entries (${f.ledger.folded} folded), ${Math.round(f.ledger.bytes / 1024)} KiB as JSON, balanced ${f.ledger.balanced}.`,
        '',
        `| queued | submissions/s | CPU µs / job |`,
        '|---|---|---|',
        ...f.steps.map((s) => `| ${s.queued.toLocaleString('en')} | ${s.perSec} | ${s.cpuUsPerJob} |`),
        '',
      );
    }
  }
  if (rd) {
    lines.push(
      '## Renders',
      '',
      `${rd.jobs} jobs at once from one key; direct FFmpeg runs ${rd.concurrency} at a time (one per core), the sandbox as many as its work semaphore lets one key hold (by default one per core, with a spare slot kept for other keys). Direct FFmpeg: ${fmt(rd.directMs, ' ms')}, ${fmt(rd.directCpuMs, ' ms')} of CPU. The sandbox's CPU is its own and its children's (FFmpeg, ffprobe), from /proc.`,
      '',
      '| build | first start → last completion | × direct | first submission → last completion | × direct | CPU | direct ÷ sandbox CPU |',
      '|---|---|---|---|---|---|---|',
      ...names.filter((b) => rd.api[b]).map((b) => `| ${b} | ${fmt(rd.api[b]!.renderingMs, ' ms')} | ${times(rd.api[b]!.ratio)} | ${fmt(rd.api[b]!.endToEndMs, ' ms')} | ${times(rd.api[b]!.endToEndRatio)} | ${fmt(rd.api[b]!.cpuMs, ' ms')} | ${times(rd.api[b]!.cpuRatio)} |`),
      '',
    );
  }
  const sk = r.sections.soak?.result;
  if (sk) {
    lines.push('## Memory soak', '');
    for (const b of names.filter((n) => sk[n])) {
      const s = sk[b]!;
      lines.push(
        `**${b}**: ${s.accounts} PhantomFlow and ${s.accounts} Sketchpen accounts, ${s.templates} templates, ${s.jobs} real renders, ${s.requests} requests. RSS idle ${s.idleMiB} MiB; ${s.samples.map(([a, m]) => `${a}: ${m}`).join(', ')} MiB; after the jobs ${s.finalMiB} MiB (${s.slopeMiBPer1000} MiB per 1,000 accounts over the second half).`,
        '',
      );
    }
  }
  const pr = r.sections.profile?.result;
  if (pr) {
    lines.push('## Where the time goes (node --cpu-prof, newest build, self time, idle excluded)', '');
    for (const [scenario, p] of Object.entries(pr)) {
      lines.push(
        `**${scenario}** (${p.totalMs} ms profiled, start-up included): ${p.byPlace.slice(0, 10).map((x) => `${x.place} ${x.pct}%`).join(', ')}.`,
        '',
        'Top functions: ' + p.byFunction.slice(0, 10).map((x) => `\`${x.fn}\` ${x.pct}%`).join(', ') + '.',
        '',
      );
    }
  }
  return lines.join('\n');
}
