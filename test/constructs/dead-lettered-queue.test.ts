import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  DeadLetteredQueue,
  type DeadLetteredQueueProps,
} from '../../lib/constructs/dead-lettered-queue/dead-lettered-queue';
import { ServerlessChecks, AwsSolutionsChecks } from 'cdk-nag';
import { testStack } from '../helpers/synth';

describe('DeadLetteredQueue defaults', () => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const q = new DeadLetteredQueue(stack, 'Writes', { encryptionKey: key });
  const template = Template.fromStack(stack);

  it('acknowledges the terminal DLQ once, for every pack that asks a DLQ of it (Control Tower included)', () => {
    const ids = q.deadLetterQueue.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object).map((k) => k.replace(/^Annotation::/, '')));
    expect(ids.sort()).toEqual([
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
      'cdk-validator-cfnguard::sqs_dlq_check',
    ]);
    for (const pack of [new ServerlessChecks(), new AwsSolutionsChecks()]) {
      const findings = pack.validateScope(q).violations.map((v) => v.ruleName);
      expect(findings.filter((f) => /SQS3|SQSRedrivePolicy/.test(f))).toEqual([]);
    }
    expect(q.queue.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')).toEqual([]);
  });

  it('moves a message to the dead-letter queue after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 60,
      MessageRetentionPeriod: 345_600,
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [stack.getLogicalId(q.deadLetterQueue.node.defaultChild as never), 'Arn'],
        },
        maxReceiveCount: 5,
      },
    });
  });

  it('keeps failures 14 days in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('encrypts both queues with the customer-managed key and refuses non-TLS access', () => {
    template.allResourcesProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('DeadLetteredQueue rejects bad props', () => {
  const cases: Array<[string, Partial<DeadLetteredQueueProps>, RegExp]> = [
    ['visibility above 12 h', { visibilityTimeout: Duration.hours(13) }, /visibilityTimeout is 46800 s/],
    [
      'retention above 14 days',
      { retentionPeriod: Duration.days(15) },
      /retentionPeriod is 1296000 s.*60 s to 14 days/,
    ],
    [
      'retention below a minute',
      { retentionPeriod: Duration.seconds(30), deadLetterRetentionPeriod: Duration.days(1) },
      /retentionPeriod is 30 s/,
    ],
    [
      'dead-letter retention not longer',
      { retentionPeriod: Duration.days(4), deadLetterRetentionPeriod: Duration.days(4) },
      /deadLetterRetentionPeriod \(345600 s\) is not longer than retentionPeriod/,
    ],
    ['zero receives', { maxReceiveCount: 0 }, /maxReceiveCount is 0.*1 to 1000/],
    ['too many receives', { maxReceiveCount: 1001 }, /maxReceiveCount is 1001/],
  ];
  it.each(cases)('%s', (_name, bad, expected) => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    expect(() => new DeadLetteredQueue(stack, 'Writes', { encryptionKey: key, ...bad })).toThrow(expected);
  });
});
