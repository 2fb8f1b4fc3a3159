// Where `cdk synth` spends its time, stage by stage, in one process (npm run bench:synth-profile).
// Stages: load aws-cdk-lib and Rempart, compose the construct tree (includes Lambda bundling),
// synthesize; within the synthesis, the time of each validation plugin (the cdk-nag packs, the
// CloudFormation validation and the Control Tower gate, wired as bin/app.ts wires them).
// `--cold` empties the validations' findings caches first (a fresh clone); `--no-validation` leaves
// the CloudFormation validation and the Control Tower gate out (as `npm run synth:quick`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const marks: Array<[string, number]> = [];
let last = performance.now();
const mark = (stage: string) => {
  const now = performance.now();
  marks.push([stage, (now - last) / 1000]);
  last = now;
};

/** Seconds spent in each validation plugin's `validate`, by plugin name. */
const pluginSeconds = new Map<string, number>();
function timePlugins(app: object): void {
  // The App's registered plugins (aws-cdk-lib keeps them on the stage; not a public API: a bench only).
  const plugins = (app as { _validationPlugins?: Array<{ name: string; validate: (c: unknown) => unknown }> })
    ._validationPlugins;
  for (const plugin of plugins ?? []) {
    const validate = plugin.validate.bind(plugin);
    plugin.validate = (context: unknown) => {
      const start = performance.now();
      try {
        return validate(context);
      } finally {
        pluginSeconds.set(
          plugin.name,
          (pluginSeconds.get(plugin.name) ?? 0) + (performance.now() - start) / 1000,
        );
      }
    };
  }
}

function main(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  mark('load aws-cdk-lib');
  const { loadConfig, composeRempart, addCloudFormationValidation, addControlTowerGate } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../lib') as typeof import('../lib');
  mark('load Rempart (lib/, cdk-nag, zod)');
  const config = loadConfig();
  mark('load and validate configuration');
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-profile-'));
  const validation = !process.argv.includes('--no-validation');
  if (process.argv.includes('--cold')) {
    for (const name of ['rempart-guard', 'rempart-cfn-validate'])
      rmSync(join(process.cwd(), 'node_modules', '.cache', name), { recursive: true, force: true });
  }
  const app = new cdk.App({ outdir, builtinCloudFormationValidation: validation, context: cdkJsonContext() });
  if (validation) {
    addCloudFormationValidation(app);
    addControlTowerGate(app);
  }
  composeRempart(app, config);
  mark('compose the construct tree (incl. Lambda bundling)');
  timePlugins(app);
  app.synth();
  mark('synthesize (aspects, templates, validation plugins, assembly write)');
  rmSync(outdir, { recursive: true, force: true });
  const total = marks.reduce((sum, [, t]) => sum + t, 0);
  console.log('| stage | seconds | share |\n|---|---|---|');
  for (const [stage, t] of marks)
    console.log(`| ${stage} | ${t.toFixed(2)} | ${((t / total) * 100).toFixed(0)} % |`);
  for (const [plugin, t] of pluginSeconds)
    console.log(
      `| … of which validation plugin "${plugin}" | ${t.toFixed(2)} | ${((t / total) * 100).toFixed(0)} % |`,
    );
  console.log(`| total (in process, without CLI start) | ${total.toFixed(2)} | |`);
}

function cdkJsonContext(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../cdk.json') as { context: Record<string, unknown> }).context;
}

main();
