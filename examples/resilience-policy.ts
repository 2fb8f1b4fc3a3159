// ResiliencePolicy: declared recovery objectives per kind of disruption, and a Resilience Hub app
// over your stacks assessed against them every day.
import { App, Stack } from 'aws-cdk-lib';
import { ResiliencePolicy } from '../lib'; // in your app: from 'rempart'

const minutes = (rto: number, rpo: number) => ({ rtoInSecs: rto * 60, rpoInSecs: rpo * 60 });

export function resiliencePolicyExample(app: App): Stack {
  const stack = new Stack(app, 'ResiliencePolicyExample', { env: { region: 'eu-west-3' } });
  new ResiliencePolicy(stack, 'Objectives', {
    name: 'MyService-eu-west-3',
    tier: 'Critical',
    az: minutes(5, 0),
    infrastructure: minutes(5, 0),
    software: minutes(60, 5),
    // Loss of a whole Region: DNS failover within 15 minutes, at most one minute of data lost.
    region: minutes(15, 1),
    // The stacks the app is made of, e.g. your data and API stacks in this Region.
    stackArns: [stack.stackId],
  });
  return stack;
}
