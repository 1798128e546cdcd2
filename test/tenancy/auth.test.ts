// authenticate(): from the key as sent to an account or to the API's auth error, with the codes
// and messages the spec's x-sandbox.auth declares. Pure: a policy, an account store, a key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/tenancy/auth.ts';
import { AccountStore, hasScope, type AccountFixture } from '../../src/tenancy/accounts.ts';
import { readPolicy, type ApiPolicy } from '../../src/openapi/policy.ts';
import { SPEC_DIR } from '../../src/paths.ts';

const xSandbox = (file: string) => (parseYaml(readFileSync(join(SPEC_DIR, file), 'utf8')) as any)['x-sandbox'];
const phantomflow = readPolicy(xSandbox('phantomflow.yaml'), 'phantomflow.yaml');
const sketchpen = readPolicy(xSandbox('sketchpen.yaml'), 'sketchpen.yaml');

const fixtures: AccountFixture[] = [
  { key: 'sk_test_revoked_0001', revoked: true },
  { key: 'sk_test_disabled_0001', disabled: true },
  { key: 'sk_test_both_000001', revoked: true, disabled: true },
  { key: 'sk_test_readonly_0001', scopes: ['videos:read', 'assets:read'] },
  { key: 'sk_test_family_00001', scopes: ['videos:*'] },
  { key: 'sk_test_all_0000001', scopes: ['*'] },
  { key: 'sk_test_none_000001', scopes: [] },
  // A fixture may use any key, even one outside the test-key pattern.
  { key: 'partner-demo-key', plan: 'pro' },
];

function store(policy: ApiPolicy, f: AccountFixture[] = fixtures) {
  return new AccountStore(policy, f, () => 1_700_000_000_000);
}

describe('authenticate', () => {
  it('no key: the missing error, with the spec’s message', () => {
    const r = authenticate(phantomflow, store(phantomflow, []), undefined, []);
    expect(r.account).toBeUndefined();
    expect(r.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Missing API key: pass your key in the x-api-key header.' });
    expect(authenticate(sketchpen, store(sketchpen), undefined, []).error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Missing authentication credentials' });
  });

  it('a live key is refused as live (even when it would otherwise look valid), and never provisioned', () => {
    const accounts = store(phantomflow, []);
    const r = authenticate(phantomflow, accounts, 've_live_abcdefgh1234', []);
    expect(r.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Live keys (ve_live_…) are not accepted by the sandbox; use a ve_test_ key.' });
    expect(r.account).toBeUndefined();
    expect(accounts.get('ve_live_abcdefgh1234')).toBeUndefined();
  });

  it('a key that is neither a well-formed test key nor known is invalid', () => {
    const accounts = store(phantomflow, []);
    for (const key of ['hello', 've_test_short', 've_test_has-dash-here', 'sk_test_abcdefgh12', 'VE_TEST_ABCDEFGH']) {
      const r = authenticate(phantomflow, accounts, key, []);
      expect(r.error, key).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid API key format: sandbox keys look like ve_test_…' });
      expect(r.account).toBeUndefined();
      expect(accounts.get(key)).toBeUndefined();
    }
    expect(authenticate(sketchpen, store(sketchpen), 've_test_abcdefgh12', []).error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid API key' });
  });

  it('a known fixture key is accepted even outside the test-key pattern', () => {
    const r = authenticate(sketchpen, store(sketchpen), 'partner-demo-key', []);
    expect(r.error).toBeUndefined();
    expect(r.account).toMatchObject({ key: 'partner-demo-key', plan: 'pro', fixture: true });
  });

  it('a new well-formed test key is provisioned on first use, its plan from the marker, then reused', () => {
    const accounts = store(phantomflow, []);
    const first = authenticate(phantomflow, accounts, 've_test_pro_abcdefgh', []);
    expect(first.error).toBeUndefined();
    expect(first.account).toMatchObject({ key: 've_test_pro_abcdefgh', plan: 'pro', balance: 1000, revoked: false, disabled: false, scopes: ['*'], fixture: false, createdAt: 1_700_000_000_000 });
    expect(accounts.get('ve_test_pro_abcdefgh')).toBe(first.account);
    first.account!.balance = 7;
    expect(authenticate(phantomflow, accounts, 've_test_pro_abcdefgh', []).account).toBe(first.account);
    expect(accounts.get('ve_test_pro_abcdefgh')!.balance).toBe(7);
    // The marker decides the plan and its credits; no marker, or an unknown plan name, is the default.
    expect(authenticate(phantomflow, accounts, 've_test_enterprise_abcdefgh', []).account).toMatchObject({ plan: 'enterprise', balance: 100000 });
    expect(authenticate(phantomflow, accounts, 've_test_abcdefghijkl', []).account).toMatchObject({ plan: 'free' });
    expect(authenticate(phantomflow, accounts, 've_test_gold_abcdefgh', []).account).toMatchObject({ plan: 'free' });
    expect(authenticate(sketchpen, store(sketchpen, []), 'sk_test_starter_abcdefgh', []).account).toMatchObject({ plan: 'starter', balance: 500 });
  });

  it('revoked and disabled accounts get their own codes and messages; revoked is checked first', () => {
    const accounts = store(sketchpen);
    const revoked = authenticate(sketchpen, accounts, 'sk_test_revoked_0001', []);
    expect(revoked.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'API key has been revoked' });
    expect(revoked.account).toBeUndefined();
    const disabled = authenticate(sketchpen, accounts, 'sk_test_disabled_0001', []);
    expect(disabled.error).toMatchObject({ code: 'AUTH_ERROR', message: 'Authentication failed; the account is disabled' });
    expect(disabled.account).toBeUndefined();
    expect(authenticate(sketchpen, accounts, 'sk_test_both_000001', []).error).toMatchObject({ code: 'UNAUTHORIZED', message: 'API key has been revoked' });
    // An account revoked after it was provisioned.
    const pf = store(phantomflow, []);
    authenticate(phantomflow, pf, 've_test_abcdefgh0001', [])!.account!.revoked = true;
    expect(authenticate(phantomflow, pf, 've_test_abcdefgh0001', []).error).toMatchObject({ message: 'This API key has been revoked.' });
  });

  it('scopes: exact grants, a family wildcard, "*"; every lacking scope named; the account still known', () => {
    const accounts = store(sketchpen);
    const readonly = (needed: string[]) => authenticate(sketchpen, accounts, 'sk_test_readonly_0001', needed);
    expect(readonly(['videos:read']).error).toBeUndefined();
    expect(readonly([]).error).toBeUndefined();
    const lacking = readonly(['videos:read', 'videos:write', 'callbacks:write']);
    expect(lacking.error).toMatchObject({ code: 'FORBIDDEN', message: 'Insufficient permissions; this API key lacks the scope this operation requires Needed: videos:write, callbacks:write.' });
    // The caller is identified even when refused, so the request counts against its limits.
    expect(lacking.account?.key).toBe('sk_test_readonly_0001');

    const family = (needed: string[]) => authenticate(sketchpen, accounts, 'sk_test_family_00001', needed).error;
    expect(family(['videos:read', 'videos:write', 'videos:delete'])).toBeUndefined();
    expect(family(['assets:read'])).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Needed: assets:read.') });
    // 'videos:*' is a family, not a prefix: it does not cover 'videosx:read'.
    expect(family(['videosx:read'])).toMatchObject({ code: 'FORBIDDEN' });

    expect(authenticate(sketchpen, accounts, 'sk_test_all_0000001', ['videos:write', 'assets:delete', 'anything']).error).toBeUndefined();
    expect(authenticate(sketchpen, accounts, 'sk_test_none_000001', ['videos:read']).error).toMatchObject({ code: 'FORBIDDEN' });
    expect(authenticate(sketchpen, accounts, 'sk_test_none_000001', []).error).toBeUndefined();
    // A provisioned account holds every scope.
    expect(authenticate(sketchpen, accounts, 'sk_test_new_abcdefgh', ['videos:write', 'callbacks:write']).error).toBeUndefined();
  });

  it('hasScope on its own', () => {
    expect(hasScope(['*'], 'a:b')).toBe(true);
    expect(hasScope(['a:b'], 'a:b')).toBe(true);
    expect(hasScope(['a:*'], 'a:b')).toBe(true);
    expect(hasScope(['a:*'], 'b:a')).toBe(false);
    expect(hasScope(['a:b'], 'a:c')).toBe(false);
    expect(hasScope([], 'a:b')).toBe(false);
  });

  it('without messages in the spec, the engine’s defaults name the header', () => {
    const x = xSandbox('phantomflow.yaml');
    delete x.auth.messages;
    const bare = readPolicy(x, 'bare.yaml');
    const accounts = store(bare, [{ key: 've_test_revoked_01', revoked: true }, { key: 've_test_noscope_01', scopes: [] }]);
    expect(authenticate(bare, accounts, undefined, []).error?.message).toBe('Missing API key: send your key in the x-api-key header.');
    expect(authenticate(bare, accounts, 'nope', []).error?.message).toBe('Invalid API key.');
    expect(authenticate(bare, accounts, 've_live_x', []).error?.message).toBe('Live keys are not accepted by the sandbox; use a test key.');
    expect(authenticate(bare, accounts, 've_test_revoked_01', []).error?.message).toBe('This API key has been revoked.');
    expect(authenticate(bare, accounts, 've_test_noscope_01', ['x:y']).error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'This API key lacks the scope this operation needs. Needed: x:y.',
    });
  });
});
