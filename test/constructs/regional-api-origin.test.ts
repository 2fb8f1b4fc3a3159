import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RegionalRouting } from '../../lib/constructs/regional-failover/regional-failover';
import {
  RegionalApiOrigin,
  type RegionalApiOriginProps,
} from '../../lib/constructs/resilient-distribution/regional-api-origin';
import { testApp, testStack } from '../helpers/synth';

function build(props: Partial<RegionalApiOriginProps> = {}, stack: Stack = testStack('eu-central-1')) {
  const restApi = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
  restApi.root.addMethod('GET', new apigateway.MockIntegration());
  const origin = new RegionalApiOrigin(stack, 'Origin', {
    restApi,
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0REMPARTDEMO00000000',
      zoneName: 'rempart-demo.fr',
    }),
    writeDomainName: 'origin.rdv.rempart-demo.fr',
    originVerify: { headerName: 'X-Rempart-Origin-Verify', secretName: 'rempart/origin-verify' },
    logEncryptionKey: new kms.Key(stack, 'Key'),
    ...props,
  });
  return { stack, origin };
}

describe('RegionalApiOrigin', () => {
  const stack = testStack('eu-central-1');
  const extra = new cloudwatch.Alarm(stack, 'QueueAge', {
    metric: new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage' }),
    threshold: 600,
    evaluationPeriods: 1,
  });
  const topic = new sns.Topic(stack, 'Topic');
  const { origin } = build(
    {
      healthAlarms: [extra],
      alarmAction: new actions.SnsAction(topic),
      routing: RegionalRouting.FAILOVER,
      primary: false,
    },
    stack,
  );
  const t = Template.fromStack(stack);

  it('names the header and the secret after its Region', () => {
    expect(origin.headerName).toBe('x-rempart-origin-verify-eu-central-1');
    expect(origin.secretName).toBe('rempart/origin-verify/eu-central-1');
  });

  it('fails the Region out of the write record when any health alarm fires', () => {
    expect(origin.healthAlarms).toHaveLength(2);
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 2 }),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.rdv.rempart-demo.fr.',
      Failover: 'SECONDARY',
    });
  });

  it('pages through the given action', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
  });
});

describe('RegionalApiOrigin validation', () => {
  it('rejects a write name outside the zone', () => {
    expect(() => build({ writeDomainName: 'origin.example.org' })).toThrow(
      /writeDomainName "origin\.example\.org" is not in the zone "rempart-demo\.fr"/,
    );
  });

  it('rejects an error-rate threshold that is not a share', () => {
    expect(() => build({ serverErrorRateThreshold: 5 })).toThrow(
      /serverErrorRateThreshold is 5\. Fix: use a share between 0 and 1/,
    );
  });

  it('rejects us-east-1, where no application API lives', () => {
    expect(() => build({}, testStack('us-east-1'))).toThrow(
      /the stack is in us-east-1\. Fix: create RegionalApiOrigin next to the API/,
    );
  });

  it('rejects a stack without an explicit Region', () => {
    const app: App = testApp();
    expect(() => build({}, new Stack(app, 'Agnostic'))).toThrow(/the stack has no explicit Region/);
  });
});

describe('RegionalApiOrigin without its own write record', () => {
  const { stack, origin } = build({ writeRecord: false });
  const t = Template.fromStack(stack);

  it('leaves the record, its health checks and the alarm that would drive them to the record owner', () => {
    expect(origin.failover).toBeUndefined();
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.resourceCountIs('AWS::Route53::HealthCheck', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  it('still guards the stage and serves the write domain', () => {
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    t.hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'origin.rdv.rempart-demo.fr' });
  });
});
