/** Tiny `--flag value` parser shared by the operator commands (no dependency, clear errors). */
export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  return v === undefined || v.startsWith('--') ? undefined : v;
}

export function has(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`);
}

export function requireFlags(argv: readonly string[], names: readonly string[], usage: string): string[] {
  const values = names.map((n) => flag(argv, n));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length) throw new Error(`Missing ${missing.map((m) => `--${m}`).join(', ')}. Usage: ${usage}`);
  return values as string[];
}
