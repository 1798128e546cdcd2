// Summaries of repeated measurements: min / median / max of runs, and percentiles of latencies.

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(xs: number[], digits = 0): Spread {
  const f = 10 ** digits;
  const r = (x: number) => Math.round(x * f) / f;
  return { min: r(Math.min(...xs)), median: r(median(xs)), max: r(Math.max(...xs)) };
}

export const fmt = (s: Spread, unit = '') => (s.min === s.max ? `${s.min}${unit}` : `${s.min} / ${s.median} / ${s.max}${unit}`);

/** The p-th percentile (0–100) of latencies (nearest rank). */
export function percentile(values: Float64Array, p: number): number {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
