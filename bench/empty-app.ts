import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';

// Baseline for bench/synth.mjs: the CLI's fixed cost (process start, aws-cdk-lib load, assembly
// write) with one stack holding a single no-op resource, since CloudFormation refuses empty templates.
const app = new App();
new CfnWaitConditionHandle(new Stack(app, 'BenchEmpty', { env: { region: 'eu-west-3' } }), 'Noop');
