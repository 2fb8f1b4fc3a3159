import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { InvocationKind, RempartFunction } from '../../lib/constructs/rempart-function/rempart-function';
import { testStack } from '../helpers/synth';

const entry = path.join(__dirname, '../../lambda/health/handler.ts');

describe('RempartFunction defaults', () => {
  const stack = testStack();
  const fn = new RempartFunction(stack, 'Health', {
    entry,
    description: 'health',
    invocation: InvocationKind.SYNCHRONOUS,
    reservedConcurrentExecutions: 3,
  });
  new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  }).grantReadData(fn.function);
  const template = Template.fromStack(stack);

  it('runs Node.js 24 on ARM64 with tracing, JSON logs, 512 MiB, 10 s and its reserved concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      MemorySize: 512,
      Timeout: 10,
      ReservedConcurrentExecutions: 3,
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'Health',
        }),
      },
    });
  });

  it('logs to a KMS-encrypted log group kept for a year and retained on delete', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('uses its own role with no AWS managed policy, writing only to its own log group', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('HealthLogGroup'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('keeps every statement except X-Ray off Resource * (the IAM5 acknowledgement depends on it)', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const wildcard = Object.values(policies).flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>
      ).filter((s) => s.Resource === '*'),
    );
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard) {
      for (const action of [s.Action].flat()) expect(action).toMatch(/^xray:/);
    }
  });

  it('bundles with the local esbuild into an asset (no Docker image)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
      PackageType: Match.absent(),
    });
  });
});

describe('RempartFunction validation', () => {
  const base = { entry, description: 'x', invocation: InvocationKind.QUEUE, reservedConcurrentExecutions: 1 };
  it.each([
    [{ memorySize: 64 }, /memorySize is 64\. Fix: use 128 to 10240 MiB/],
    [
      { reservedConcurrentExecutions: 0 },
      /reservedConcurrentExecutions is 0\. Fix: use a whole number of at least 1/,
    ],
    [{ timeout: Duration.minutes(20) }, /timeout is 1200 s\. Fix: use 1 to 900 seconds/],
  ])('rejects %p', (override, message) => {
    expect(() => new RempartFunction(testStack(), 'Bad', { ...base, ...override })).toThrow(message);
  });
});
