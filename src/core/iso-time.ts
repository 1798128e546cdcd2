// ISO 8601 strings of sandbox times, cached. The views of stored objects (jobs, templates, ledger
// entries) show the same few timestamps on every read, and Date#toISOString is a noticeable part
// of answering GET /api/jobs/{id}. A direct-mapped cache: bounded, O(1), nothing to invalidate
// (a time's string never changes; a slot simply holds the last time that mapped to it).

const SIZE = 1024; // a power of two
const keys = new Float64Array(SIZE).fill(NaN);
const values: string[] = new Array<string>(SIZE);

export function isoTime(ms: number): string {
  const slot = ms & (SIZE - 1);
  if (keys[slot] === ms) return values[slot]!;
  const text = new Date(ms).toISOString();
  keys[slot] = ms;
  values[slot] = text;
  return text;
}
