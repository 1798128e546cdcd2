// Every check the toolkit ships, by name (the names --checks and --exclude-checks take).
import type { Check, CostClass } from '../types.ts';
import { domainChecks } from './domain.ts';
import { errorChecks } from './errors.ts';
import { inputChecks } from './input.ts';
import { limitChecks } from './limits.ts';
import { responseChecks } from './response.ts';
import { stateChecks } from './state.ts';

/** What the cases a family judges cost at least: state creates (and deletes), domain renders, limits are destructive. */
const FAMILY_COST: Record<string, CostClass> = { response: 'read', errors: 'read', input: 'read', state: 'write', domain: 'spend', limits: 'destructive' };

export const ALL_CHECKS: readonly Check[] = [...responseChecks, ...errorChecks, ...inputChecks, ...stateChecks, ...domainChecks, ...limitChecks].map((c) => ({ ...c, cost: FAMILY_COST[c.family] ?? 'read' }));

/** One line per check: name, family, cost class, what it checks (`contract --list-checks`). */
export function describeChecks(): string {
  return ALL_CHECKS.map((c) => `${c.name.padEnd(30)} ${c.family.padEnd(9)} ${c.cost!.padEnd(12)} ${c.description}`).join('\n');
}

export function checkNamed(name: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.name === name);
}
