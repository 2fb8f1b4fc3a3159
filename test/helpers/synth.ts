import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { deepMerge, validateConfig } from '../../lib/config/load-config';
import type { RempartConfig } from '../../lib/config/schema';
import { composeRempart, type RempartStacks } from '../../lib/rempart-app';
import { bookingRegions } from '../../lib/workloads/booking';
import { entRegions } from '../../lib/workloads/ent';

/** The embedded default configuration, validated, optionally with overrides merged in. */
export function testConfig(overrides: unknown = {}): RempartConfig {
  return validateConfig(deepMerge(DEFAULT_CONFIG, overrides));
}

/**
 * An App for construct and stack tests. aws-cdk-lib's built-in CloudFormation validation is off here
 * (it costs ~4 s and ~300 MB per synth); the whole-app test and `cdk synth` keep it on.
 */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false, context: cdkJsonContext() });
}

/** The feature flags of cdk.json, so that tests synthesize with the same flags as `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** A stack in a fixed Region, for construct tests. */
export function testStack(region = 'eu-west-3', app: App = testApp()): Stack {
  return new Stack(app, 'TestStack', { env: { account: '111111111111', region } });
}

/** The whole app, composed exactly as bin/app.ts does. Synthesize it once per test file. */
export function composeTestApp(
  config: RempartConfig = testConfig(),
  app: App = testApp(),
): { app: App; stacks: RempartStacks } {
  return { app, stacks: composeRempart(app, config) };
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Booking and ENT stacks of each application Region, primary first, for assertions on the real app. */
export function regionsOf(stacks: RempartStacks) {
  const booking = bookingRegions(stacks.workloads.Booking);
  const ent = entRegions(stacks.workloads.Ent);
  return booking.map((b, i) => ({
    region: b.region,
    bookingData: b.data,
    bookingApi: b.api,
    entData: ent[i].data,
    entService: ent[i].service,
  }));
}
