// A V8 CPU profile (node --cpu-prof) summarised: self time by where the code lives (our files by
// path, dependencies by package, node's internals, GC, idle) and by function.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface ProfileSummary {
  totalMs: number;
  /** share of busy time (idle excluded), percent */
  byPlace: { place: string; ms: number; pct: number }[];
  byFunction: { fn: string; ms: number; pct: number }[];
}

function placeOf(url: string, fn: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (internals)';
  const own = /\/(src|dist|bench)\/(.*)$/.exec(url);
  if (own) return own[1] === 'dist' ? 'dist/cli.js (bundle)' : `${own[1]}/${own[2]}`;
  return url || `(${fn})`;
}

export function summarise(file: string, top = Number(process.env.PROFILE_TOP ?? 15)): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const places = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url ? `${place}:${lineNumber + 1}` : ''}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ k, ms: Math.round(us / 100) / 10, pct: Math.round((us / busy) * 1000) / 10 }));
  return {
    totalMs: Math.round(total / 1000),
    byPlace: rank(places).map(({ k, ms, pct }) => ({ place: k, ms, pct })),
    byFunction: rank(fns).map(({ k, ms, pct }) => ({ fn: k, ms, pct })),
  };
}
