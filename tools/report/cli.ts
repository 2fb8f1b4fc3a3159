import { join, relative } from 'node:path';
import { AssemblyError } from './assembly';
import { ensureAssembly, loadRempartConfig, parseArgs, UsageError } from './args';
import { generateEvidencePack } from './generate';

const USAGE = `Usage: npm run report -- [--assembly cdk.out] [--out <dir>] [--baseline <approved cdk.out>]
                         [--config <file.json>] [--context '<json>'] [--synth] [--commit <sha>]
Writes <assembly>/evidence/: index.html, evidence.md, evidence.json, SHA256SUMS, architecture.{svg,dot,mmd}.`;

/** The evidence pack command; returns the process exit code. */
export function main(argv: readonly string[], log: (line: string) => void = console.log): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      log(USAGE);
      return 0;
    }
    ensureAssembly(args, log);
    const { config, problem, source } = loadRempartConfig(args);
    const result = generateEvidencePack({
      assemblyDir: args.assembly,
      outDir: args.out,
      baselineDir: args.baseline,
      config,
      configProblem: problem,
      configSource: source,
      commit: args.commit,
      log,
    });
    log(`[report] open ${relative(process.cwd(), join(result.outDir, 'index.html'))}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof AssemblyError) {
      console.error(`report: ${e.message}\n${USAGE}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
