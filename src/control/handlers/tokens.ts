// Session tokens for APIs that take them (x-sandbox.auth.bearer): mint one for an account, with
// an expiry on the sandbox clock and optionally fewer scopes.
import type { Handler } from '../../engine/handler.ts';
import { invalid, notFound, type ControlScope } from '../scope.ts';

export function tokensHandlers(c: ControlScope): Record<string, Handler> {
  const { runtimeOfKey, clock } = c;
  return {
    createSessionToken: ({ params, query, body }) => {
      const key = params.key!;
      const rt = runtimeOfKey(key, query.api as string | undefined);
      const policy = rt.spec.policy;
      const bearer = policy.auth.bearer;
      if (!bearer) throw invalid(`${policy.id} takes no session tokens (its spec declares no x-sandbox.auth.bearer); use its ${policy.auth.header} key.`, 'api');
      const { ttlSeconds = 3600, scopes } = (body ?? {}) as { ttlSeconds?: number; scopes?: string[] };
      let account = rt.accounts.get(key);
      if (!account) {
        if (!policy.auth.testKeyPattern.test(key)) throw notFound(`No ${policy.id} account for this key, and it is not a well-formed ${policy.id} test key (${policy.auth.testKeyPattern.source}).`);
        account = rt.accounts.getOrProvision(key);
      }
      const t = rt.tokens.mint(account.key, { ttlSeconds, scopes });
      return {
        status: 201,
        body: {
          api: policy.id,
          key: account.key,
          token: t.token,
          tokenType: bearer.scheme,
          expiresAt: new Date(t.expiresAt).toISOString(),
          expiresIn: Math.round((t.expiresAt - clock.now()) / 1000),
          scopes: t.scopes ?? null,
        },
      };
    },
  };
}
