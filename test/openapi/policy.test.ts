// x-sandbox and the other x- extensions are checked at load: each bad block below must be refused
// with an error that names where the problem is. The blocks start from the real documents, so a
// refusal is caused by the one change made, not by a hand-written fixture being incomplete.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load as parseYaml } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExtensions } from '../../src/openapi/extensions.ts';
import { loadSpec } from '../../src/openapi/load.ts';
import { readPolicy, SpecError } from '../../src/openapi/policy.ts';
import { SPEC_DIR } from '../../src/paths.ts';

const documents = {
  phantomflow: parseYaml(readFileSync(join(SPEC_DIR, 'phantomflow.yaml'), 'utf8')) as Record<string, any>,
  sketchpen: parseYaml(readFileSync(join(SPEC_DIR, 'sketchpen.yaml'), 'utf8')) as Record<string, any>,
};

/** readPolicy's error for PhantomFlow's x-sandbox changed by `change` ('' when it is accepted). */
function policyError(change: (x: Record<string, any>) => void, from: keyof typeof documents = 'phantomflow'): string {
  const x = structuredClone(documents[from]['x-sandbox']);
  change(x);
  try {
    readPolicy(x, 'bad.yaml');
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message;
  }
}

describe('readPolicy refuses bad x-sandbox blocks, naming the place', () => {
  it('accepts the real blocks unchanged (so every refusal below is the change’s doing)', () => {
    expect(policyError(() => {})).toBe('');
    expect(policyError(() => {}, 'sketchpen')).toBe('');
  });

  it.each([
    ['credits.rouding', (x: any) => (x.credits.rouding = 'floor'), 'x-sandbox.credits.rouding is not a known key'],
    ['webhooks.retryDelaySeconds', (x: any) => (x.webhooks.retryDelaySeconds = [1, 2]), 'x-sandbox.webhooks.retryDelaySeconds is not a known key'],
    ['auth.headr', (x: any) => (x.auth.headr = 'x-api-key'), 'x-sandbox.auth.headr is not a known key'],
    ['a catalogue entry’s mesage', (x: any) => (x.errors.catalogue.NOT_FOUND.mesage = 'x'), 'x-sandbox.errors.catalogue.NOT_FOUND.mesage is not a known key'],
    ['a plan’s requestsPerMinut', (x: any) => (x.plans.catalogue.free.requestsPerMinut = 5), 'x-sandbox.plans.catalogue.free.requestsPerMinut is not a known key'],
    ['a top-level rateLimits', (x: any) => (x.rateLimits = {}), 'x-sandbox.rateLimits is not a known key'],
  ])('a typo’d key (%s) is refused at its object', (_name, change, expected) => {
    const message = policyError(change);
    expect(message).toContain('bad.yaml: invalid x-sandbox block');
    expect(message).toContain(expected);
  });

  // Ajv reports an unknown key at its parent; the policy reader names the key itself.
  it('a typo’d key is named in the error (x-sandbox.credits.rouding)', () => {
    expect(policyError((x) => (x.credits.rouding = 'floor'))).toContain('credits.rouding');
  });

  it('a value outside its enum, a negative retry delay, an unreadable regex, a status below 400', () => {
    expect(policyError((x) => (x.credits.rounding = 'up'))).toContain('x-sandbox.credits.rounding must be one of "ceil", "round", "floor"');
    expect(policyError((x) => (x.webhooks.retryDelaysSeconds = [30, -1]))).toContain('x-sandbox.webhooks.retryDelaysSeconds.1 must be >= 0');
    expect(policyError((x) => (x.webhooks.timeoutSeconds = 0))).toContain('x-sandbox.webhooks.timeoutSeconds must be > 0');
    expect(policyError((x) => (x.auth.testKeyPattern = '^ve_test_['))).toContain('x-sandbox.auth.testKeyPattern must match format "regex"');
    expect(policyError((x) => (x.errors.catalogue.NOT_FOUND.status = 200))).toContain('x-sandbox.errors.catalogue.NOT_FOUND.status must be >= 400');
    expect(policyError((x) => (x.errors.catalogue['not-a-code'] = { status: 400, message: 'x' }))).toContain('x-sandbox.errors.catalogue');
    expect(policyError((x) => (x.plans.catalogue.free.requestsPerMinute = 0))).toContain('x-sandbox.plans.catalogue.free.requestsPerMinute must be >= 1');
    expect(policyError((x) => (x.webhooks.signature = { header: 'X-Sig', algorithm: 'md5' }))).toContain('x-sandbox.webhooks.signature.algorithm must be one of "hmac-sha256"');
  });

  it('rounding without perSecond, an empty credits block, a missing required block', () => {
    expect(policyError((x) => (x.credits = { rounding: 'floor' }))).toMatch(/x-sandbox\.credits must have property perSecond when property rounding is present/);
    expect(policyError((x) => (x.credits = {}))).toContain('x-sandbox.credits must NOT have fewer than 1 properties');
    expect(policyError((x) => delete x.auth)).toContain("x-sandbox must have required property 'auth'");
    expect(policyError((x) => delete x.auth.errors.missing)).toContain("x-sandbox.auth.errors must have required property 'missing'");
  });

  it('every problem is listed, one per line', () => {
    const message = policyError((x) => {
      x.credits.rounding = 'up';
      x.webhooks.retryDelaysSeconds = [-5];
    });
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['x-sandbox.credits.rounding must be one of "ceil", "round", "floor"', 'x-sandbox.webhooks.retryDelaysSeconds.0 must be >= 0']));
  });

  it('a missing or non-object block', () => {
    expect(() => readPolicy(undefined, 'none.yaml')).toThrow(/none\.yaml: invalid x-sandbox block:\s+x-sandbox must be object/);
    expect(() => readPolicy('x', 'str.yaml')).toThrow(SpecError);
  });

  it('the default plan must be in the catalogue', () => {
    expect(policyError((x) => (x.plans.default = 'gold'))).toBe('bad.yaml: x-sandbox.plans.default "gold" is not in plans.catalogue');
  });

  it('every code the block uses must be in the catalogue, all missing ones named', () => {
    expect(policyError((x) => delete x.errors.catalogue.RATE_LIMIT_EXCEEDED)).toBe('bad.yaml: codes used by x-sandbox but missing from errors.catalogue: RATE_LIMIT_EXCEEDED');
    const both = policyError((x) => {
      x.auth.errors.revoked = 'KEY_REVOKED';
      x.concurrency.code = 'TOO_BUSY';
    });
    expect(both).toMatch(/missing from errors\.catalogue: .*KEY_REVOKED/);
    expect(both).toContain('TOO_BUSY');
    // Also the ones with defaults: a validation.missingRequired code, Sketchpen's bearer error.
    expect(policyError((x) => (x.validation.missingRequired = 'MISSING_FIELD'))).toContain('MISSING_FIELD');
    expect(policyError((x) => (x.auth.bearer.error = 'BAD_TOKEN'), 'sketchpen')).toContain('BAD_TOKEN');
  });
});

describe('the timing, stages and files blocks (Sketchpen declares them)', () => {
  it('a timing default that is no profile, a range that ends before it starts, a negative hold, a typo', () => {
    expect(policyError((x) => (x.timing.default = 'slow'), 'sketchpen')).toContain('x-sandbox.timing.default "slow" is not in timing.profiles');
    expect(policyError((x) => (x.timing.profiles.realistic.scripting = [30, 10]), 'sketchpen')).toContain('x-sandbox.timing.profiles.realistic.scripting: the range [30, 10] ends before it starts');
    expect(policyError((x) => (x.timing.profiles.fast.scripting = -1), 'sketchpen')).toContain('x-sandbox.timing.profiles.fast.scripting');
    expect(policyError((x) => (x.timing.profile = 'fast'), 'sketchpen')).toContain('x-sandbox.timing.profile is not a known key');
  });

  it('a stage needs a state and codes; a files error must be in the catalogue', () => {
    expect(policyError((x) => delete x.stages.image.state, 'sketchpen')).toContain("x-sandbox.stages.image must have required property 'state'");
    expect(policyError((x) => (x.stages.image.errors = ['oops']), 'sketchpen')).toContain('x-sandbox.stages.image.errors.0');
    expect(policyError((x) => (x.stages.image.error = 'X'), 'sketchpen')).toContain('x-sandbox.stages.image.error is not a known key');
    expect(policyError((x) => (x.files.signedUrls.error = 'GONE'), 'sketchpen')).toContain('missing from errors.catalogue: GONE');
    expect(policyError((x) => (x.files.signedUrls.ttl = 5), 'sketchpen')).toContain('x-sandbox.files.signedUrls.ttl is not a known key');
  });

  it('read as declared', () => {
    const sp = readPolicy(documents.sketchpen['x-sandbox'], 'sketchpen.yaml');
    expect(sp.timing).toMatchObject({ default: 'fast', profiles: { realistic: { scripting: [10, 30] } } });
    expect(sp.stages?.render).toEqual({ state: 'rendering', errors: ['RENDER_TIMEOUT', 'INTERNAL_ERROR'] });
    expect(sp.files).toEqual({ signedUrls: { ttlSeconds: 604800, error: 'FORBIDDEN' } });
    expect(readPolicy(documents.phantomflow['x-sandbox'], 'phantomflow.yaml')).toMatchObject({ timing: undefined, stages: undefined, files: undefined });
  });
});

describe('readPolicy normalises what it accepted', () => {
  it('defaults: header lower-cased, fallbacks for unset auth codes, request id header, signature encoding', () => {
    const x = structuredClone(documents.phantomflow['x-sandbox']);
    delete x.auth.errors.live;
    delete x.auth.errors.disabled;
    delete x.auth.errors.revoked;
    delete x.errors.requestId;
    delete x.credits.rounding;
    x.auth.header = 'X-API-Key';
    x.webhooks.signature = { header: 'X-Sig', algorithm: 'hmac-sha256' };
    const p = readPolicy(x, 'ok.yaml');
    expect(p.auth.header).toBe('x-api-key');
    expect(p.auth.errors).toMatchObject({ live: 'UNAUTHORIZED', revoked: 'UNAUTHORIZED', disabled: 'UNAUTHORIZED' });
    expect(p.errors.requestId).toEqual({ header: 'X-Request-ID', headerLower: 'x-request-id', field: undefined });
    expect(p.credits).toEqual({ perSecond: 1, rounding: 'ceil' });
    expect(p.webhooks.signature).toEqual({ header: 'X-Sig', algorithm: 'hmac-sha256', encoding: 'hex' });
    expect(p.auth.testKeyPattern.test('ve_test_abcdefgh')).toBe(true);
    expect(p.auth.testKeyPattern.test('ve_test_short')).toBe(false);
  });

  it('the real blocks read as the documents say', () => {
    const pf = readPolicy(documents.phantomflow['x-sandbox'], 'phantomflow.yaml');
    expect(pf).toMatchObject({ id: 'phantomflow', routePrefix: '/api', maxBodyBytes: 1048576, credits: { perSecond: 1, rounding: 'ceil' } });
    expect(pf.webhooks).toEqual({ retryDelaysSeconds: [30, 60, 120, 240], timeoutSeconds: 10, signature: undefined });
    expect(pf.concurrency.activeStates).toEqual(['queued', 'rendering']);
    const sp = readPolicy(documents.sketchpen['x-sandbox'], 'sketchpen.yaml');
    expect(sp).toMatchObject({ id: 'sketchpen', routePrefix: '/api/v1' });
    expect(sp.auth.errors.disabled).toBe('AUTH_ERROR');
    expect(sp.errors.payloadTooLarge).toBe('BAD_REQUEST');
    expect(sp.validation.body.style).toBe('details');
  });
});

// ---- the other x- extensions, through loadSpec on temporary files ----

const dir = mkdtempSync(join(tmpdir(), 'policy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** loadSpec's error for a document changed by `change` ('' when it loads). */
function loadError(from: keyof typeof documents, change: (doc: Record<string, any>) => void): string {
  const doc = structuredClone(documents[from]);
  change(doc);
  const file = join(dir, `${from}-${++n}.yaml`);
  writeFileSync(file, dump(doc, { noRefs: true }));
  try {
    loadSpec(file);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message;
  }
}

describe('x- extensions are checked at load', () => {
  it('the unchanged documents, written out again, load', () => {
    expect(loadError('phantomflow', () => {})).toBe('');
    expect(loadError('sketchpen', () => {})).toBe('');
  });

  it('an unknown extension is refused with its place and the known ones', () => {
    const message = loadError('sketchpen', (d) => {
      const op = d.paths['/videos'].post;
      op['x-sandbox-ratelimit'] = op['x-sandbox-rate-limit'];
      delete op['x-sandbox-rate-limit'];
    });
    expect(message).toContain('invalid x- extensions');
    expect(message).toContain('/paths//videos/post/x-sandbox-ratelimit: unknown extension x-sandbox-ratelimit');
    expect(message).toMatch(/known: .*x-sandbox-rate-limit/);
    // Anywhere in the document, also deep inside a schema.
    const deep = loadError('phantomflow', (d) => (d.components.schemas.MovieScript['x-nullable'] = true));
    expect(deep).toContain('/components/schemas/MovieScript/x-nullable: unknown extension x-nullable');
  });

  it('a misplaced extension is refused, saying where it goes', () => {
    expect(loadError('phantomflow', (d) => (d.paths['/api/account'].get.responses['200']['x-sandbox-validation'] = { code: 'VALIDATION_ERROR', style: 'path' }))).toContain(
      '/paths//api/account/get/responses/200/x-sandbox-validation: x-sandbox-validation does not belong here (it goes on: operation)',
    );
    expect(loadError('phantomflow', (d) => (d.paths['/api/account'].get['x-error-codes'] = ['NOT_FOUND']))).toContain(
      '/paths//api/account/get/x-error-codes: x-error-codes does not belong here (it goes on: response)',
    );
    expect(loadError('phantomflow', (d) => (d['x-provenance'] = 'doc'))).toMatch(/\/x-provenance: x-provenance does not belong here/);
    expect(loadError('phantomflow', (d) => (d.info['x-sandbox'] = {}))).toContain('/info/x-sandbox: x-sandbox does not belong here (it goes on: root)');
  });

  it('x-provenance must name a label declared in x-sandbox.provenance', () => {
    const message = loadError('phantomflow', (d) => (d.paths['/api/account'].get['x-provenance'] = 'rumour'));
    expect(message).toContain("/paths//api/account/get/x-provenance: x-provenance must be one of x-sandbox.provenance's labels (doc, seed, inferred)");
    // Removing a label that is in use breaks every place that uses it.
    const undeclared = loadError('phantomflow', (d) => delete d['x-sandbox'].provenance.inferred);
    expect(undeclared).toMatch(/x-provenance must be one of x-sandbox\.provenance's labels \(doc, seed\)/);
  });

  it('x-error-codes must be a non-empty list of catalogue codes', () => {
    expect(loadError('phantomflow', (d) => (d.components.responses.Unauthorized['x-error-codes'] = ['UNAUTHORISED']))).toContain(
      '/components/responses/Unauthorized/x-error-codes: x-error-codes names codes not in the catalogue: UNAUTHORISED',
    );
    expect(loadError('phantomflow', (d) => (d.components.responses.Unauthorized['x-error-codes'] = []))).toContain('x-error-codes must be a non-empty list of catalogue codes');
    // A known code documented under the wrong status: the consistency check names both.
    expect(loadError('phantomflow', (d) => (d.components.responses.Unauthorized['x-error-codes'] = ['NOT_FOUND']))).toMatch(/401: NOT_FOUND is documented as 404/);
  });

  it('x-sandbox-rate-limit must name known plans with readable limits', () => {
    const at = '/paths//videos/post/x-sandbox-rate-limit: x-sandbox-rate-limit';
    expect(loadError('sketchpen', (d) => (d.paths['/videos'].post['x-sandbox-rate-limit'].gold = '5 per 1 day'))).toContain(`${at} names plan "gold", not in x-sandbox.plans`);
    expect(loadError('sketchpen', (d) => (d.paths['/videos'].post['x-sandbox-rate-limit'].free = 'ten a day'))).toContain(`${at} cannot read rate limit "ten a day" (expected e.g. "10 per 1 day")`);
    expect(loadError('sketchpen', (d) => (d.paths['/videos'].post['x-sandbox-rate-limit'] = '10 per 1 day'))).toContain(`${at} must map plan names to limits`);
    // The wordings Flask-Limiter accepts do load.
    expect(loadError('sketchpen', (d) => (d.paths['/videos'].post['x-sandbox-rate-limit'] = { free: '5/second', pro: '60 per minute', starter: '100 per 2 hours' }))).toBe('');
  });

  it('x-sandbox-validation must be a style whose codes are in the catalogue', () => {
    const at = '/paths//api/render/post/x-sandbox-validation: x-sandbox-validation';
    expect(loadError('phantomflow', (d) => (d.paths['/api/render'].post['x-sandbox-validation'].style = 'prose'))).toContain(`${at} data/style must be equal to one of the allowed values`);
    expect(loadError('phantomflow', (d) => (d.paths['/api/render'].post['x-sandbox-validation'].code = 'SCHEMA_ERROR'))).toContain(`${at} names codes not in the catalogue: SCHEMA_ERROR`);
  });

  it('checkExtensions lists every problem of a document at once', () => {
    const doc = structuredClone(documents.phantomflow);
    doc.paths['/api/account'].get['x-provenance'] = 'rumour';
    doc.paths['/api/account'].get['x-sandbox-foo'] = 1;
    doc.components.responses.Unauthorized['x-error-codes'] = ['NOPE'];
    const policy = readPolicy(doc['x-sandbox'], 'phantomflow.yaml');
    const problems = checkExtensions(doc, policy);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['/paths//api/account/get/x-provenance', '/paths//api/account/get/x-sandbox-foo', '/components/responses/Unauthorized/x-error-codes']),
    );
    expect(checkExtensions(documents.phantomflow, readPolicy(documents.phantomflow['x-sandbox'], 'phantomflow.yaml'))).toEqual([]);
  });
});

describe('the documents in openapi/', () => {
  it('all load, each with its checked policy', () => {
    const files = readdirSync(SPEC_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['phantomflow.yaml', 'sketchpen.yaml', 'sandbox-admin.yaml']));
    for (const f of files) {
      const spec = loadSpec(join(SPEC_DIR, f));
      expect(spec.operations.length, f).toBeGreaterThan(0);
      expect(checkExtensions(spec.doc, spec.policy), f).toEqual([]);
    }
  });
});
