import { Duration, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ChaosExperiments, type ChaosExperimentsProps } from '../../lib/constructs/chaos-experiments';
import { testStack } from '../helpers/synth';
import { FIS_ACTIONS, fisTemplateProblems } from '../resilience/fis-actions-reference';

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
  const { c: drills, template } = build();
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

  type Statement = {
    Sid?: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: object;
  };
  const statements = (drill: string): Statement[] =>
    Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([id]) => id.startsWith(`Drills${drill}Policy`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
  const granting = (drill: string, action: string) =>
    statements(drill).filter((st) => [st.Action].flat().includes(action));

  it.each(['AzPowerInterruption', 'RegionIsolation'])(
    'lets %s change the network ACL of tagged subnets only, and edit or tag only the ACLs FIS creates',
    (drill) => {
      const acl = 'arn:aws:ec2:eu-west-3:111111111111:network-acl/*';
      expect(granting(drill, 'ec2:ReplaceNetworkAclAssociation')).toEqual([
        {
          Sid: 'SwapAclOfTaggedSubnets',
          Effect: 'Allow',
          Action: 'ec2:ReplaceNetworkAclAssociation',
          Resource: 'arn:aws:ec2:eu-west-3:111111111111:subnet/*',
          Condition: { StringEquals: { 'ec2:ResourceTag/rempart:workload': 'ent' } },
        },
        // The ACL side of the same call: FIS's ACL, then the subnet's original one (untagged) again.
        {
          Sid: 'SwapToFisAclAndBack',
          Effect: 'Allow',
          Action: 'ec2:ReplaceNetworkAclAssociation',
          Resource: acl,
        },
      ]);
      expect(granting(drill, 'ec2:CreateTags')).toEqual([
        expect.objectContaining({
          Resource: acl,
          Condition: {
            StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', 'aws:RequestTag/managedByFIS': 'true' },
          },
        }),
      ]);
      expect(granting(drill, 'ec2:DeleteNetworkAcl')).toEqual([
        expect.objectContaining({
          Resource: acl,
          Condition: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
        }),
      ]);
    },
  );

  it('lets the Region isolation change the resource policy of tagged tables only', () => {
    expect(granting('RegionIsolation', 'dynamodb:PutResourcePolicy')).toEqual([
      {
        Sid: 'PauseReplication',
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteResourcePolicy',
          'dynamodb:DescribeTable',
          'dynamodb:GetResourcePolicy',
          'dynamodb:PutResourcePolicy',
        ],
        Resource: 'arn:aws:dynamodb:eu-west-3:111111111111:table/*',
        Condition: { StringEquals: { 'aws:ResourceTag/rempart:service': 'Svc' } },
      },
    ]);
  });

  it("lets the Region isolation inject MRSC replication errors only for the pause action, towards this Region's tables", () => {
    expect(granting('RegionIsolation', 'dynamodb:InjectError')).toEqual([
      {
        Sid: 'InjectErrorForMrscPause',
        Effect: 'Allow',
        Action: 'dynamodb:InjectError',
        Resource: '*',
        Condition: {
          StringEquals: { 'dynamodb:FisActionId': 'aws:dynamodb:global-table-pause-replication' },
          'ForAllValues:ArnLike': {
            'dynamodb:FisTargetArns': 'arn:aws:dynamodb:eu-west-3:111111111111:table/*',
          },
        },
      },
    ]);
  });

  it('grants every permission and target type the FIS actions reference lists, for every action of every template', () => {
    const json = template.toJSON();
    const used = Object.values(
      json.Resources as Record<string, { Type: string; Properties: { Actions: object } }>,
    )
      .filter((r) => r.Type === 'AWS::FIS::ExperimentTemplate')
      .flatMap((r) => Object.values(r.Properties.Actions).map((a) => (a as { ActionId: string }).ActionId));
    expect(new Set(used)).toEqual(new Set(Object.keys(FIS_ACTIONS)));
    expect(fisTemplateProblems(json)).toEqual([]);
  });

  it('the reference check fails on a role missing dynamodb:InjectError, a wrong target type or an unknown action', () => {
    const json = JSON.parse(JSON.stringify(template.toJSON())) as {
      Resources: Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    for (const r of Object.values(json.Resources)) {
      if (r.Type === 'AWS::IAM::ManagedPolicy') {
        r.Properties.PolicyDocument.Statement = r.Properties.PolicyDocument.Statement.filter(
          (st: { Sid?: string }) => st.Sid !== 'InjectErrorForMrscPause',
        );
      }
      if (r.Type === 'AWS::FIS::ExperimentTemplate' && r.Properties.Actions.StopTasks) {
        r.Properties.Targets.Tasks.ResourceType = 'aws:ecs:cluster';
      }
      if (r.Type === 'AWS::FIS::ExperimentTemplate' && r.Properties.Actions.DelayConsumers) {
        r.Properties.Actions.DelayConsumers.ActionId = 'aws:lambda:invocation-http-integration-response';
      }
    }
    const problems = fisTemplateProblems(json);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /PauseReplication: role lacks dynamodb:InjectError \(https:\/\/docs\.aws\.amazon\.com\/fis/,
        ),
        expect.stringMatching(
          /StopTasks: target Tasks is aws:ecs:cluster, aws:ecs:stop-task needs aws:ecs:task/,
        ),
        expect.stringMatching(
          /DelayConsumers: aws:lambda:invocation-http-integration-response is not in FIS_ACTIONS/,
        ),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('grants on "*" only reads and condition-bound actions that have no resource type, and explains every unconditioned grant', () => {
    for (const drill of ['AzPowerInterruption', 'RegionIsolation', 'FunctionFault', 'QueueImpairment']) {
      const all = statements(drill);
      for (const st of all.filter((s) => s.Resource === '*')) {
        for (const action of [st.Action].flat()) {
          if (action === 'dynamodb:InjectError') expect(st.Condition).toBeTruthy();
          else expect(action).toMatch(/^[a-z0-9-]+:(Describe|List|Get)/);
        }
      }
      const unconditioned = all.filter((s) => s.Resource !== '*' && s.Condition === undefined);
      expect(unconditioned.map((s) => s.Sid).sort()).toEqual(
        ['FunctionFault', 'QueueImpairment'].includes(drill)
          ? ['WriteFaultConfig']
          : ['CreateFisNetworkAclInVpc', 'SwapToFisAclAndBack'],
      );
    }
    const policy = drills.node.findChild('RegionIsolationPolicy');
    const reasons: Record<string, string> = Object.assign(
      {},
      ...policy.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .map((m) => m.data as Record<string, string>),
    );
    const reason = (pattern: string) => reasons[`Annotation::AwsSolutions-IAM5[Resource::${pattern}]`];
    expect(reason('*')).toMatch(/Read-only discovery calls on "\*": ec2:Describe/);
    expect(reason('*')).toMatch(
      /dynamodb:InjectError only where dynamodb:FisActionId=aws:dynamodb:global-table-pause-replication and dynamodb:FisTargetArns=arn:aws:dynamodb:eu-west-3:111111111111:table\/\*: required by the FIS replication-pause action/,
    );
    expect(reason('arn:aws:ec2:eu-west-3:111111111111:subnet/*')).toMatch(
      /ec2:ReplaceNetworkAclAssociation only where ec2:ResourceTag\/rempart:workload=ent\.$/,
    );
    expect(reason('arn:aws:dynamodb:eu-west-3:111111111111:table/*')).toMatch(
      /dynamodb:PutResourcePolicy, .* only where aws:ResourceTag\/rempart:service=Svc\.$/,
    );
    expect(reason('arn:aws:ec2:eu-west-3:111111111111:network-acl/*')).toMatch(
      /ec2:ReplaceNetworkAclAssociation with no tag condition: the network-ACL side of this action cannot take a tag condition, because .* original network ACL/,
    );
    expect(reason('arn:aws:ec2:eu-west-3:111111111111:vpc/*')).toMatch(
      /ec2:CreateNetworkAcl with no tag condition: the VPC side of this action takes no request-tag condition/,
    );
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
