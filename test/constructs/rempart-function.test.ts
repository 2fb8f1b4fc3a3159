import * as path from 'node:path';
import { Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvocationKind, RempartFunction } from '../../lib/constructs/rempart-function/rempart-function';
import { composeTestApp, testStack } from '../helpers/synth';

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
      ).filter((s) => [s.Resource].flat().includes('*')),
    );
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard) {
      for (const action of [s.Action].flat()) expect(action).toMatch(/^xray:/);
    }
  });

  it('has no FIS extension unless faultInjection is given', () => {
    expect(fn.faultConfigLocationArn).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: Match.absent(),
      Environment: {
        Variables: Match.not(Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: Match.anyValue() })),
      },
    });
  });

  it('bundles with the local esbuild into an asset (no Docker image)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
      PackageType: Match.absent(),
    });
  });
});

const LAYER = 'arn:aws:lambda:eu-west-3:222222222222:layer:aws-fis-extension-arm64:9';

describe('RempartFunction roles in the whole app', () => {
  // The AwsSolutions-IAM5[Resource::*] acknowledgement sits on every RempartFunction role of the app:
  // check what it covers on the real roles, not only on a toy stack.
  const { app } = composeTestApp();
  const functions = app.node.findAll().filter((c): c is RempartFunction => c instanceof RempartFunction);
  const templates = new Map<Stack, Template>();
  const templateOf = (stack: Stack) => {
    if (!templates.has(stack)) templates.set(stack, Template.fromStack(stack));
    return templates.get(stack) as Template;
  };
  interface Statement {
    Effect: string;
    Action?: string | string[];
    NotAction?: unknown;
    Resource?: unknown;
    NotResource?: unknown;
  }
  /** Every statement of every policy attached to the function's role (inline, attached or managed). */
  const statementsOf = (fn: RempartFunction): Statement[] => {
    const stack = Stack.of(fn);
    const roleId = stack.getLogicalId(fn.role.node.defaultChild as CfnResource);
    const template = templateOf(stack);
    const attached = (p: Record<string, unknown>) =>
      ((p.Properties as { Roles?: unknown[] }).Roles ?? []).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      );
    const documents = [
      ...Object.values(template.findResources('AWS::IAM::Policy')).filter(attached),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter(attached),
    ].map((p) => p.Properties.PolicyDocument as { Statement: Statement[] });
    const role = template.toJSON().Resources[roleId] as {
      Properties: { Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }> };
    };
    documents.push(...(role.Properties.Policies ?? []).map((p) => p.PolicyDocument));
    return documents.flatMap((d) => d.Statement);
  };

  it('finds the functions of every workload', () => {
    expect(functions.length).toBeGreaterThanOrEqual(8); // four booking functions in each of two Regions
  });

  // Actions that IAM defines with no resource type: "*" is the only Resource they accept.
  // cloudwatch:DescribeAlarms returns composite alarms only to a caller allowed on "*" (the
  // waiting room's fail-open switch reads the Regions' composite health alarms).
  const NO_RESOURCE_TYPE = /^(xray:|cloudfront:ListDistributions$|cloudwatch:DescribeAlarms$)/;

  it('uses Resource "*" (alone or in a list) only for actions without a resource type, and never NotAction / NotResource', () => {
    let wildcardStatements = 0;
    for (const fn of functions) {
      for (const s of statementsOf(fn)) {
        expect({ fn: fn.node.path, NotAction: s.NotAction, NotResource: s.NotResource }).toEqual({
          fn: fn.node.path,
          NotAction: undefined,
          NotResource: undefined,
        });
        const resources = [s.Resource].flat();
        if (!resources.includes('*')) continue;
        wildcardStatements++;
        for (const action of [s.Action].flat()) {
          expect({ fn: fn.node.path, action }).toEqual({
            fn: fn.node.path,
            action: expect.stringMatching(NO_RESOURCE_TYPE),
          });
        }
      }
    }
    expect(wildcardStatements).toBeGreaterThanOrEqual(functions.length);
  });

  it('grants X-Ray actions on exactly "*" and on nothing else', () => {
    for (const fn of functions) {
      for (const s of statementsOf(fn)) {
        if (![s.Action].flat().some((a) => a?.startsWith('xray:'))) continue;
        expect({ fn: fn.node.path, Resource: s.Resource }).toEqual({ fn: fn.node.path, Resource: '*' });
      }
    }
  });
});

describe('RempartFunction faultInjection', () => {
  const stack = testStack();
  const bucket = new s3.Bucket(stack, 'FaultConfig');
  const fn = new RempartFunction(stack, 'Worker', {
    entry,
    description: 'worker',
    invocation: InvocationKind.QUEUE,
    reservedConcurrentExecutions: 3,
    environment: { TABLE_NAME: 't' },
    faultInjection: { extensionLayerArn: LAYER, configLocation: { bucket, prefix: 'fis/lambda' } },
  });
  const template = Template.fromStack(stack);
  const location = {
    'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('FaultConfig'), 'Arn'] }, '/fis/lambda/']],
  };

  it("adds the FIS extension layer and its two environment variables, keeping the caller's", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [LAYER],
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: 't',
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/aws-fis/bootstrap',
          AWS_FIS_CONFIGURATION_LOCATION: location,
        }),
      },
    });
    expect(stack.resolve(fn.faultConfigLocationArn)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/FaultConfig/), 'Arn'] }, '/fis/lambda/']],
    });
  });

  it('may only list the prefix and read objects under it (no write, no other key)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ListFaultConfig',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('FaultConfig'), 'Arn'] },
            Condition: { StringLike: { 's3:prefix': ['fis/lambda/*'] } },
          },
          {
            Sid: 'ReadFaultConfig',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [Match.stringLikeRegexp('FaultConfig'), 'Arn'] }, '/fis/lambda/*'],
              ],
            },
          },
        ]),
      },
    });
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((st) =>
        [st.Action].flat(),
      ),
    );
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('may decrypt with the bucket key when the bucket is KMS-encrypted', () => {
    const kmsStack = testStack();
    const key = new kms.Key(kmsStack, 'Key', { enableKeyRotation: true });
    const kmsBucket = new s3.Bucket(kmsStack, 'FaultConfig', { encryptionKey: key });
    new RempartFunction(kmsStack, 'Worker', {
      entry,
      description: 'worker',
      invocation: InvocationKind.QUEUE,
      reservedConcurrentExecutions: 3,
      faultInjection: { extensionLayerArn: LAYER, configLocation: { bucket: kmsBucket, prefix: 'fis/' } },
    });
    Template.fromStack(kmsStack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
          }),
        ]),
      },
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

  const withFault = (extensionLayerArn: string, prefix = 'fis/', environment?: Record<string, string>) => {
    const stack = testStack('eu-west-3');
    const bucket = new s3.Bucket(stack, 'B');
    return () =>
      new RempartFunction(stack, 'Bad', {
        ...base,
        environment,
        faultInjection: { extensionLayerArn, configLocation: { bucket, prefix } },
      });
  };
  it.each([
    [
      'not a layer version ARN',
      withFault('aws-fis-extension-arm64'),
      /faultInjection\.extensionLayerArn is "aws-fis-extension-arm64", not a Lambda layer version ARN\. Fix:/,
    ],
    [
      'a layer of another Region',
      withFault(LAYER.replace('eu-west-3', 'eu-central-1')),
      /faultInjection\.extensionLayerArn is a layer of eu-central-1, but the function is in eu-west-3\. Fix: use the extension ARN published in eu-west-3/,
    ],
    [
      'the x86_64 build',
      withFault(LAYER.replace('arm64', 'x86_64')),
      /is an x86_64 build, but the function runs on arm64\. Fix: use the arm64 build/,
    ],
    [
      'a prefix with a leading slash',
      withFault(LAYER, '/fis/'),
      /faultInjection\.configLocation\.prefix is "\/fis\/"\. Fix:/,
    ],
    ['an empty prefix', withFault(LAYER, ''), /faultInjection\.configLocation\.prefix is ""\. Fix:/],
    [
      'an environment variable the extension owns',
      withFault(LAYER, 'fis/', { AWS_LAMBDA_EXEC_WRAPPER: '/opt/other' }),
      /environment sets AWS_LAMBDA_EXEC_WRAPPER, which faultInjection owns\. Fix: remove it/,
    ],
  ])('rejects faultInjection with %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});
