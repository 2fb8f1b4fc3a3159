#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addCloudFormationValidation } from '../lib/compliance/cloudformation-validation';
import { addControlTowerGate } from '../lib/compliance/control-tower';
import { ConfigError, loadConfig, synthesisProblem } from '../lib/config/load-config';
import { composeRempart } from '../lib/rempart-app';

// Wiring only: configuration in, stacks out. `-c config=path.json` and `-c rempart='{…}'` override the
// default. Every gate runs: the cdk-nag packs, aws-cdk-lib's CloudFormation schema validation and AWS
// Control Tower's proactive controls (cfn-guard). The last two cost more than the rest of the synth
// on a first run (BENCHMARKS.md), so both keep their findings by template content for the next one;
// `npm run synth:quick` (REMPART_QUICK_SYNTH=true) skips them while iterating; CI and a deploy never do.
const quick = process.env.REMPART_QUICK_SYNTH === 'true';
const app = new App({ builtinCloudFormationValidation: !quick });
if (!quick) {
  addCloudFormationValidation(app);
  addControlTowerGate(app);
}
try {
  const config = loadConfig({
    file: app.node.tryGetContext('config') as string | undefined,
    overrides: app.node.tryGetContext('rempart'),
  });
  composeRempart(app, config, { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT });
  app.synth();
} catch (e) {
  // People read this, not a stack trace: the configuration field, or the construct, and the fix.
  console.error(e instanceof ConfigError ? e.message : synthesisProblem(e));
  process.exit(1);
}
