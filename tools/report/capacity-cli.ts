import { AssemblyError, loadAssembly } from './assembly';
import { ensureAssembly, loadRempartConfig, parseArgs, UsageError } from './args';
import { checkCapacity, type CapacityReport, type Layer } from './capacity/check';
import { extractCapacity } from './capacity/extract';
import { profileFromConfig } from './capacity/profile';
import { Resolver } from './resolver';

const USAGE = `Usage: npm run capacity -- [--assembly cdk.out] [--config <file.json>] [--context '<json>'] [--synth] [--json]
Sets the declared surge against the settings in the templates and the account quotas.
Exit code 0: every layer Rempart configures fits with the required headroom; 2: it does not; 1: usage error.`;

export function capacityReport(
  assemblyDir: string,
  args = parseArgs([]),
): { report?: CapacityReport; problem?: string } {
  const { config, problem } = loadRempartConfig(args);
  if (!config) return { problem };
  const resolver = new Resolver(loadAssembly(assemblyDir));
  return { report: checkCapacity(extractCapacity(resolver), profileFromConfig(config)) };
}

export function formatReport(report: CapacityReport): string {
  const row = (l: Layer) =>
    [
      l.status.padEnd(9),
      (l.headroom === undefined
        ? '—'
        : Number.isFinite(l.headroom)
          ? `${l.headroom.toFixed(2)}×`
          : '∞'
      ).padStart(8),
      `${l.workload} ${l.title.en} [${l.region}]`,
      `demand ${num(l.demand)} ${l.unit}`,
      l.capacity === undefined
        ? ''
        : `capacity ${num(l.capacity)}${l.configured ? ` (configured ${num(l.configured.value)} in ${l.configured.evidence.template} ${l.configured.evidence.logicalId})` : ''}${l.quota ? ` (quota ${num(l.quota.value)})` : ''}`,
    ].join('  ');
  const lines = [
    `Required headroom: ${report.requiredHeadroom}× on every layer Rempart configures.`,
    '',
    'Declared peak (warm cache; each Region carries the whole surge):',
    ...report.layers
      .filter((l) => l.scenario === 'peak')
      .sort(byHeadroom)
      .map(row),
    '',
    'Opening minutes (cold cache):',
    ...report.layers
      .filter((l) => l.scenario === 'opening')
      .sort(byHeadroom)
      .map(row),
    '',
    report.fits
      ? 'FITS: every configured layer keeps the required headroom.'
      : `DOES NOT FIT: ${report.failing.map((l) => `${l.id} (${(l.headroom ?? 0).toFixed(2)}×)`).join(', ')}`,
    `First layer to saturate: ${report.firstToSaturate?.id ?? 'none'}${report.firstToSaturateAtOpening ? `; at the opening: ${report.firstToSaturateAtOpening.id}` : ''}`,
    '',
    'Quota increases to request (per Region, sized for the Region that carries everything):',
    ...(report.quotaRequests.length
      ? report.quotaRequests.map(
          (r) =>
            `  ${r.region}: ${r.quota} ${Number.isNaN(r.current) ? '(undeclared)' : num(r.current)} → at least ${num(r.needed)} — ${r.reason}`,
        )
      : ['  none']),
    ...(report.notes.length ? ['', 'Notes:', ...report.notes.map((n) => `  - ${n}`)] : []),
  ];
  return lines.join('\n');
}

function byHeadroom(a: Layer, b: Layer): number {
  return (a.headroom ?? Infinity) - (b.headroom ?? Infinity);
}

function num(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function main(argv: readonly string[], log: (line: string) => void = console.log): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      log(USAGE);
      return 0;
    }
    ensureAssembly(args, log);
    const { report, problem } = capacityReport(args.assembly, args);
    if (!report) {
      console.error(`capacity: ${problem ?? 'no configuration'}`);
      return 1;
    }
    log(
      args.json
        ? JSON.stringify(
            report,
            (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
            2,
          )
        : formatReport(report),
    );
    return report.fits ? 0 : 2;
  } catch (e) {
    if (e instanceof UsageError || e instanceof AssemblyError) {
      console.error(`capacity: ${e.message}\n${USAGE}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
