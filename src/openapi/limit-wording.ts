// Limits written the way Flask-Limiter (and so Sketchpen) writes them: "10 per 1 day",
// "60 per minute", "5/second". Parsed once at start-up.

export interface WordedLimit {
  limit: number;
  windowSeconds: number;
  /** the canonical wording, as 429 bodies quote it: "10 per 1 day" */
  wording: string;
}

const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

export function parseLimit(text: string): WordedLimit {
  const m = /^\s*(\d+)\s*(?:per|\/)\s*(\d+)?\s*(second|minute|hour|day|month|year)s?\s*$/i.exec(text);
  if (!m) throw new Error(`cannot read rate limit "${text}" (expected e.g. "10 per 1 day")`);
  const count = Number(m[2] ?? 1);
  const unit = m[3]!.toLowerCase();
  return { limit: Number(m[1]), windowSeconds: count * UNITS[unit]!, wording: `${m[1]} per ${count} ${unit}` };
}

export function describeWindow(limit: number, windowSeconds: number): string {
  for (const unit of ['year', 'month', 'day', 'hour', 'minute', 'second']) {
    const size = UNITS[unit]!;
    if (windowSeconds % size === 0) return `${limit} per ${windowSeconds / size} ${unit}`;
  }
  return `${limit} per ${windowSeconds} second`;
}
