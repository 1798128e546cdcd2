// Every check the toolkit ships, by name (the names --checks and --exclude-checks take).
import type { Check } from '../types.ts';
import { domainChecks } from './domain.ts';
import { errorChecks } from './errors.ts';
import { inputChecks } from './input.ts';
import { limitChecks } from './limits.ts';
import { responseChecks } from './response.ts';
import { stateChecks } from './state.ts';

export const ALL_CHECKS: readonly Check[] = [...responseChecks, ...errorChecks, ...inputChecks, ...stateChecks, ...domainChecks, ...limitChecks];

export function checkNamed(name: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.name === name);
}
