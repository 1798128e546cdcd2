// GET /api/render/schema is what the vendor tells clients to validate with locally: plain JSON
// Schema 2020-12 that Ajv's default (strict) mode compiles without options, and that agrees with
// the server about what a movie script is.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox.ts';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());

it('compiles with new Ajv2020() and no options, and accepts and refuses what the server does', async () => {
  const res = await fetch(`${sb.url}/api/render/schema`, { headers: { 'x-api-key': 've_test_enterprise_schema01' } });
  expect(res.status).toBe(200);
  const schema = await res.json();
  expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  let validate;
  try {
    validate = new Ajv2020().compile(schema);
  } finally {
    console.warn = warn;
  }
  expect(warnings).toEqual([]);
  const good = { scenes: [{ duration: 2, elements: [{ type: 'text', text: 'Hi' }, { type: 'image', src: 'fixtures/media/testpattern.png' }] }], webhook_uri: 'https://example.com/h', exports: [{ type: 'email', to: 'a@example.com' }] };
  expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
  for (const bad of [{ scenes: [] }, { scenes: [{ duration: '5' }] }, { scenes: [{ duration: 1, elements: [{ type: 'txt' }] }] }, { scenes: [{ duration: 1 }], webhook_uri: 'not a uri' }, { scenes: [{ duration: 1 }], exports: [{ type: 'email', to: 'nobody' }] }]) {
    expect(validate(bad), JSON.stringify(bad)).toBe(false);
    const server = await fetch(`${sb.url}/api/render`, { method: 'POST', headers: { 'x-api-key': 've_test_enterprise_schema01', 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    expect(server.status, JSON.stringify(bad)).toBe(400);
  }
});
