// `npm run bench:ffmpeg-memory`: peak resident memory of one FFmpeg render, before and after the
// bounds of issue 13 — FFmpeg's own thread choice and no cap, against 2 threads, one decoder
// thread per input and an address-space cap (prlimit). The scripts are the largest the spec's
// per-fidelity caps allow (x-sandbox.renderLimits); what the audit sent (3.6 GB) is now refused
// before it renders, which the table shows too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, overLimit } from '../src/apis/phantomflow/render/cost.ts';
import { createRenderer, type Fidelity, type MovieScript } from '../src/apis/phantomflow/render/index.ts';
import { shippedScriptDefaults } from '../src/apis/phantomflow/script-defaults.ts';
import { memoryLimitAvailable } from '../src/media/ffmpeg.ts';
import { loadSpec } from '../src/openapi/load.ts';
import { ROOT, SPEC_DIR } from '../src/paths.ts';
import { machine } from './machine.ts';

const defaults = shippedScriptDefaults();
const limits = loadSpec(join(SPEC_DIR, 'phantomflow.yaml')).policy.renderLimits!;

const scenes = (count: number, media: number, texts: number): MovieScript['scenes'] =>
  Array.from({ length: count }, (_, i) => ({
    duration: 1,
    background: '#1e293b',
    elements: [
      ...Array.from({ length: media }, (_, k) => (k % 2 ? { type: 'image' as const, src: 'fixtures/media/testpattern.png' } : { type: 'video' as const, src: 'fixtures/media/clip-2s.mp4' })),
      ...Array.from({ length: texts }, (_, k) => ({ type: 'text' as const, text: `Scene ${i} line ${k} `.repeat(4), font_size: 36 })),
    ],
  }));

const cases: { name: string; fidelity: Fidelity; script: MovieScript; render: boolean }[] = [
  { name: 'light, at the caps: 20 scenes × (5 media + 45 text) = 1000 elements, 100 inputs', fidelity: 'light', script: { width: 1920, height: 1080, fps: 30, scenes: scenes(20, 5, 45) }, render: true },
  { name: 'full, at the layer-pixel cap: 3840×2160, 2 scenes × (3 media + 11 text)', fidelity: 'full', script: { width: 3840, height: 2160, fps: 30, scenes: scenes(2, 3, 11) }, render: true },
  { name: "full, the audit's kind: 4096×4096, 100 scenes × 50 elements", fidelity: 'full', script: { width: 4096, height: 4096, fps: 30, scenes: scenes(100, 10, 40) }, render: false },
];

const configs = [
  { name: 'before: FFmpeg default threads, no cap', options: {} },
  { name: 'after: 2 threads, 1 decoder thread per input, address-space cap', options: { threads: 2 } },
];
const capFor = (f: Fidelity) => (f === 'full' ? 4 : 2) * 2 ** 30;

async function main() {
  const out = mkdtempSync(join(tmpdir(), 'bench-mem-'));
  const rows: string[] = [];
  const json: unknown[] = [];
  try {
    for (const c of cases) {
      const cost = costOf(c.script, c.fidelity, defaults);
      const refused = overLimit(cost, limits[c.fidelity], c.fidelity);
      if (!c.render) {
        rows.push(`| ${c.name} | — | — | refused with 400: ${refused?.[1] ?? 'not refused?'} |`);
        json.push({ case: c.name, refused: refused?.[1] ?? null });
        continue;
      }
      if (refused) throw new Error(`${c.name} is over the caps: ${refused[1]}`);
      const measured: { config: string; ms: number; peakRssMB: number | null; ok: boolean; error?: string }[] = [];
      for (const conf of configs) {
        const limited = conf.options.threads !== undefined;
        const renderer = createRenderer({ outputDir: out, ...conf.options, ...(limited ? { memoryLimitBytes: capFor(c.fidelity) } : {}) });
        const t = Date.now();
        const r = await renderer.render(c.script, { jobId: `mem${measured.length}`, fidelity: c.fidelity, timeoutMs: 900_000 });
        measured.push({ config: conf.name, ms: Date.now() - t, peakRssMB: r.ok && r.peakRssBytes ? Math.round(r.peakRssBytes / 2 ** 20) : null, ok: r.ok, ...(r.ok ? {} : { error: r.error.message }) });
        console.log(c.name, conf.name, measured[measured.length - 1]);
      }
      const [before, after] = measured;
      rows.push(`| ${c.name} | ${before!.peakRssMB ?? before!.error} MiB (${(before!.ms / 1000).toFixed(1)} s) | ${after!.peakRssMB ?? after!.error} MiB (${(after!.ms / 1000).toFixed(1)} s), cap ${capFor(c.fidelity) / 2 ** 30} GiB | layer-pixels ${cost.layerPixels.toExponential(2)} |`);
      json.push({ case: c.name, cost, measured });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const at = new Date().toISOString();
  const md = [
    '# FFmpeg memory benchmark',
    '',
    `Run ${at} on ${Object.entries(machine()).map(([k, v]) => `${k} ${v}`).join(', ')}; address-space cap available: ${memoryLimitAvailable ? 'yes (prlimit)' : 'no'}.`,
    '',
    'Peak resident memory (VmHWM, sampled every 100 ms) of the one FFmpeg process of a render, and its wall time on a shared machine.',
    '',
    '| script | before | after | note |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Frame memory grows with layers × output pixels and each input brings a demuxer, a decoder and a thread: the caps bound what a job may ask; threads and the cap bound the process, and a render past the cap fails as RENDER_FAILED instead of taking the machine.',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/ffmpeg-memory.md'), md);
  writeFileSync(join(ROOT, 'bench/results/ffmpeg-memory.json'), JSON.stringify({ at, machine: machine(), results: json }, null, 2) + '\n');
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
