// Where `cdk synth` spends its time, stage by stage, in one process (npm run bench:synth-profile).
// Stages: load aws-cdk-lib and Rempart, compose the construct tree (includes Lambda bundling),
// synthesize with the compliance packs and aws-cdk-lib's built-in CloudFormation validation.
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

function main(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  mark('load aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig, composeRempart } = require('../lib') as typeof import('../lib');
  mark('load Rempart (lib/, cdk-nag, zod)');
  const config = loadConfig();
  mark('load and validate configuration');
  const outdir = mkdtempSync(join(tmpdir(), 'rempart-profile-'));
  const validation = process.argv.includes('--no-validation') ? false : true;
  const app = new cdk.App({ outdir, builtinCloudFormationValidation: validation, context: cdkJsonContext() });
  composeRempart(app, config);
  mark('compose the construct tree (incl. Lambda bundling)');
  app.synth();
  mark(`synthesize (nag packs${validation ? ' + built-in CloudFormation validation' : ''}, assembly write)`);
  rmSync(outdir, { recursive: true, force: true });
  const total = marks.reduce((s, [, t]) => s + t, 0);
  console.log('| stage | seconds | share |\n|---|---|---|');
  for (const [stage, t] of marks)
    console.log(`| ${stage} | ${t.toFixed(2)} | ${((t / total) * 100).toFixed(0)} % |`);
  console.log(`| total (in process, without CLI start) | ${total.toFixed(2)} | |`);
}

function cdkJsonContext(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../cdk.json') as { context: Record<string, unknown> }).context;
}

main();
