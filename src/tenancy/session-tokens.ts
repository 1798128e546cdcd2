// Session tokens: an alternative to the API key for APIs that declare `x-sandbox.auth.bearer`.
// The control API mints one for an account with an expiry (sandbox clock) and optionally fewer
// scopes; the request path resolves `Authorization: Bearer <token>` back to the account. Tokens
// are opaque random strings held per account, so a forged one is simply unknown, an expired one is
// known but past its time, and a reset of the account forgets its tokens.
import { randomBytes } from 'node:crypto';
import { TenantStore, type Resettable } from '../core/tenant-store.ts';

export interface SessionToken {
  token: string;
  key: string;
  /** sandbox ms */
  expiresAt: number;
  /** when set, the token grants only these of the account's scopes */
  scopes?: string[];
}

export type TokenLookup = { ok: true; token: SessionToken } | { ok: false; reason: 'unknown' | 'expired' };

/** Live tokens kept per account; minting more drops the oldest. */
const PER_ACCOUNT = 100;

export class SessionTokens implements Resettable {
  private readonly byAccount = new TenantStore<SessionToken[]>((list) => list.forEach((t) => this.byToken.delete(t.token)));
  private readonly byToken = new Map<string, SessionToken>();

  constructor(private readonly now: () => number) {}

  mint(key: string, options: { ttlSeconds: number; scopes?: string[] }): SessionToken {
    const t: SessionToken = {
      token: `sbt_${randomBytes(24).toString('base64url')}`,
      key,
      expiresAt: this.now() + options.ttlSeconds * 1000,
      ...(options.scopes ? { scopes: [...options.scopes] } : {}),
    };
    const list = this.byAccount.upsert(key, () => []);
    // Expired tokens are kept a while so they answer "expired" rather than "unknown", but bounded.
    list.push(t);
    while (list.length > PER_ACCOUNT) this.byToken.delete(list.shift()!.token);
    this.byToken.set(t.token, t);
    return t;
  }

  lookup(token: string): TokenLookup {
    const t = this.byToken.get(token);
    if (!t) return { ok: false, reason: 'unknown' };
    if (this.now() >= t.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, token: t };
  }

  reset(key?: string): void {
    this.byAccount.reset(key);
  }
}

/** The token of an `Authorization: <scheme> <token>` header, if it uses that scheme. */
export function bearerToken(header: string | string[] | undefined, scheme: string): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const at = value.indexOf(' ');
  if (at < 0 || value.slice(0, at).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const token = value.slice(at + 1).trim();
  return token || undefined;
}
