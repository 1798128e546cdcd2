// The checker catches broken behaviour: auth, tenancy, validation, state, outputs and credits.
// (A proxy in front of a real sandbox breaks one rule at a time; see test/support/breaking-proxy.ts.)
import { expect, it } from 'vitest';
import { BREAKAGES } from '../support/breaking-proxy.ts';
import { defineBreakageTests } from '../support/breakage-suite.ts';

const BEHAVIOUR = ['ignored-auth', 'leaked-resource', 'leaked-in-list', 'ignores-limit', 'ignores-range', 'non-mp4-output', 'thumbnail-not-image', 'wrong-validation-path', 'accepts-invalid', 'wrong-estimate', 'deleted-still-readable'];
defineBreakageTests(BEHAVIOUR, false);

it('the two breakage files together run every rule of the proxy', async () => {
  const { readFileSync } = await import('node:fs');
  const other = readFileSync(new URL('./breakage-responses.test.ts', import.meta.url), 'utf8');
  for (const name of Object.keys(BREAKAGES)) expect(BEHAVIOUR.includes(name) || other.includes(`'${name}'`), name).toBe(true);
});
