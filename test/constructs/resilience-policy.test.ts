import { Match, Template } from 'aws-cdk-lib/assertions';
import { ResiliencePolicy, type ResiliencePolicyProps } from '../../lib/constructs/resilience-policy';
import { testStack } from '../helpers/synth';

const objectives = {
  az: { rtoInSecs: 300, rpoInSecs: 0 },
  infrastructure: { rtoInSecs: 300, rpoInSecs: 0 },
  software: { rtoInSecs: 3600, rpoInSecs: 300 },
  region: { rtoInSecs: 900, rpoInSecs: 60 },
};

function build(overrides: Partial<ResiliencePolicyProps> = {}) {
  const stack = testStack('eu-west-3');
  new ResiliencePolicy(stack, 'Hub', {
    name: 'Svc-eu-west-3',
    stackArns: [stack.stackId],
    ...objectives,
    ...overrides,
  });
  return Template.fromStack(stack);
}

describe('ResiliencePolicy', () => {
  const template = build();

  it('declares RTO/RPO per disruption type with data on the same continent', () => {
    template.hasResourceProperties('AWS::ResilienceHub::ResiliencyPolicy', {
      PolicyName: 'Svc-eu-west-3',
      Tier: 'Critical',
      DataLocationConstraint: 'SameContinent',
      Policy: {
        AZ: { RtoInSecs: 300, RpoInSecs: 0 },
        Hardware: { RtoInSecs: 300, RpoInSecs: 0 },
        Software: { RtoInSecs: 3600, RpoInSecs: 300 },
        Region: { RtoInSecs: 900, RpoInSecs: 60 },
      },
    });
  });

  it('assesses an app over the given stacks every day against that policy', () => {
    template.hasResourceProperties('AWS::ResilienceHub::App', {
      Name: 'Svc-eu-west-3',
      AppAssessmentSchedule: 'Daily',
      ResiliencyPolicyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Hub'), 'PolicyArn'] },
      ResourceMappings: [
        {
          MappingType: 'CfnStack',
          PhysicalResourceId: {
            Type: 'Arn',
            Identifier: { Ref: 'AWS::StackId' },
            AwsRegion: 'eu-west-3',
            AwsAccountId: '111111111111',
          },
        },
      ],
    });
  });

  it('rejects a bad name, negative objectives and no stack', () => {
    expect(() => build({ name: 'bad name' })).toThrow(/name is "bad name"\. Fix:/);
    expect(() => build({ region: { rtoInSecs: -1, rpoInSecs: 0 } })).toThrow(/region\.rtoInSecs is -1/);
    expect(() => build({ stackArns: [] })).toThrow(/stackArns is empty/);
  });
});

describe('ResiliencePolicy scheduled assessment permissions', () => {
  const template = build();

  it('runs daily assessments with a role-based permission model and an invoker role only Resilience Hub assumes', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const [roleId, role] = Object.entries(roles)[0];
    expect(Object.keys(roles)).toHaveLength(1);
    template.hasResourceProperties('AWS::ResilienceHub::App', {
      AppAssessmentSchedule: 'Daily',
      PermissionModel: { Type: 'RoleBased', InvokerRoleName: { Ref: roleId } },
    });
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'resiliencehub.amazonaws.com' },
      },
    ]);
    // Read-only, AWS-maintained: the policy the Resilience Hub documentation gives the invoker role.
    expect(role.Properties.ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSResilienceHubAsssessmentExecutionPolicy'],
        ],
      },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    expect(
      template.findResources('AWS::ResilienceHub::App')[
        Object.keys(template.findResources('AWS::ResilienceHub::App'))[0]
      ].DependsOn,
    ).toEqual([roleId]);
  });

  it('without a permission model a daily schedule would need AwsResilienceHubPeriodicAssessmentRole: none is relied on', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AwsResilienceHubPeriodicAssessmentRole/);
    const app = Object.values(template.findResources('AWS::ResilienceHub::App'))[0];
    expect(app.Properties.PermissionModel.Type).toBe('RoleBased');
  });
});
