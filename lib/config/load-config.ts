import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DEFAULT_CONFIG } from './default-config';
import { rempartConfigSchema, type RempartConfig } from './schema';

/** Thrown for any configuration problem; its message is meant for people, so the app prints only that. */
export class ConfigError extends Error {
  /**
   * @param message every problem, one per line, ready to print.
   * @param problems the same problems one by one (field, value received, fix), for callers that
   *   list or count them; empty for a problem that is not about a field (an unreadable file).
   */
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Where `loadConfig()` finds the configuration besides the embedded default. `bin/app.ts` passes the
 * CDK context values `config` and `rempart`, so a deployment picks its file and overrides on the
 * command line without code.
 */
export interface LoadConfigOptions {
  /**
   * JSON file merged over the embedded default (objects merge key by key, arrays and values replace).
   * An empty string is refused rather than read as "no file", since it is usually an unset variable.
   * @default - no file: the embedded default alone
   */
  readonly file?: string;
  /**
   * Overrides merged last, e.g. from CDK context: an object, or its JSON text (`-c rempart='{…}'`).
   * @default - no overrides
   */
  readonly overrides?: unknown;
}

/** Default ← file ← overrides, validated once. */
export function loadConfig(options: LoadConfigOptions = {}): RempartConfig {
  let merged: unknown = DEFAULT_CONFIG;
  const sources = ['embedded default'];
  if (options.file !== undefined && options.file.trim() === '') {
    throw new ConfigError(
      'CDK context "config" is empty. Fix: name a JSON file, e.g. -c config=config/prod.json, or leave -c config out to use the embedded default',
    );
  }
  const overrides = parseJsonText(options.overrides);
  if (options.file) {
    merged = deepMerge(merged, readJsonFile(options.file));
    sources.push(options.file);
  }
  if (overrides !== undefined) {
    if (!isPlainObject(overrides)) {
      throw new ConfigError(
        `Rempart configuration overrides must be a JSON object, received ${describe(overrides)}. Fix: pass e.g. -c rempart='{"alerts":{"email":"x@example.fr"}}'`,
      );
    }
    merged = deepMerge(merged, overrides);
    sources.push('CDK context "rempart"');
  }
  return validateConfig(merged, sources.join(' + '));
}

/** Validate a complete configuration object; every problem is reported at once. */
export function validateConfig(input: unknown, source = 'input'): RempartConfig {
  const result = rempartConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(formatIssue);
  throw new ConfigError(
    `Invalid Rempart configuration (${source}), ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    problems,
  );
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  const input = 'input' in issue ? issue.input : undefined;
  if (issue.code === 'invalid_type' && input === undefined) {
    return `${path}: is missing. Fix: add ${path} (a ${issue.expected})`;
  }
  const [what, fix] = issue.message.split(/\.? Fix: /, 2);
  const received = 'input' in issue ? `; received ${describe(input)}` : '';
  return `${path}: ${what}${received}. Fix: ${fix ?? defaultFix(issue, path)}`;
}

/** Zod's own messages say what is wrong; add the fix where the schema did not already give one. */
function defaultFix(issue: z.core.$ZodIssue, path: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return `set ${path} to a ${issue.expected}`;
    case 'unrecognized_keys':
      return `remove ${issue.keys.join(', ')} or correct the spelling (see README, Configuration)`;
    case 'too_small':
      return `use a value ${issue.inclusive === false ? 'above' : 'of at least'} ${String(issue.minimum)}`;
    case 'too_big':
      return `use a value ${issue.inclusive === false ? 'below' : 'of at most'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return 'see README, Configuration';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `Cannot read configuration file "${file}": ${(e as Error).message}. Fix: pass an existing JSON file with -c config=<path>`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(
      `Configuration file "${file}" is not valid JSON: ${(e as Error).message}. Fix: correct the JSON syntax`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merge rule of configuration layers: plain objects merge key by key, anything else (arrays
 * included) is replaced, so a file can shorten a list of the default rather than only extend it.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return out;
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ConfigError(
      `CDK context "rempart" is not valid JSON: ${value}. Fix: quote it, e.g. -c rempart='{"service":{"stage":"prod"}}'`,
    );
  }
}

/**
 * One line for a problem found while building or synthesizing the stacks (a construct's own prop
 * check, a CDK validation, a compliance finding): what and where, never a stack trace. Most such
 * problems are caught earlier by the configuration schema, which names the field.
 */
export function synthesisProblem(error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const where = (e as { constructPath?: string }).constructPath;
  return `Rempart could not synthesize this configuration: ${e.message}${where ? ` (at ${where})` : ''}`;
}
