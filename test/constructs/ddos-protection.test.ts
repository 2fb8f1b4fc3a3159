import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  DdosProtection,
  type DdosProtectionProps,
} from '../../lib/constructs/ddos-protection/ddos-protection';
import { testStack } from '../helpers/synth';

const DISTRIBUTION = 'arn:aws:cloudfront::111111111111:distribution/E1ABCDEF';
const ZONE = 'arn:aws:route53:::hostedzone/Z0REMPARTDEMO00000000';
const ALB = 'arn:aws:elasticloadbalancing:eu-west-3:111111111111:loadbalancer/app/ent/0123456789abcdef';

function protection(props: Partial<DdosProtectionProps> = {}) {
  const stack = testStack('us-east-1');
  const ddos = new DdosProtection(stack, 'Ddos', {
    resources: [
      {
        name: 'booking-distribution',
        resourceArn: DISTRIBUTION,
        healthAlarms: [{ alarmName: 'edge-5xx', region: 'us-east-1' }],
        applicationLayerMitigation: true,
      },
      {
        name: 'ent-alb',
        resourceArn: ALB,
        healthAlarms: [
          { alarmName: 'ent-5xx', region: 'eu-west-3' },
          { alarmName: 'ent-unhealthy-hosts', region: 'eu-west-3' },
        ],
        applicationLayerMitigation: true,
      },
      { name: 'hosted-zone', resourceArn: ZONE },
    ],
    proactiveEngagementContacts: [{ email: 'soc@rempart-demo.fr', phone: '+33123456789' }],
    ...props,
  });
  return { stack, ddos };
}

const { stack, ddos } = protection();
const template = Template.fromStack(stack);

describe('DdosProtection', () => {
  it('protects every resource, with automatic application-layer mitigation in Count', () => {
    template.resourceCountIs('AWS::Shield::Protection', 3);
    template.hasResourceProperties('AWS::Shield::Protection', {
      Name: 'booking-distribution',
      ResourceArn: DISTRIBUTION,
      ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Count: {} } },
      HealthCheckArns: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::Shield::Protection', {
      Name: 'hosted-zone',
      ResourceArn: ZONE,
      ApplicationLayerAutomaticResponseConfiguration: Match.absent(),
      HealthCheckArns: Match.absent(),
    });
  });

  it('detects on application health: alarm-based Route 53 health checks, combined when several', () => {
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: 'edge-5xx', Region: 'us-east-1' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
      },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CALCULATED',
        HealthThreshold: 2,
        ChildHealthChecks: [Match.anyValue(), Match.anyValue()],
      },
    });
    expect(Object.keys(ddos.healthChecks).sort()).toEqual(['booking-distribution', 'ent-alb']);
  });

  it('groups the resources so that Shield sees one application', () => {
    template.hasResourceProperties('AWS::Shield::ProtectionGroup', {
      Aggregation: 'MAX',
      Pattern: 'ARBITRARY',
      Members: [DISTRIBUTION, ALB, ZONE],
    });
    const group = Object.values(template.findResources('AWS::Shield::ProtectionGroup'))[0] as {
      DependsOn: string[];
    };
    expect(group.DependsOn).toHaveLength(3);
  });

  it('configures proactive engagement with the given contacts', () => {
    template.hasResourceProperties('AWS::Shield::ProactiveEngagement', {
      ProactiveEngagementStatus: 'ENABLED',
      EmergencyContactList: [{ EmailAddress: 'soc@rempart-demo.fr', PhoneNumber: '+33123456789' }],
    });
  });

  it('can block once a baseline exists, and leaves proactive engagement out by default', () => {
    const { stack: s } = protection({
      applicationLayerAction: 'BLOCK',
      proactiveEngagementContacts: undefined,
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Shield::Protection', {
      ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Block: {} } },
    });
    t.resourceCountIs('AWS::Shield::ProactiveEngagement', 0);
  });
});

describe('DdosProtection validation', () => {
  it.each<[string, Partial<DdosProtectionProps>, RegExp]>([
    ['no resource', { resources: [], proactiveEngagementContacts: undefined }, /resources is empty/],
    [
      'an unprotectable ARN',
      { resources: [{ name: 'queue', resourceArn: 'arn:aws:sqs:eu-west-3:111111111111:q' }] },
      /is not a resource Shield Advanced protects/,
    ],
    [
      'app-layer mitigation on a hosted zone',
      { resources: [{ name: 'zone', resourceArn: ZONE, applicationLayerMitigation: true }] },
      /enable it only on CloudFront distributions and application load balancers/,
    ],
    [
      'a repeated name',
      {
        resources: [
          { name: 'a', resourceArn: ZONE },
          { name: 'a', resourceArn: DISTRIBUTION },
        ],
        proactiveEngagementContacts: undefined,
      },
      /name is used twice/,
    ],
    [
      'a bad contact e-mail',
      { proactiveEngagementContacts: [{ email: 'soc' }] },
      /proactiveEngagementContacts\[0\]\.email is "soc"/,
    ],
    [
      'eleven contacts',
      { proactiveEngagementContacts: Array.from({ length: 11 }, () => ({ email: 'a@b.fr' })) },
      /has 11 entries/,
    ],
    [
      'proactive engagement without health checks',
      { resources: [{ name: 'zone', resourceArn: ZONE }] },
      /no resource has healthAlarms/,
    ],
  ])('rejects %s', (_what, props, message) => {
    expect(() => protection(props)).toThrow(message);
  });
});
