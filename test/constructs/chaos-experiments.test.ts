import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ChaosExperiments, type ChaosExperimentsProps } from '../../lib/constructs/chaos-experiments';
import { testStack } from '../helpers/synth';

const LOCATION = 'arn:aws:s3:::svc-fis-config/fis/lambda/';

function build(overrides: Partial<ChaosExperimentsProps> = {}) {
  const stack = testStack('eu-west-3');
  const guard = cloudwatch.Alarm.fromAlarmArn(
    stack,
    'Guard',
    'arn:aws:cloudwatch:eu-west-3:111111111111:alarm:guard',
  );
  const drill = { duration: Duration.minutes(10), stopConditions: [guard] };
  const c = new ChaosExperiments(stack, 'Drills', {
    namePrefix: 'Svc-eu-west-3',
    availabilityZone: 'eu-west-3a',
    targets: {
      subnets: { 'rempart:workload': 'ent' },
      tasks: { 'rempart:workload': 'ent' },
      globalTables: { 'rempart:service': 'Svc' },
      workerFunctions: { 'rempart:fis-target': 'queue-worker' },
    },
    azPowerInterruption: drill,
    regionIsolation: { ...drill, duration: Duration.minutes(15) },
    functionFault: { ...drill, invocationPercentage: 20 },
    queueImpairment: { ...drill, startupDelay: Duration.seconds(5) },
    lambdaFaultConfigLocationArn: LOCATION,
    ...overrides,
  });
  return { c, stack, template: Template.fromStack(stack) };
}

describe('ChaosExperiments', () => {
  const { template } = build();
  const stop = [
    { Source: 'aws:cloudwatch:alarm', Value: 'arn:aws:cloudwatch:eu-west-3:111111111111:alarm:guard' },
  ];

  it('cuts one AZ: its subnets lose connectivity and its tasks stop, for a bounded time', () => {
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      StopConditions: stop,
      Targets: {
        Subnets: {
          ResourceType: 'aws:ec2:subnet',
          ResourceTags: { 'rempart:workload': 'ent' },
          Filters: [{ Path: 'AvailabilityZone', Values: ['eu-west-3a'] }],
          SelectionMode: 'ALL',
        },
        Tasks: Match.objectLike({ ResourceType: 'aws:ecs:task' }),
      },
      Actions: {
        CutNetwork: Match.objectLike({
          ActionId: 'aws:network:disrupt-connectivity',
          Parameters: { duration: 'PT10M', scope: 'all' },
        }),
        StopTasks: Match.objectLike({ ActionId: 'aws:ecs:stop-task' }),
      },
    });
  });

  it('isolates the Region: network disruption plus global-table replication pause', () => {
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      StopConditions: stop,
      Targets: Match.objectLike({
        GlobalTables: {
          ResourceType: 'aws:dynamodb:global-table',
          ResourceTags: { 'rempart:service': 'Svc' },
          SelectionMode: 'ALL',
        },
      }),
      Actions: {
        CutNetwork: Match.objectLike({ Parameters: { duration: 'PT15M', scope: 'all' } }),
        PauseReplication: Match.objectLike({
          ActionId: 'aws:dynamodb:global-table-pause-replication',
          Parameters: { duration: 'PT15M' },
        }),
      },
    });
  });

  it('injects worker invocation errors and delays on tagged functions', () => {
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      StopConditions: stop,
      Actions: {
        FailInvocations: Match.objectLike({
          ActionId: 'aws:lambda:invocation-error',
          Parameters: { duration: 'PT10M', invocationPercentage: '20', preventExecution: 'true' },
        }),
      },
      Targets: { Workers: Match.objectLike({ ResourceTags: { 'rempart:fis-target': 'queue-worker' } }) },
    });
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Actions: {
        DelayConsumers: Match.objectLike({
          ActionId: 'aws:lambda:invocation-add-delay',
          Parameters: Match.objectLike({ startupDelayMilliseconds: '5000' }),
        }),
      },
    });
  });

  it('gives each drill its own role that only FIS of this account can assume, with no DynamoDB write on data', () => {
    template.resourceCountIs('AWS::IAM::Role', 4);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'fis.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:GetFunction',
            Condition: { StringEquals: { 'aws:ResourceTag/rempart:fis-target': 'queue-worker' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ecs:StopTask',
            Condition: { StringEquals: { 'aws:ResourceTag/rempart:workload': 'ent' } },
          }),
        ]),
      },
    });
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const actions = JSON.stringify(policies);
    expect(actions).not.toMatch(/dynamodb:(PutItem|UpdateItem|DeleteItem|\*)/);
    expect(actions).not.toMatch(/"ec2:\*"|"ecs:\*"|"lambda:\*"/);
  });

  it('lets the Lambda drill roles write and delete fault configuration under the location only', () => {
    const writes = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: unknown; Resource: unknown }>
      ).filter((st) => [st.Action].flat().some((a) => String(a).startsWith('s3:'))),
    );
    expect(writes).toEqual([
      expect.objectContaining({
        Sid: 'WriteFaultConfig',
        Action: ['s3:DeleteObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::svc-fis-config/fis/lambda/*',
      }),
      expect.objectContaining({
        Sid: 'WriteFaultConfig',
        Resource: 'arn:aws:s3:::svc-fis-config/fis/lambda/*',
      }),
    ]);
  });

  it('makes no Lambda drill when neither is given (the workers run no FIS extension)', () => {
    const { c, template: t } = build({
      functionFault: undefined,
      queueImpairment: undefined,
      lambdaFaultConfigLocationArn: undefined,
    });
    expect(c.functionFault).toBeUndefined();
    expect(c.queueImpairment).toBeUndefined();
    t.resourceCountIs('AWS::FIS::ExperimentTemplate', 2);
    t.resourceCountIs('AWS::IAM::Role', 2);
    expect(JSON.stringify(t.toJSON())).not.toMatch(/aws:lambda:|s3:PutObject/);
  });

  it('rejects a Lambda drill without the fault configuration location, and a location that is not an S3 ARN', () => {
    expect(() => build({ lambdaFaultConfigLocationArn: undefined })).toThrow(
      /functionFault is set but lambdaFaultConfigLocationArn is not.*Fix: pass the workers' AWS_FIS_CONFIGURATION_LOCATION, or leave functionFault out; queueImpairment is set/,
    );
    expect(() => build({ lambdaFaultConfigLocationArn: 'svc-fis-config/fis' })).toThrow(
      /lambdaFaultConfigLocationArn is "svc-fis-config\/fis"\. Fix: use an S3 ARN of a bucket and prefix/,
    );
  });

  it('rejects a drill without stop condition, an unbounded duration, a bad AZ and untagged targets', () => {
    expect(() =>
      build({ azPowerInterruption: { duration: Duration.minutes(10), stopConditions: [] } }),
    ).toThrow(/azPowerInterruption\.stopConditions is empty.*Fix:/);
    const stack = testStack();
    const guard = cloudwatch.Alarm.fromAlarmName(stack, 'G', 'g');
    expect(() =>
      build({ regionIsolation: { duration: Duration.hours(13), stopConditions: [guard] } }),
    ).toThrow(/regionIsolation\.duration is 780 min\. Fix: use 1 to 720/);
    expect(() => build({ availabilityZone: 'eu-west-3' })).toThrow(/availabilityZone is "eu-west-3"\. Fix:/);
    expect(() =>
      build({
        targets: { subnets: {}, tasks: { a: 'b' }, globalTables: { a: 'b' }, workerFunctions: { a: 'b' } },
      }),
    ).toThrow(/targets\.subnets has no tag/);
  });
});
