import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
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
    originVerify: {
      headerName: 'X-Rempart-Origin-Verify',
      secretName: 'rempart/origin-verify',
      replicaKeyAlias: 'alias/rempart/origin-secret-replicas',
    },
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

describe('RegionalApiOrigin origin secret', () => {
  const { stack, origin } = build();
  const t = Template.fromStack(stack);
  const secretId = stack.getLogicalId(origin.secret.node.defaultChild as CfnResource);
  const previousId = stack.getLogicalId(origin.previousSecret.node.defaultChild as CfnResource);

  it('encrypts the current secret and its us-east-1 replica with customer-managed keys', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'rempart/origin-verify/eu-central-1',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecretKey'), 'Arn'] },
      ReplicaRegions: [{ Region: 'us-east-1', KmsKeyId: 'alias/rempart/origin-secret-replicas' }],
    });
  });

  it('keeps the previous value in its own secret, in this Region only', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'rempart/origin-verify/eu-central-1/previous',
      KmsKeyId: Match.anyValue(),
      ReplicaRegions: Match.absent(),
    });
  });

  it('makes the web ACL accept the current and the previous value', () => {
    const dynamicRef = (id: string) => ({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: id }, ':SecretString:::}}']],
    });
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: [
        Match.objectLike({
          Name: 'RejectWithoutOriginHeader',
          Statement: {
            NotStatement: {
              Statement: {
                OrStatement: {
                  Statements: [secretId, previousId].map((id) => ({
                    ByteMatchStatement: Match.objectLike({
                      FieldToMatch: { SingleHeader: { Name: 'x-rempart-origin-verify-eu-central-1' } },
                      SearchString: dynamicRef(id),
                    }),
                  })),
                },
              },
            },
          },
        }),
      ],
    });
  });

  it('rotates every 30 days by its own function, never during a deploy', () => {
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OriginRotation'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '111111111111',
      SourceArn: { Ref: secretId },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WEB_ACL_SCOPE: 'REGIONAL',
          ORIGIN_RULE_NAME: 'RejectWithoutOriginHeader',
          ORIGIN_HEADER_NAME: 'x-rempart-origin-verify-eu-central-1',
          PREVIOUS_SECRET_ARN: { Ref: previousId },
        }),
      },
    });
  });

  it('lets the rotation function touch only its secrets, its web ACL and the distributions', () => {
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        p.Properties.PolicyDocument.Statement as Array<{
          Sid?: string;
          Action: string | string[];
          Resource: unknown;
        }>,
    );
    const bySid = (sid: string) => statements.find((x) => x.Sid === sid);
    expect(bySid('RotateCurrent')?.Resource).toEqual({ Ref: secretId });
    expect(bySid('WritePrevious')?.Resource).toEqual({ Ref: previousId });
    expect(bySid('OriginGuard')?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^OriginFirewall/), 'Arn'],
    });
    expect(bySid('FindDistributions')).toMatchObject({
      Action: 'cloudfront:ListDistributions',
      Resource: '*',
    });
    expect(bySid('EncryptReplica')).toMatchObject({
      Condition: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/rempart/origin-secret-replicas'] },
      },
    });
    // Random values come from the function itself, not from GetRandomPassword on "*".
    expect(JSON.stringify(statements)).not.toContain('GetRandomPassword');
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

  it('rejects a replica left on the AWS-managed key', () => {
    expect(() => build({ originVerify: { headerName: 'x', secretName: 'rempart/origin-verify' } })).toThrow(
      /originVerify\.replicaKeyAlias is missing: the us-east-1 replica would be encrypted with the AWS-managed key/,
    );
    expect(() =>
      build({
        originVerify: { headerName: 'x', secretName: 's', replicaKeyAlias: 'alias/aws/secretsmanager' },
      }),
    ).toThrow(
      /originVerify\.replicaKeyAlias is "alias\/aws\/secretsmanager"\. Fix: use the alias of a customer-managed key/,
    );
  });

  it('rejects web ACL logs kept less than a year', () => {
    expect(() => build({ logRetention: logs.RetentionDays.ONE_MONTH })).toThrow(
      /logRetention is 30 days\. Fix: keep the web ACL's logs at least 365 days/,
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
