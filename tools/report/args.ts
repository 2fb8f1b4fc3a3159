import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type RempartConfig } from '../../lib/config';

export interface CliArgs {
  readonly assembly: string;
  readonly out?: string;
  readonly baseline?: string;
  /** JSON file merged over the embedded default, as `cdk synth -c config=<file>`. */
  readonly config?: string;
  /** Inline JSON overrides, as `cdk synth -c rempart='{…}'`. */
  readonly context?: string;
  readonly synth: boolean;
  readonly commit?: string;
  readonly json: boolean;
  readonly help: boolean;
}

const VALUE_FLAGS = ['--assembly', '--out', '--baseline', '--config', '--context', '--commit'] as const;
const BOOLEAN_FLAGS = ['--synth', '--json', '--help'] as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`${name} needs a value. Fix: e.g. ${name} cdk.out`);
      values[name] = value;
    } else if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      flags.add(name);
    } else {
      throw new UsageError(
        `unknown option "${arg}". Fix: use ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].join(', ')}`,
      );
    }
  }
  return {
    assembly: values['--assembly'] ?? 'cdk.out',
    out: values['--out'],
    baseline: values['--baseline'],
    config: values['--config'],
    context: values['--context'],
    synth: flags.has('--synth'),
    commit: values['--commit'],
    json: flags.has('--json'),
    help: flags.has('--help'),
  };
}

/**
 * The configuration the app was synthesized with: cdk.json's `config` / `rempart` context as
 * `bin/app.ts` reads it, overridden by --config / --context.
 */
export function loadRempartConfig(
  args: CliArgs,
  cwd = process.cwd(),
): { config?: RempartConfig; problem?: string; source: string } {
  let context: Record<string, unknown> = {};
  const cdkJson = join(cwd, 'cdk.json');
  if (existsSync(cdkJson)) {
    context =
      (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  }
  const file = args.config ?? (typeof context.config === 'string' ? context.config : undefined);
  let overrides: unknown = context.rempart;
  if (args.context !== undefined) {
    try {
      overrides = JSON.parse(args.context) as unknown;
    } catch {
      return {
        problem: `--context is not valid JSON: ${args.context}. Fix: quote it, e.g. --context '{"service":{"stage":"prod"}}'`,
        source: 'none',
      };
    }
  } else if (typeof overrides === 'string') {
    overrides = JSON.parse(overrides) as unknown;
  }
  const source = ['embedded default', file, overrides !== undefined ? 'context overrides' : undefined]
    .filter(Boolean)
    .join(' + ');
  try {
    return { config: loadConfig({ file, overrides }), source };
  } catch (e) {
    if (e instanceof ConfigError) return { problem: e.message, source };
    throw e;
  }
}

/** Runs `cdk synth` into the assembly directory (with the same configuration flags) when asked or when it is missing. */
export function ensureAssembly(args: CliArgs, log: (line: string) => void, cwd = process.cwd()): void {
  const dir = resolve(cwd, args.assembly);
  if (!args.synth && existsSync(join(dir, 'manifest.json'))) return;
  const cdk = join(cwd, 'node_modules', '.bin', 'cdk');
  const context = [
    ...(args.config ? ['-c', `config=${args.config}`] : []),
    ...(args.context ? ['-c', `rempart=${args.context}`] : []),
  ];
  log(
    `[report] ${existsSync(join(dir, 'manifest.json')) ? 'synthesizing (--synth)' : `no assembly in ${args.assembly}: synthesizing`} with cdk synth -o ${args.assembly}`,
  );
  const result = spawnSync(cdk, ['synth', '-o', dir, '--quiet', ...context], { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new UsageError(
      `cdk synth failed (exit ${result.status ?? 'signal'}). Fix: run \`npx cdk synth -o ${args.assembly}\` and read its errors`,
    );
  }
}
