// latency=MS | MIN..MAX | lognormal(MEDIAN,SIGMA[,MAX]) | {dist: fixed | uniform | lognormal, …}:
// wait before processing the request. Every form a rule is described in parses back.
import { DirectiveError, type LatencySpec, type RequestDirective } from '../actions.ts';
import { checkMs, MAX_DELAY_MS, needValue, parseMs } from './values.ts';

function uniform(min: number, max: number, path: string): LatencySpec {
  checkMs(min, path);
  checkMs(max, path);
  if (min > max) throw new DirectiveError(`${path}: min (${min}) is above max (${max})`, path);
  return { dist: 'uniform', min, max };
}

/** A latency: ms, "100..500" (uniform), or {dist, …}. */
export function parseLatency(value: unknown, path: string): LatencySpec {
  if (typeof value === 'number') return { dist: 'fixed', ms: checkMs(value, path) };
  if (typeof value === 'string') {
    const range = /^\s*(\d+)\s*(?:\.\.|-)\s*(\d+)\s*$/.exec(value);
    if (range) return uniform(Number(range[1]), Number(range[2]), path);
    const lognormal = /^\s*lognormal\((.*)\)\s*$/i.exec(value);
    if (lognormal) {
      const args = lognormal[1]!.split(',').map((x) => x.trim());
      const num = (x: string | undefined) => (x === undefined || x === '' || !Number.isFinite(Number(x)) ? x : Number(x));
      if (args.length < 1 || args.length > 3) throw new DirectiveError(`${path}: expected lognormal(MEDIAN,SIGMA[,MAX]), got ${JSON.stringify(value)}`, path);
      return parseLatency({ dist: 'lognormal', median: num(args[0]), sigma: num(args[1]), max: num(args[2]) }, path);
    }
    return { dist: 'fixed', ms: parseMs(value, path) };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DirectiveError(`${path}: expected milliseconds or {"dist": "fixed" | "uniform" | "lognormal", …}`, path);
  }
  const v = value as Record<string, unknown>;
  switch (v.dist ?? 'fixed') {
    case 'fixed':
      return { dist: 'fixed', ms: checkMs(v.ms, `${path}.ms`) };
    case 'uniform':
      return uniform(checkMs(v.min, `${path}.min`), checkMs(v.max, `${path}.max`), path);
    case 'lognormal': {
      const median = checkMs(v.median ?? v.ms, `${path}.median`);
      const sigma = v.sigma ?? 0.5;
      if (typeof sigma !== 'number' || !(sigma >= 0) || sigma > 5) throw new DirectiveError(`${path}.sigma: expected a number from 0 to 5`, `${path}.sigma`);
      const max = v.max === undefined ? MAX_DELAY_MS : checkMs(v.max, `${path}.max`);
      return { dist: 'lognormal', median, sigma, max };
    }
    default:
      throw new DirectiveError(`${path}.dist: expected fixed, uniform or lognormal, got ${JSON.stringify(v.dist)}`, `${path}.dist`);
  }
}

export const latency: RequestDirective = {
  header: ['latency', 'delay'],
  keys: ['latency'],
  fromHeader(action, name, value, path) {
    action.latency = parseLatency(needValue(name, value, path), `${path} latency`);
  },
  fromObject(action, v, path) {
    if (v.latency !== undefined) action.latency = parseLatency(v.latency, `${path}.latency`);
  },
  describe(a) {
    const l = a.latency;
    if (!l) return undefined;
    if (l.dist === 'fixed') return `latency=${l.ms}`;
    if (l.dist === 'uniform') return `latency=${l.min}..${l.max}`;
    return `latency=lognormal(${l.median},${l.sigma}${l.max !== undefined && l.max !== MAX_DELAY_MS ? `,${l.max}` : ''})`;
  },
};
