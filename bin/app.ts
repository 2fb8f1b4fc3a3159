#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addControlTowerGate } from '../lib/compliance/control-tower';
import { ConfigError, loadConfig, synthesisProblem } from '../lib/config/load-config';
import { composeRempart } from '../lib/rempart-app';

// Wiring only: configuration in, stacks out. `-c config=path.json` and `-c rempart='{…}'` override the
// default. The cdk-nag packs always run. aws-cdk-lib's CloudFormation schema validation and AWS
// Control Tower's proactive controls (cfn-guard) cost twice the rest of the synth together
// (BENCHMARKS.md): CI runs both on every test run (test/app), and `npm run synth:all-gates`
// (REMPART_ALL_GATES=true) runs them here.
const allGates = process.env.REMPART_ALL_GATES === 'true';
const app = new App({ builtinCloudFormationValidation: allGates || process.env.CDK_VALIDATION === 'true' });
if (allGates) addControlTowerGate(app);
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
