// The fault catalogue (src/faults/catalogue/, one file per directive) through the two grammars of
// directives.ts: each directive from the X-Sandbox-Fault header and from a rule's action object,
// described back as the header would say it, and header → describe → header round trips.
import { describe, expect, it } from 'vitest';
import {
  DirectiveError,
  describeAction,
  MAX_DELAY_MS,
  MAX_STAGE_DELAY_MS,
  parseAction,
  parseFaultHeader,
  type FaultAction,
  type RequestFaultAction,
} from '../../src/faults/directives.ts';
import { REQUEST_DIRECTIVES } from '../../src/faults/catalogue/index.ts';

/** The DirectiveError a parse throws, or a failure when it does not throw one. */
function refusal(run: () => unknown): DirectiveError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DirectiveError);
    return err as DirectiveError;
  }
  throw new Error('expected a DirectiveError');
}

// One row per request directive: the header text, the equal action object, the parsed action and
// its description. Every directive of the catalogue appears (checked below).
const cases: { directive: string; header: string; object: Record<string, unknown>; action: Omit<RequestFaultAction, 'kind'>; described: string }[] = [
  { directive: 'latency', header: 'latency=250', object: { latency: 250 }, action: { latency: { dist: 'fixed', ms: 250 } }, described: 'latency=250' },
  { directive: 'latency', header: 'latency=1.5s', object: { latency: '1.5s' }, action: { latency: { dist: 'fixed', ms: 1500 } }, described: 'latency=1500' },
  { directive: 'latency', header: 'delay=100..300', object: { latency: { dist: 'uniform', min: 100, max: 300 } }, action: { latency: { dist: 'uniform', min: 100, max: 300 } }, described: 'latency=100..300' },
  { directive: 'latency', header: 'latency=lognormal(200,0.8)', object: { latency: { dist: 'lognormal', median: 200, sigma: 0.8 } }, action: { latency: { dist: 'lognormal', median: 200, sigma: 0.8, max: 120_000 } }, described: 'latency=lognormal(200,0.8)' },
  { directive: 'latency', header: 'latency=lognormal(150, 0.5, 2000)', object: { latency: { dist: 'lognormal', median: 150, sigma: 0.5, max: 2000 } }, action: { latency: { dist: 'lognormal', median: 150, sigma: 0.5, max: 2000 } }, described: 'latency=lognormal(150,0.5,2000)' },
  { directive: 'latency', header: 'latency=100-300', object: { latency: '100..300' }, action: { latency: { dist: 'uniform', min: 100, max: 300 } }, described: 'latency=100..300' },
  { directive: 'error', header: 'error=rate_limit_exceeded', object: { error: 'RATE_LIMIT_EXCEEDED' }, action: { error: 'RATE_LIMIT_EXCEEDED' }, described: 'error=RATE_LIMIT_EXCEEDED' },
  { directive: 'status', header: 'status=503', object: { status: 503 }, action: { status: 503 }, described: 'status=503' },
  { directive: 'status', header: 'status=201', object: { status: '201' }, action: { status: 201 }, described: 'status=201' },
  { directive: 'connection', header: 'reset', object: { reset: true }, action: { connection: 'reset' }, described: 'reset' },
  { directive: 'connection', header: 'empty', object: { empty: true }, action: { connection: 'empty' }, described: 'empty' },
  { directive: 'malformed', header: 'malformed', object: { malformed: true }, action: { malformed: true }, described: 'malformed' },
  { directive: 'truncate', header: 'truncate', object: { truncate: true }, action: { truncate: true }, described: 'truncate' },
  { directive: 'slow', header: 'slow=2s', object: { slow: 2000 }, action: { slowMs: 2000 }, described: 'slow=2000' },
  { directive: 'slow', header: 'slow=750ms', object: { slow: '750ms' }, action: { slowMs: 750 }, described: 'slow=750' },
];

describe('request directives, one by one', () => {
  it('every directive of the catalogue has a case here', () => {
    const covered = new Set(cases.map((c) => c.header.split('=')[0]!));
    for (const d of REQUEST_DIRECTIVES) expect(d.header.some((name) => covered.has(name)), d.header.join('/')).toBe(true);
  });

  it.each(cases)('$header: header and object form give the same action, described as "$described"', ({ header, object, action, described }) => {
    const expected = { kind: 'request', ...action };
    expect(parseFaultHeader(header)).toEqual(expected);
    expect(parseAction(object)).toEqual(expected);
    // A rule's action may also be the header string itself.
    expect(parseAction(header)).toEqual(expected);
    expect(describeAction(parseFaultHeader(header))).toBe(described);
    expect(describeAction(parseAction(object))).toBe(described);
  });

  it('header names are case-insensitive, spaces around parts ignored, empty parts skipped', () => {
    expect(parseFaultHeader(' LATENCY = 20 ,, Truncate ,')).toEqual({ kind: 'request', latency: { dist: 'fixed', ms: 20 }, truncate: true });
  });

  it('error: a message only in the object form; codes must look like codes', () => {
    expect(parseAction({ error: 'INTERNAL_ERROR', message: 'the database is on fire' })).toEqual({ kind: 'request', error: 'INTERNAL_ERROR', message: 'the database is on fire' });
    expect(refusal(() => parseAction({ error: 'INTERNAL_ERROR', message: 42 }))).toMatchObject({ path: 'action.message' });
    expect(refusal(() => parseFaultHeader('error=not a code')).message).toContain('expected an error code such as INTERNAL_ERROR');
    expect(refusal(() => parseFaultHeader('error')).message).toBe('X-Sandbox-Fault: error needs a value (error=…)');
    expect(refusal(() => parseAction({ error: 7 }))).toMatchObject({ path: 'action.error' });
  });

  it('status: 200 to 599 only', () => {
    expect(parseFaultHeader('status=200').status).toBe(200);
    expect(parseFaultHeader('status=599').status).toBe(599);
    for (const bad of ['status=199', 'status=600', 'status=5xx', 'status=50']) expect(refusal(() => parseFaultHeader(bad)).message).toMatch(/expected an HTTP status from 200 to 599/);
    expect(refusal(() => parseAction({ status: 404.5 }))).toMatchObject({ path: 'action.status' });
  });

  it('latency: bounds, ranges, distributions, and the refusals naming their path', () => {
    expect(parseFaultHeader(`latency=${MAX_DELAY_MS}`).latency).toEqual({ dist: 'fixed', ms: MAX_DELAY_MS });
    expect(refusal(() => parseFaultHeader(`latency=${MAX_DELAY_MS + 1}`)).message).toBe(`X-Sandbox-Fault latency: at most ${MAX_DELAY_MS} ms`);
    expect(refusal(() => parseFaultHeader('latency=300..100')).message).toContain('min (300) is above max (100)');
    expect(refusal(() => parseFaultHeader('latency=soon')).message).toContain('expected a duration in milliseconds');
    expect(parseAction({ latency: { dist: 'lognormal', median: 80 } })).toEqual({ kind: 'request', latency: { dist: 'lognormal', median: 80, sigma: 0.5, max: MAX_DELAY_MS } });
    expect(describeAction(parseAction({ latency: { dist: 'lognormal', median: 80, sigma: 1 } }))).toBe('latency=lognormal(80,1)');
    expect(refusal(() => parseAction({ latency: { dist: 'lognormal', median: 80, sigma: 9 } }))).toMatchObject({ path: 'action.latency.sigma' });
    expect(refusal(() => parseAction({ latency: { dist: 'poisson' } }))).toMatchObject({ path: 'action.latency.dist' });
    expect(refusal(() => parseAction({ latency: { dist: 'uniform', min: 1 } }))).toMatchObject({ path: 'action.latency.max' });
    expect(refusal(() => parseAction({ latency: [100] }))).toMatchObject({ path: 'action.latency' });
  });

  it('connection: reset and empty exclude each other and everything that needs a response', () => {
    expect(refusal(() => parseFaultHeader('reset,empty')).message).toContain('reset and empty exclude each other');
    expect(refusal(() => parseAction({ reset: true, empty: true })).message).toContain('exclude each other');
    // reset twice is still reset
    expect(parseFaultHeader('reset,reset')).toEqual({ kind: 'request', connection: 'reset' });
    for (const other of ['error=INTERNAL_ERROR', 'status=500', 'malformed', 'truncate', 'slow=100']) {
      expect(refusal(() => parseFaultHeader(`empty,${other}`)).message).toContain('closes the connection before any response, so it cannot be combined with');
    }
    // Latency before a reset is fine: the wait happens, then the connection breaks.
    expect(parseFaultHeader('latency=50,reset')).toEqual({ kind: 'request', latency: { dist: 'fixed', ms: 50 }, connection: 'reset' });
  });

  it('flags in the object form take true (false means off), nothing else', () => {
    expect(parseAction({ truncate: true, malformed: false })).toEqual({ kind: 'request', truncate: true });
    for (const key of ['reset', 'empty', 'malformed', 'truncate']) expect(refusal(() => parseAction({ [key]: 'yes' }))).toMatchObject({ path: `action.${key}` });
  });

  it('unknown directives and empty actions are refused, listing what exists', () => {
    expect(refusal(() => parseFaultHeader('explode')).message).toMatch(/unknown directive "explode"; use error=CODE, status=NNN, latency=MS/);
    expect(refusal(() => parseAction({ explode: true, status: 500 }))).toMatchObject({ path: 'action.explode', message: expect.stringMatching(/unknown directive explode; use latency, error, message, status, reset, empty, malformed, truncate, slow/) });
    expect(refusal(() => parseFaultHeader('')).message).toContain('no fault directive given');
    expect(refusal(() => parseAction({})).message).toContain('no fault directive given');
    expect(refusal(() => parseAction({ message: 'only a message' })).message).toContain('no fault directive given');
    expect(refusal(() => parseAction(null)).message).toBe('action: expected an object');
    expect(refusal(() => parseAction([1])).message).toBe('action: expected an object');
  });
});

describe('pipeline and webhook faults (object form only)', () => {
  it('stage: fail with a code (and message), delay, or both; described back', () => {
    const both = parseAction({ stage: 'render', fail: 'render_failed', message: 'FFmpeg crashed', delay: 1500 });
    expect(both).toEqual({ kind: 'pipeline', stage: 'render', fail: { code: 'RENDER_FAILED', message: 'FFmpeg crashed' }, delayMs: 1500 });
    expect(describeAction(both)).toBe('stage=render,fail=RENDER_FAILED,delay=1500');
    expect(describeAction(parseAction({ stage: '*', delay: 0 }))).toBe('stage=*,delay=0');
    expect(describeAction(parseAction({ stage: 'audio', fail: 'INTERNAL_ERROR' }))).toBe('stage=audio,fail=INTERNAL_ERROR');
    // Stage delays run on the sandbox clock, so they may be far longer than a request's latency.
    expect(parseAction({ stage: 'render', delay: MAX_STAGE_DELAY_MS })).toMatchObject({ delayMs: MAX_STAGE_DELAY_MS });
  });

  it('stage: refusals name their path', () => {
    expect(refusal(() => parseAction({ stage: 'render' })).message).toBe('action: a pipeline fault needs fail (a code) or delay (ms)');
    expect(refusal(() => parseAction({ stage: 'ren der', delay: 1 }))).toMatchObject({ path: 'action.stage' });
    expect(refusal(() => parseAction({ stage: 'render', fail: 'x y' }))).toMatchObject({ path: 'action.fail' });
    expect(refusal(() => parseAction({ stage: 'render', fail: 'X', message: 3 }))).toMatchObject({ path: 'action.message' });
    expect(refusal(() => parseAction({ stage: 'render', delay: -1 }))).toMatchObject({ path: 'action.delay' });
    expect(refusal(() => parseAction({ stage: 'render', delay: MAX_STAGE_DELAY_MS + 1 }))).toMatchObject({ path: 'action.delay' });
    expect(refusal(() => parseAction({ stage: 'render', delay: 1, status: 500 }))).toMatchObject({ path: 'action.status' });
  });

  it.each([
    [{ webhook: 'drop' }, { webhook: ['drop'] }, 'webhook=drop'],
    [{ webhook: 'duplicate' }, { webhook: ['duplicate'] }, 'webhook=duplicate'],
    [{ webhook: 'reorder' }, { webhook: ['reorder'] }, 'webhook=reorder'],
    [{ webhook: 'bad_signature' }, { webhook: ['bad_signature'] }, 'webhook=bad_signature'],
    [{ webhook: 'delay', delay: 5000 }, { webhook: ['delay'], delayMs: 5000 }, 'webhook=delay,delay=5000'],
    [{ webhook: ['duplicate', 'bad_signature', 'duplicate'] }, { webhook: ['duplicate', 'bad_signature'] }, 'webhook=duplicate+bad_signature'],
    [{ webhook: 'reorder', delay: 100 }, { webhook: ['reorder', 'delay'], delayMs: 100 }, 'webhook=reorder+delay,delay=100'],
  ])('webhook %j', (object, action, described) => {
    const parsed = parseAction(object);
    expect(parsed).toEqual({ kind: 'webhook', ...action });
    expect(describeAction(parsed)).toBe(described);
  });

  it('webhook: refusals name their path', () => {
    expect(refusal(() => parseAction({ webhook: 'explode' }))).toMatchObject({ path: 'action.webhook', message: expect.stringContaining('expected drop, duplicate, reorder, bad_signature, delay') });
    expect(refusal(() => parseAction({ webhook: ['drop', 'explode'] }))).toMatchObject({ path: 'action.webhook.1' });
    expect(refusal(() => parseAction({ webhook: [] }))).toMatchObject({ path: 'action.webhook' });
    expect(refusal(() => parseAction({ webhook: 'delay' }))).toMatchObject({ path: 'action.delay', message: expect.stringContaining('needs delay') });
    expect(refusal(() => parseAction({ webhook: 'drop', times: 2 }))).toMatchObject({ path: 'action.times' });
  });

  it('a custom path prefix is used in every message (rules name their index)', () => {
    expect(refusal(() => parseAction({ webhook: 'explode' }, 'rules.3.action'))).toMatchObject({ path: 'rules.3.action.webhook' });
    expect(refusal(() => parseFaultHeader('status=9', 'header'))).toMatchObject({ path: 'header status' });
  });
});

describe('header → describe → header', () => {
  const headers = [
    'latency=200',
    'delay=2s',
    'latency=100..500',
    'error=INTERNAL_ERROR',
    'status=502',
    'error=RATE_LIMIT_EXCEEDED,status=503',
    'latency=50,error=NOT_FOUND',
    'reset',
    'latency=1000,empty',
    'malformed',
    'truncate',
    'slow=1500',
    'status=200,malformed',
    'error=INTERNAL_ERROR,malformed,truncate',
    'latency=10..20,status=500,slow=300',
    'latency=lognormal(200,0.8),status=503',
    'error=INTERNAL_ERROR,latency=lognormal(50,1.2,900)',
    // the order written does not matter; the description has one canonical order
    'slow=100,truncate,error=FORBIDDEN,latency=5',
  ];

  it.each(headers)('%s', (header) => {
    const action = parseFaultHeader(header);
    const described = describeAction(action);
    expect(parseFaultHeader(described)).toEqual(action);
    // The description is a fixed point: describing it again gives the same text.
    expect(describeAction(parseFaultHeader(described))).toBe(described);
  });

  it('the description lists directives in the catalogue’s order', () => {
    expect(describeAction(parseFaultHeader('slow=100,truncate,error=FORBIDDEN,latency=5'))).toBe('latency=5,error=FORBIDDEN,truncate,slow=100');
  });

  it('object actions describe to a header that parses back to the same action (except a lognormal latency)', () => {
    const objects: Record<string, unknown>[] = [{ latency: 30, status: 504 }, { error: 'FORBIDDEN', truncate: true }, { empty: true, latency: { dist: 'uniform', min: 1, max: 2 } }, { slow: 40, malformed: true }];
    for (const o of objects) {
      const action = parseAction(o) as FaultAction;
      expect(parseFaultHeader(describeAction(action)), JSON.stringify(o)).toEqual(action);
    }
  });
});
