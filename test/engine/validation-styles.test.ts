// The two validation error styles through the real Validators: Zod's wording with a dot path
// (PhantomFlow) and FastAPI's details list (Sketchpen). A small spec written to a temporary file
// and loaded like any other, so each case has exactly one thing wrong with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.ts';
import { Validators } from '../../src/engine/validate/validators.ts';
import { loadSpec, type ApiSpec } from '../../src/openapi/load.ts';
import { SPEC_DIR } from '../../src/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'validation-styles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Thing = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'count'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 5, pattern: '^[a-z]*$' },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    kind: { enum: ['a', 'b', 'c'] },
    ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
    nested: {
      type: 'object',
      properties: { deep: { type: 'array', items: { type: 'object', required: ['x'], properties: { x: { type: 'boolean' } } } } },
    },
  },
};

/** A one-resource API in the given style; `strict` has its own x-sandbox-validation without missingRequired. */
function smallSpec(style: 'path' | 'details'): ApiSpec {
  const catalogue = Object.fromEntries(
    [
      ['BAD_JSON', 400],
      ['BODY_INVALID', style === 'details' ? 422 : 400],
      ['MISSING_FIELD', 400],
      ['PARAM_INVALID', 400],
      ['STRICT_INVALID', 400],
      ['UNAUTHORIZED', 401],
      ['FORBIDDEN', 403],
      ['NOT_FOUND', 404],
      ['INTERNAL', 500],
    ].map(([code, status]) => [code, { status, message: `${code} happened` }]),
  );
  const ok = { '200': { description: 'ok' } };
  const doc = {
    openapi: '3.1.0',
    info: { title: `small ${style}`, version: '1' },
    servers: [{ url: 'https://small.example/v1' }],
    paths: {
      '/things/{id}': {
        post: {
          operationId: 'putThing',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^t_[0-9]+$' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'X-Mode', in: 'header', required: true, schema: { enum: ['fast', 'slow'] } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: ok,
        },
      },
      '/strict': {
        post: {
          operationId: 'strictThing',
          'x-sandbox-validation': { code: 'STRICT_INVALID', style },
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: ok,
        },
      },
    },
    components: { schemas: { Thing } },
    'x-sandbox': {
      id: `small-${style}`,
      routePrefix: '/v1',
      auth: { header: 'X-Key', testKeyPattern: '^t_', errors: { missing: 'UNAUTHORIZED', invalid: 'UNAUTHORIZED' } },
      errors: { catalogue, routeNotFound: 'NOT_FOUND', internal: 'INTERNAL' },
      validation: { invalidJson: 'BAD_JSON', body: { code: 'BODY_INVALID', style, ...(style === 'path' ? { missingRequired: 'MISSING_FIELD' } : {}) }, parameters: 'PARAM_INVALID' },
      plans: { default: 'free', catalogue: { free: { requestsPerMinute: 10, concurrentJobs: 1, credits: 0 } } },
      rateLimit: { windowSeconds: 60, exceeded: {} },
    },
  };
  const file = join(dir, `small-${style}.yaml`);
  writeFileSync(file, dump(doc));
  return loadSpec(file);
}

/** The ApiError a validation throws (fails the test when it does not throw one). */
function errorOf(run: () => void): ApiError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a validation error, none was thrown');
}

const valid = { name: 'abc', count: 3 };

describe('path style (Zod wording, dot path)', () => {
  const v = new Validators(smallSpec('path'));
  const body = (value: unknown) => errorOf(() => v.get('putThing').body(value));
  const one = (value: unknown) => {
    const e = body(value);
    return { code: e.code, message: e.message, path: e.extra.path };
  };

  it('a valid body passes', () => {
    expect(() => v.get('putThing').body(valid)).not.toThrow();
    expect(() => v.get('putThing').body({ ...valid, kind: 'b', ratio: 0.5, tags: ['x'], nested: { deep: [{ x: true }] } })).not.toThrow();
  });

  it('type errors say what was expected and what was received', () => {
    expect(one({ ...valid, name: 5 })).toEqual({ code: 'BODY_INVALID', message: 'Expected string, received number', path: 'name' });
    expect(one({ ...valid, count: 'three' })).toEqual({ code: 'BODY_INVALID', message: 'Expected integer, received string', path: 'count' });
    expect(one({ ...valid, count: 1.5 })).toEqual({ code: 'BODY_INVALID', message: 'Expected integer, received float', path: 'count' });
    expect(one({ ...valid, count: null })).toMatchObject({ message: 'Expected integer, received null' });
    expect(one({ ...valid, tags: 'x' })).toMatchObject({ message: 'Expected array, received string', path: 'tags' });
    expect(one([])).toMatchObject({ message: 'Expected object, received array', path: '' });
  });

  it('enum, bounds, lengths, pattern and extra keys in Zod’s words', () => {
    expect(one({ ...valid, kind: 'd' })).toMatchObject({ message: "Invalid enum value. Expected 'a' | 'b' | 'c', received 'd'", path: 'kind' });
    expect(one({ ...valid, count: 0 })).toMatchObject({ message: 'Number must be greater than or equal to 1', path: 'count' });
    expect(one({ ...valid, count: 11 })).toMatchObject({ message: 'Number must be less than or equal to 10', path: 'count' });
    expect(one({ ...valid, ratio: 0 })).toMatchObject({ message: 'Number must be greater than 0', path: 'ratio' });
    expect(one({ ...valid, ratio: 1 })).toMatchObject({ message: 'Number must be less than 1', path: 'ratio' });
    expect(one({ ...valid, name: '' })).toMatchObject({ message: 'String must not be empty', path: 'name' });
    expect(one({ ...valid, name: 'abcdef' })).toMatchObject({ message: 'String must contain at most 5 character(s)', path: 'name' });
    expect(one({ ...valid, name: 'ABC' })).toMatchObject({ message: 'Invalid string: must match pattern ^[a-z]*$', path: 'name' });
    expect(one({ ...valid, tags: [] })).toMatchObject({ message: 'Array must contain at least 1 element(s)', path: 'tags' });
    expect(one({ ...valid, tags: ['a', 'b', 'c'] })).toMatchObject({ message: 'Array must contain at most 2 element(s)', path: 'tags' });
    expect(one({ ...valid, colour: 'red' })).toEqual({ code: 'BODY_INVALID', message: "Unrecognized key: 'colour'", path: 'colour' });
  });

  it('paths go through objects and arrays with dots', () => {
    expect(one({ ...valid, nested: { deep: [{ x: true }, { x: 'yes' }] } })).toEqual({ code: 'BODY_INVALID', message: 'Expected boolean, received string', path: 'nested.deep.1.x' });
  });

  it('a missing required field takes the missingRequired code and names the full path', () => {
    expect(one({ count: 1 })).toEqual({ code: 'MISSING_FIELD', message: 'Missing required field: name', path: 'name' });
    expect(one({ ...valid, nested: { deep: [{ x: false }, {}] } })).toEqual({ code: 'MISSING_FIELD', message: 'Missing required field: nested.deep.1.x', path: 'nested.deep.1.x' });
  });

  it('an operation’s own x-sandbox-validation replaces the code; without missingRequired a missing field is Zod’s "Required"', () => {
    const strict = (value: unknown) => errorOf(() => v.get('strictThing').body(value));
    expect(strict({ count: 1 })).toMatchObject({ code: 'STRICT_INVALID', message: 'Required', extra: { path: 'name' } });
    expect(strict({ ...valid, count: 0 })).toMatchObject({ code: 'STRICT_INVALID', message: 'Number must be greater than or equal to 1' });
    expect(v.styleOf('strictThing')).toEqual({ code: 'STRICT_INVALID', style: 'path' });
    expect(v.styleOf('putThing')).toEqual({ code: 'BODY_INVALID', style: 'path', missingRequired: 'MISSING_FIELD' });
  });

  it('parameters: the parameters code, the parameter’s name as the path, strings coerced in place', () => {
    const params = (query: Record<string, string>, path = { id: 't_1' }, header: Record<string, string> = { 'x-mode': 'fast' }) => {
      const parts = { path, query, header };
      v.get('putThing').parameters(parts);
      return parts;
    };
    expect(params({ limit: '5' }).query.limit).toBe(5);
    expect(errorOf(() => params({ limit: '0' }))).toMatchObject({ code: 'PARAM_INVALID', message: 'Number must be greater than or equal to 1', extra: { path: 'limit' } });
    expect(errorOf(() => params({ limit: 'many' }))).toMatchObject({ code: 'PARAM_INVALID', message: 'Expected integer, received string', extra: { path: 'limit' } });
    expect(errorOf(() => params({}, { id: 'nope' }))).toMatchObject({ code: 'PARAM_INVALID', message: 'Invalid string: must match pattern ^t_[0-9]+$', extra: { path: 'id' } });
    // A missing required parameter is not a body field: the parameters code, not missingRequired.
    expect(errorOf(() => params({}, { id: 't_1' }, {}))).toMatchObject({ code: 'PARAM_INVALID', message: 'Required', extra: { path: 'x-mode' } });
  });
});

describe('details style (FastAPI / pydantic v2)', () => {
  const v = new Validators(smallSpec('details'));
  const details = (value: unknown, op = 'putThing') => {
    const e = errorOf(() => v.get(op).body(value));
    expect(e.code).toBe(op === 'putThing' ? 'BODY_INVALID' : 'STRICT_INVALID');
    return { message: e.message, details: e.extra.details as { loc: unknown[]; msg: string; type: string }[] };
  };
  const only = (value: unknown) => {
    const d = details(value).details;
    expect(d).toHaveLength(1);
    return d[0];
  };

  it('a missing field is loc [body, field], "Field required", type missing — every one listed', () => {
    const r = details({});
    expect(r.details).toEqual([
      { loc: ['body', 'name'], msg: 'Field required', type: 'missing' },
      { loc: ['body', 'count'], msg: 'Field required', type: 'missing' },
    ]);
    expect(r.message).toBe('body.name: Field required');
    // No missingRequired code in this style: the API's body code (checked in details()).
    expect(only({ ...valid, nested: { deep: [{}] } })).toEqual({ loc: ['body', 'nested', 'deep', 0, 'x'], msg: 'Field required', type: 'missing' });
  });

  it('type errors in pydantic’s words and types', () => {
    expect(only({ ...valid, name: 5 })).toEqual({ loc: ['body', 'name'], msg: 'Input should be a valid string', type: 'string_type' });
    expect(only({ ...valid, count: 'x' })).toEqual({ loc: ['body', 'count'], msg: 'Input should be a valid integer', type: 'int_type' });
    expect(only({ ...valid, ratio: 'x' })).toEqual({ loc: ['body', 'ratio'], msg: 'Input should be a valid number', type: 'float_type' });
    expect(only({ ...valid, tags: 'x' })).toEqual({ loc: ['body', 'tags'], msg: 'Input should be a valid list', type: 'list_type' });
    expect(only({ ...valid, nested: [] })).toEqual({ loc: ['body', 'nested'], msg: 'Input should be a valid dictionary', type: 'dict_type' });
    expect(only({ ...valid, nested: { deep: [{ x: 'no' }] } })).toEqual({ loc: ['body', 'nested', 'deep', 0, 'x'], msg: 'Input should be a valid boolean', type: 'bool_type' });
  });

  it('enum, bounds, lengths, pattern and extra inputs', () => {
    expect(only({ ...valid, kind: 'd' })).toEqual({ loc: ['body', 'kind'], msg: "Input should be 'a', 'b' or 'c'", type: 'enum' });
    expect(only({ ...valid, count: 0 })).toEqual({ loc: ['body', 'count'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' });
    expect(only({ ...valid, count: 11 })).toEqual({ loc: ['body', 'count'], msg: 'Input should be less than or equal to 10', type: 'less_than_equal' });
    expect(only({ ...valid, ratio: 0 })).toEqual({ loc: ['body', 'ratio'], msg: 'Input should be greater than 0', type: 'greater_than' });
    expect(only({ ...valid, ratio: 1 })).toEqual({ loc: ['body', 'ratio'], msg: 'Input should be less than 1', type: 'less_than' });
    expect(only({ ...valid, name: '' })).toEqual({ loc: ['body', 'name'], msg: 'String should have at least 1 character', type: 'string_too_short' });
    expect(only({ ...valid, name: 'abcdef' })).toEqual({ loc: ['body', 'name'], msg: 'String should have at most 5 characters', type: 'string_too_long' });
    expect(only({ ...valid, name: 'ABC' })).toEqual({ loc: ['body', 'name'], msg: "String should match pattern '^[a-z]*$'", type: 'string_pattern_mismatch' });
    expect(only({ ...valid, tags: [] })).toEqual({ loc: ['body', 'tags'], msg: 'List should have at least 1 item', type: 'too_short' });
    expect(only({ ...valid, tags: ['a', 'b', 'c'] })).toEqual({ loc: ['body', 'tags'], msg: 'List should have at most 2 items', type: 'too_long' });
    expect(only({ ...valid, colour: 'red' })).toEqual({ loc: ['body', 'colour'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' });
  });

  it('several problems at once are all listed; the message names the first', () => {
    const r = details({ name: 'ABC', count: 0, colour: 'red' });
    expect(r.details).toHaveLength(3);
    expect(r.details).toEqual(
      expect.arrayContaining([
        { loc: ['body', 'name'], msg: "String should match pattern '^[a-z]*$'", type: 'string_pattern_mismatch' },
        { loc: ['body', 'count'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' },
        { loc: ['body', 'colour'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
      ]),
    );
    const first = r.details[0]!;
    expect(r.message).toBe(`${first.loc.join('.')}: ${first.msg}`);
  });

  it('parameters: loc starts with their location', () => {
    const params = (query: Record<string, string>, header: Record<string, string> = { 'x-mode': 'fast' }) => v.get('putThing').parameters({ path: { id: 't_1' }, query, header });
    const e = errorOf(() => params({ limit: '101' }));
    expect(e.code).toBe('PARAM_INVALID');
    expect(e.extra.details).toEqual([{ loc: ['query', 'limit'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal' }]);
    expect(errorOf(() => params({}, { 'x-mode': 'medium' })).extra.details).toEqual([{ loc: ['header', 'x-mode'], msg: "Input should be 'fast' or 'slow'", type: 'enum' }]);
  });
});

describe('the real specs', () => {
  it('PhantomFlow: a movie script’s failing field by dot path; Sketchpen: a 422 details list', () => {
    const pf = new Validators(loadSpec(join(SPEC_DIR, 'phantomflow.yaml')));
    expect(errorOf(() => pf.get('submitRender').body({ scenes: [{ duration: 'long' }] }))).toMatchObject({
      code: 'SCHEMA_VALIDATION_ERROR',
      message: 'Expected number, received string',
      extra: { path: 'scenes.0.duration' },
    });
    expect(errorOf(() => pf.get('submitRender').body({}))).toMatchObject({ code: 'SCHEMA_VALIDATION_ERROR', message: 'Missing required field: scenes', extra: { path: 'scenes' } });
    const sp = loadSpec(join(SPEC_DIR, 'sketchpen.yaml'));
    const createVideo = sp.operations.find((o) => o.method === 'post' && o.path === '/videos')!;
    const e = errorOf(() => new Validators(sp).get(createVideo.operationId).body({}));
    expect(e.code).toBe('VALIDATION_ERROR');
    expect(sp.policy.errors.catalogue[e.code]!.status).toBe(422);
    expect(e.extra.details).toEqual(expect.arrayContaining([{ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' }]));
  });
});
