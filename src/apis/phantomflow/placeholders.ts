// `{{variable}}` placeholders in a template script (spec: TemplateScript, Placeholder). Any string
// value may hold them; a string that is exactly one placeholder takes the variable's value with its
// type ("{{seconds}}" → 4), placeholders inside longer strings are replaced as text.

export type VariableValue = string | number | boolean;
export type Path = (string | number)[];

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const ANY = new RegExp(`\\{\\{\\s*(${NAME})\\s*\\}\\}`, 'g');
const EXACT = new RegExp(`^\\{\\{\\s*(${NAME})\\s*\\}\\}$`);

/** A placeholder with no value in `variables`. */
export class UnresolvedPlaceholder extends Error {
  override name = 'UnresolvedPlaceholder';
  constructor(
    readonly variable: string,
    readonly path: Path,
  ) {
    super(`No value for placeholder {{${variable}}}`);
  }
}

function walk(value: unknown, path: Path, visit: (s: string, path: Path) => unknown): unknown {
  if (typeof value === 'string') return visit(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], visit));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k], visit)]));
  }
  return value;
}

/** Variable names used in a script, in order of first appearance. */
export function placeholderNames(script: unknown): string[] {
  const names = new Set<string>();
  walk(script, [], (s) => {
    for (const m of s.matchAll(ANY)) names.add(m[1]!);
    return s;
  });
  return [...names];
}

/** The script with every placeholder filled; throws UnresolvedPlaceholder for the first missing one. */
export function fillPlaceholders(script: unknown, variables: Record<string, VariableValue>): unknown {
  const has = (name: string) => Object.prototype.hasOwnProperty.call(variables, name);
  return walk(script, [], (s, path) => {
    const exact = EXACT.exec(s);
    if (exact) {
      const name = exact[1]!;
      if (!has(name)) throw new UnresolvedPlaceholder(name, path);
      return variables[name];
    }
    return s.replace(ANY, (_, name: string) => {
      if (!has(name)) throw new UnresolvedPlaceholder(name, path);
      return String(variables[name]);
    });
  });
}
