// DdosProtection: Shield Advanced protections, a protection group, health-based detection and
// automatic application-layer mitigation. Needs an existing Shield Advanced subscription (no
// CloudFormation resource creates one; it costs several thousand dollars a month).
import { App, Stack } from 'aws-cdk-lib';
import { DdosProtection } from '../lib'; // in your app: from 'rempart'

export function ddosProtectionExample(app: App): Stack {
  const stack = new Stack(app, 'DdosProtectionExample', { env: { region: 'us-east-1' } });
  new DdosProtection(stack, 'Shield', {
    resources: [
      {
        name: 'site-distribution',
        // e.g. ResilientDistribution.distribution.distributionArn in the same stack.
        resourceArn: 'arn:aws:cloudfront::111122223333:distribution/E1EXAMPLE',
        // Shield detects earlier, and with fewer false positives, when it knows the app's health.
        healthAlarms: [{ alarmName: 'MyService-Edge-ServerErrorRate', region: 'us-east-1' }],
        applicationLayerMitigation: true,
      },
      { name: 'hosted-zone', resourceArn: 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ' },
    ],
    // Shield needs weeks of baseline traffic before its own rules can be trusted to block.
    applicationLayerAction: 'COUNT',
  });
  return stack;
}
