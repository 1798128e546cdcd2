// Reading the values directives take: durations, statuses, error codes.
import { DirectiveError } from '../actions.ts';

/** Longest latency / slow body the sandbox accepts (wall-clock ms). */
export const MAX_DELAY_MS = 120_000;

/** Longest pipeline-stage or webhook delay (sandbox ms; a manual clock skips it). */
export const MAX_STAGE_DELAY_MS = 86_400_000;

const CODE = /^[A-Z][A-Z0-9_]*$/;

/** "2000", "2000ms", "2s", "1.5s" → ms */
export function parseMs(text: string, path: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(text.trim());
  if (!m) throw new DirectiveError(`${path}: expected a duration in milliseconds (e.g. 2000, 2000ms or 2s), got "${text}"`, path);
  const ms = Number(m[1]) * (m[2]?.toLowerCase() === 's' ? 1000 : 1);
  return checkMs(ms, path);
}

export function checkMs(ms: unknown, path: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new DirectiveError(`${path}: expected a non-negative number of milliseconds`, path);
  if (ms > MAX_DELAY_MS) throw new DirectiveError(`${path}: at most ${MAX_DELAY_MS} ms`, path);
  return Math.round(ms);
}

export function checkStageDelay(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new DirectiveError(`${path}: expected a non-negative number of milliseconds`, path);
  if (value > MAX_STAGE_DELAY_MS) throw new DirectiveError(`${path}: at most ${MAX_STAGE_DELAY_MS} ms (a day)`, path);
  return Math.round(value);
}

export function parseStatus(value: unknown, path: string): number {
  const n = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 200 || n > 599) {
    throw new DirectiveError(`${path}: expected an HTTP status from 200 to 599, got ${JSON.stringify(value)}`, path);
  }
  return n;
}

export function parseCode(value: unknown, path: string): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!CODE.test(code)) throw new DirectiveError(`${path}: expected an error code such as INTERNAL_ERROR, got ${JSON.stringify(value)}`, path);
  return code;
}

/** The header value of a directive that needs one. */
export function needValue(name: string, value: string | undefined, path: string): string {
  if (value === undefined || value === '') throw new DirectiveError(`${path}: ${name} needs a value (${name}=…)`, path);
  return value;
}

/** A boolean flag of an action object: absent/false = off, true = on, anything else is an error. */
export function flag(v: Record<string, unknown>, key: string, path: string): boolean {
  const f = v[key];
  if (f === undefined || f === false) return false;
  if (f !== true) throw new DirectiveError(`${path}.${key}: expected true`, `${path}.${key}`);
  return true;
}
