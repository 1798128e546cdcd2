// The sandbox's control API (/__sandbox, openapi/sandbox-admin.yaml), as the checker uses it when
// the target turns out to be a sandbox: the clock (skip a rate window instead of waiting it out),
// fault rules (provoke a failed render), accounts (provision a second key, lower a balance or a
// limit and put it back), the ledger. Spoken to over HTTP like any client: no sandbox code here.
import { fetchOnce } from './http.ts';

export interface Detection {
  sandbox: boolean;
  control?: SandboxControl;
  note: string;
}

export class SandboxControl {
  /** what the checker changed, to say so in the report */
  readonly used = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly apiId: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  static async detect(baseUrl: string, apiId: string, token: string | undefined, timeoutMs: number): Promise<Detection> {
    const root = `${new URL(baseUrl).origin}/__sandbox`;
    const res = await fetchOnce({ method: 'GET', url: `${root}/health`, headers: token ? { authorization: `Bearer ${token}` } : {} }, timeoutMs);
    const body = res.json as { status?: string; apis?: { id?: string }[] } | undefined;
    if (res.status === 200 && body?.status === 'ok' && Array.isArray(body.apis)) {
      if (!body.apis.some((a) => a.id === apiId)) return { sandbox: false, note: `${root} is a sandbox, but it does not serve ${apiId}` };
      return { sandbox: true, control: new SandboxControl(root, apiId, token, timeoutMs), note: `sandbox detected (${root}/health): its control API may be used` };
    }
    if (res.status === 401) return { sandbox: true, note: `sandbox detected (${root}/health) but its control API needs the admin token (--admin-token): checks that need it are skipped` };
    return { sandbox: false, note: `not a sandbox (no control API at ${root}/health): safe defaults apply` };
  }

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
    const res = await fetchOnce({ method, url: `${this.root}${path}`, headers, body: body === undefined ? undefined : JSON.stringify(body) }, this.timeoutMs);
    if (res.status < 200 || res.status >= 300) throw new Error(`control API ${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
    return res.json;
  }

  private q(key: string) {
    return `/accounts/${encodeURIComponent(key)}?api=${encodeURIComponent(this.apiId)}`;
  }

  /** Move sandbox time on (rate windows end, due timers run). */
  async advance(seconds: number): Promise<void> {
    this.used.add('clock: advanced instead of waiting');
    await this.call('POST', '/clock/advance', { seconds });
  }

  account(key: string): Promise<any> {
    return this.call('GET', this.q(key));
  }

  /** Change (or provision) an account: plan, balance, revoked, limits. */
  patchAccount(key: string, patch: Record<string, unknown>, why: string): Promise<any> {
    this.used.add(`accounts: ${why}`);
    return this.call('PATCH', this.q(key), patch);
  }

  ledger(key: string): Promise<{ entries: { kind: string; amount: number; ref?: string }[]; balanced: boolean; balance: number }> {
    return this.call('GET', `/accounts/${encodeURIComponent(key)}/ledger?api=${encodeURIComponent(this.apiId)}`);
  }

  async addFault(rule: Record<string, unknown>, why: string): Promise<string> {
    this.used.add(`faults: ${why}`);
    const r = await this.call('POST', '/faults', rule);
    return r.id as string;
  }

  async deleteFault(id: string): Promise<void> {
    await this.call('DELETE', `/faults/${encodeURIComponent(id)}`);
  }
}
