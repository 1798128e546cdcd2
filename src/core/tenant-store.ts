// The one tenancy mechanism of the sandbox: state partitioned by tenant (an account's key), so
// that forgetting one account is exact — never a prefix or substring match — and a sandbox reset is
// a loop over every registered store (LocalStack's per-account stores, in miniature).

/** Anything holding per-tenant state: reset(tenant) forgets that tenant's, reset() everything. */
export interface Resettable {
  reset(tenant?: string): void;
  /** the tenant has work in progress and must not be forgotten to make room (optional) */
  busy?(tenant: string): boolean;
}

export class TenantStore<V> implements Resettable {
  private readonly byTenant = new Map<string, V>();

  /** `onForget` runs for each tenant's value as it is dropped (timers to stop, files to delete). */
  constructor(private readonly onForget?: (value: V, tenant: string) => void) {}

  get(tenant: string): V | undefined {
    return this.byTenant.get(tenant);
  }

  /** The tenant's value, created by `init` on first use. */
  upsert(tenant: string, init: () => V): V {
    let value = this.byTenant.get(tenant);
    if (value === undefined) this.byTenant.set(tenant, (value = init()));
    return value;
  }

  set(tenant: string, value: V): void {
    this.byTenant.set(tenant, value);
  }

  /** Mark a tenant as just used: iteration runs from the least recently touched (LRU order). */
  touch(tenant: string): void {
    const value = this.byTenant.get(tenant);
    if (value === undefined) return;
    this.byTenant.delete(tenant);
    this.byTenant.set(tenant, value);
  }

  has(tenant: string): boolean {
    return this.byTenant.has(tenant);
  }

  get size(): number {
    return this.byTenant.size;
  }

  tenants(): IterableIterator<string> {
    return this.byTenant.keys();
  }

  values(): IterableIterator<V> {
    return this.byTenant.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.byTenant.entries();
  }

  reset(tenant?: string): void {
    if (tenant !== undefined) {
      const value = this.byTenant.get(tenant);
      if (value === undefined) return;
      this.byTenant.delete(tenant);
      this.onForget?.(value, tenant);
      return;
    }
    const all = [...this.byTenant];
    this.byTenant.clear();
    for (const [t, v] of all) this.onForget?.(v, t);
  }
}
