#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig, synthesisProblem } from '../lib/config/load-config';
import { composeRempart } from '../lib/rempart-app';

// Wiring only: configuration in, stacks out. `-c config=path.json` and `-c rempart='{…}'` override the
// default. aws-cdk-lib's built-in CloudFormation validation costs as much as the rest of the synth
// (BENCHMARKS.md): CI runs it on every variant's assembly (test/app); set CDK_VALIDATION=true
// (`npm run synth:validate`) to run it here too. The compliance packs always run.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
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
