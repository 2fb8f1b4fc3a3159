import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  RegionalFailover,
  RegionalRouting,
  type RegionalFailoverProps,
} from '../../lib/constructs/regional-failover';
import { testStack } from '../helpers/synth';

function build(overrides: Partial<RegionalFailoverProps> = {}) {
  const stack = testStack('eu-central-1');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z123',
    zoneName: 'example.fr',
  });
  const alarms = ['A', 'B'].map((n) => cloudwatch.Alarm.fromAlarmName(stack, n, `svc-${n}`));
  const f = new RegionalFailover(stack, 'Failover', {
    hostedZone: zone,
    healthAlarms: alarms,
    records: [{ recordName: 'origin.app.example.fr', target: 'abc.execute-api.eu-central-1.amazonaws.com' }],
    ...overrides,
  });
  return { f, template: Template.fromStack(stack) };
}

describe('RegionalFailover', () => {
  it('creates one CLOUDWATCH_METRIC health check per alarm and a CALCULATED check needing all of them', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: 'svc-A', Region: 'eu-central-1' },
        InsufficientDataHealthStatus: 'Unhealthy',
      },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CALCULATED',
        HealthThreshold: 2,
        ChildHealthChecks: [
          { Ref: Match.stringLikeRegexp('AlarmCheck0') },
          { Ref: Match.stringLikeRegexp('AlarmCheck1') },
        ],
      }),
    });
  });

  it('answers with a latency record of 60 s by default', () => {
    build().template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.app.example.fr.',
      Type: 'CNAME',
      TTL: '60',
      Region: 'eu-central-1',
      SetIdentifier: 'eu-central-1',
      HealthCheckId: Match.anyValue(),
    });
  });

  it('creates health checks only when no record is given', () => {
    const { template, f } = build({ records: [] });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::Route53::HealthCheck', 3);
    expect(f.healthCheck.healthCheckId).toBeDefined();
  });

  it('supports active-passive failover records', () => {
    build({ routing: RegionalRouting.FAILOVER, primary: false }).template.hasResourceProperties(
      'AWS::Route53::RecordSet',
      {
        Failover: 'SECONDARY',
      },
    );
  });

  it('evacuates the Region by inverting the calculated check', () => {
    build({ evacuated: true }).template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', Inverted: true }),
    });
  });

  it('adds an ARC routing control as one more child when given', () => {
    const arn = 'arn:aws:route53-recovery-control::111111111111:controlpanel/abc/routingcontrol/def';
    const { template } = build({ routingControlArn: arn });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'RECOVERY_CONTROL', RoutingControlArn: arn },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 3 }),
    });
  });

  it('rejects no alarms, a TTL above 60 s and primary without FAILOVER routing', () => {
    expect(() => build({ healthAlarms: [] })).toThrow(/healthAlarms is empty.*Fix:/);
    expect(() => build({ ttl: Duration.seconds(300) })).toThrow(/ttl is 300 s\. Fix: use 1 to 60 s/);
    expect(() => build({ primary: true })).toThrow(/primary is set but routing is not FAILOVER/);
  });
});
