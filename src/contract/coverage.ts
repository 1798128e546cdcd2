// What a run exercised: operations, documented status codes (operation × status) and catalogue
// error codes, against what the spec documents.
import type { Operation } from '../openapi/operations.ts';
import type { Coverage } from './events.ts';
import type { ApiProfile } from './profile.ts';

export class CoverageTracker {
  private readonly ops = new Set<string>();
  private readonly statuses = new Set<string>();
  private readonly codes = new Set<string>();

  constructor(private readonly profile: ApiProfile, private readonly scope: Operation[]) {}

  record(op: Operation | undefined, status: number, code: string | undefined): void {
    if (code) this.codes.add(code);
    if (!op || status === 0) return;
    this.ops.add(op.operationId);
    const key = this.profile.responseFor(op, status)?.key;
    if (key) this.statuses.add(`${op.operationId} ${key}`);
  }

  result(): Coverage {
    const opIds = this.scope.map((o) => o.operationId);
    const statusKeys = this.scope.flatMap((o) => Object.keys(o.responses).map((s) => `${o.operationId} ${s}`));
    const codes = Object.keys(this.profile.spec.policy.errors.catalogue);
    const part = (all: string[], seen: Set<string>) => {
      const missing = all.filter((x) => !seen.has(x));
      return { covered: all.length - missing.length, total: all.length, missing };
    };
    const operations = part(opIds, this.ops);
    const statuses = part(statusKeys, this.statuses);
    const codePart = part(codes, this.codes);
    const pct = (p: { covered: number; total: number }) => (p.total ? (100 * p.covered) / p.total : 100);
    return { operations, statuses, codes: codePart, percent: Math.round(((pct(operations) + pct(statuses) + pct(codePart)) / 3) * 10) / 10 };
  }
}
