#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../lib/config/load-config';
import { composeRempart } from '../lib/rempart-app';

// Wiring only: configuration in, stacks out. `-c config=path.json` and `-c rempart='{…}'` override the default.
const app = new App();
try {
  const config = loadConfig({
    file: app.node.tryGetContext('config') as string | undefined,
    overrides: parseContextJson(app.node.tryGetContext('rempart')),
  });
  composeRempart(app, config, { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT });
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}

function parseContextJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ConfigError(
      `CDK context "rempart" is not valid JSON: ${value}. Fix: quote it, e.g. -c rempart='{"service":{"stage":"prod"}}'`,
    );
  }
}
