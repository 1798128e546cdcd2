// The fault vocabulary and rule matching as pure functions (the HTTP behaviour is tested beside).
import { describe, expect, it } from 'vitest';
import { DirectiveError, parseAction, parseFaultHeader } from '../../src/faults/directives.ts';
import { sampleLatency } from '../../src/faults/plan.ts';
import { parsePrefer } from '../../src/engine/prefer.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { FaultRuleStore, globToRegExp, matches } from '../../src/faults/rules.ts';

describe('directives', () => {
  it('parses the header, case-insensitively, with durations and ranges', () => {
    expect(parseFaultHeader('Latency=2s, error=internal_error')).toEqual({ kind: 'request', latency: { dist: 'fixed', ms: 2000 }, error: 'INTERNAL_ERROR' });
    expect(parseFaultHeader('latency=100..300,slow=1500ms,truncate')).toEqual({ kind: 'request', latency: { dist: 'uniform', min: 100, max: 300 }, slowMs: 1500, truncate: true });
    expect(parseFaultHeader('empty')).toEqual({ kind: 'request', connection: 'empty' });
  });

  it('rejects what it cannot honour, naming the problem', () => {
    for (const bad of ['', 'explode', 'status=700', 'latency=-1', 'latency=999999', 'reset,empty', 'reset,error=INTERNAL_ERROR', 'error=', 'slow=soon']) {
      expect(() => parseFaultHeader(bad), bad).toThrow(DirectiveError);
    }
  });

  it('a rule action is the header as an object (or string), a pipeline or a webhook fault', () => {
    expect(parseAction({ status: 503, latency: { dist: 'lognormal', median: 100, sigma: 0.5 } })).toMatchObject({ kind: 'request', status: 503, latency: { dist: 'lognormal', median: 100, sigma: 0.5 } });
    expect(parseAction('error=FORBIDDEN')).toMatchObject({ kind: 'request', error: 'FORBIDDEN' });
    expect(parseAction({ stage: 'render', fail: 'render_failed' })).toEqual({ kind: 'pipeline', stage: 'render', fail: { code: 'RENDER_FAILED' } });
    expect(parseAction({ webhook: 'duplicate', delay: 5000 })).toEqual({ kind: 'webhook', webhook: ['duplicate', 'delay'], delayMs: 5000 });
    expect(() => parseAction({ webhook: 'explode' })).toThrow(/webhook/);
    expect(() => parseAction({ stage: 'render' })).toThrow(/fail .* or delay/);
    expect(() => parseAction({ stage: 'render', delay: 1e12 })).toThrow(/at most/);
  });

  it('Prefer: only code, example and dynamic are read', () => {
    expect(parsePrefer('code=404, example=missing')).toEqual({ code: 404, example: 'missing' });
    expect(parsePrefer('return=minimal')).toBeUndefined();
    expect(parsePrefer('dynamic=true')).toEqual({ dynamic: true });
  });
});

describe('randomness', () => {
  it('one seed, one stream; latency distributions stay in bounds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom('42');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    a.reseed();
    expect(a.next()).toBe(xs[0]);
    for (let i = 0; i < 200; i++) {
      const u = sampleLatency({ dist: 'uniform', min: 10, max: 20 }, a);
      expect(u).toBeGreaterThanOrEqual(10);
      expect(u).toBeLessThanOrEqual(20);
      expect(sampleLatency({ dist: 'lognormal', median: 100, sigma: 2, max: 500 }, a)).toBeLessThanOrEqual(500);
    }
  });
});

describe('rules', () => {
  it('globs: * inside a segment, ** across', () => {
    expect(globToRegExp('/api/jobs/*').test('/api/jobs/abc')).toBe(true);
    expect(globToRegExp('/api/jobs/*').test('/api/jobs/abc/def')).toBe(false);
    expect(globToRegExp('/api/**').test('/api/v1/videos/1')).toBe(true);
    expect(matches({ path: '/api/jobs/{job_id}' }, { api: 'x', path: '/api/jobs/1', template: '/api/jobs/{job_id}' })).toBe(true);
    expect(matches({ method: 'post' }, { api: 'x', method: 'POST' })).toBe(true);
    expect(matches({ key: 've_test_*' }, { api: 'x' })).toBe(false);
  });

  it('after, times and the counters', () => {
    const store = new FaultRuleStore(new SeededRandom(1));
    const rule = store.add({ action: { status: 500 }, after: 1, times: 2 });
    const fired = Array.from({ length: 5 }, () => store.evaluate('request', { api: 'x' }).length);
    expect(fired).toEqual([0, 1, 1, 0, 0]);
    expect(rule).toMatchObject({ matched: 5, fired: 2 });
  });
});
