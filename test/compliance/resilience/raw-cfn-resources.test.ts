import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagRuleCompliance } from 'cdk-nag';
import {
  BackupPlanOffsiteLocked,
  DynamoDBGlobalTableDurable,
  RempartResilienceChecks,
  SQSDLQAlarm,
} from '../../../lib/compliance/resilience';
import { testStack } from '../../helpers/synth';

// CDK's own custom resources (Custom::VpcRestrictDefaultSG, Custom::CrossRegionExportWriter and their
// provider functions and roles) and any `new CfnResource(scope, id, { type, properties })` are plain
// CfnResource objects: the rules must judge them on their CloudFormation type and properties.
const raw = (scope: Stack, id: string, type: string, properties: Record<string, unknown>) =>
  new CfnResource(scope, id, { type, properties });

const lockedVault = (scope: Stack, id: string, name: string) =>
  raw(scope, id, 'AWS::Backup::BackupVault', {
    BackupVaultName: name,
    LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
  });

describe('resilience rules on raw CfnResource and property overrides', () => {
  it('SQSDLQAlarm: fires on a raw dead-letter queue without an alarm, passes once a raw alarm watches it', () => {
    const stack = testStack();
    const dlq = raw(stack, 'RawDlq', 'AWS::SQS::Queue', {});
    raw(stack, 'RawQueue', 'AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: dlq.getAtt('Arn'), maxReceiveCount: 5 },
    });
    expect(SQSDLQAlarm(dlq)).toBe(NagRuleCompliance.NON_COMPLIANT);
    raw(stack, 'RawAlarm', 'AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: dlq.getAtt('QueueName') }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      Statistic: 'Maximum',
      Period: 60,
    });
    expect(SQSDLQAlarm(dlq)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('SQSDLQAlarm: sees a redrive policy added by an override on an L2 queue', () => {
    const stack = testStack();
    const dlq = new sqs.Queue(stack, 'Dlq');
    const queue = new sqs.Queue(stack, 'Queue');
    expect(SQSDLQAlarm(dlq.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.NOT_APPLICABLE);
    (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('RedrivePolicy', {
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: 3,
    });
    expect(SQSDLQAlarm(dlq.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.NON_COMPLIANT);
    dlq.metricApproximateNumberOfMessagesVisible().createAlarm(stack, 'Watch', {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    expect(SQSDLQAlarm(dlq.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('DynamoDBGlobalTableDurable: judges a raw global table, and an override that turns PITR off', () => {
    const stack = testStack();
    const replica = (region: string, pitr: boolean) => ({
      Region: region,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr },
      SSESpecification: { KMSMasterKeyId: `alias/rempart/${region}` },
    });
    const single = raw(stack, 'Single', 'AWS::DynamoDB::GlobalTable', {
      Replicas: [replica('eu-west-3', true)],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(DynamoDBGlobalTableDurable(single)).toEqual(['Replicas']);
    const durable = raw(stack, 'Durable', 'AWS::DynamoDB::GlobalTable', {
      Replicas: [replica('eu-west-3', true), replica('eu-central-1', true)],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(DynamoDBGlobalTableDurable(durable)).toBe(NagRuleCompliance.COMPLIANT);
    durable.addPropertyOverride(
      'Replicas.1.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled',
      false,
    );
    expect(DynamoDBGlobalTableDurable(durable)).toEqual(['PointInTimeRecovery']);

    const l2 = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      replicas: [{ region: 'eu-central-1' }],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    expect(DynamoDBGlobalTableDurable(l2.node.defaultChild as CfnResource)).toEqual(['CustomerManagedKey']);
  });

  it('BackupPlanOffsiteLocked: judges a raw plan against raw vaults in two Regions', () => {
    const app = testStack().node.root as unknown as Stack;
    const remote = new Stack(app, 'Remote', { env: { account: '111111111111', region: 'eu-west-1' } });
    lockedVault(remote, 'Offsite', 'Offsite');
    const home = new Stack(app, 'Home', { env: { account: '111111111111', region: 'eu-west-3' } });
    const vault = lockedVault(home, 'Vault', 'Local');
    const planOf = (copyRegion: string) =>
      raw(home, `Plan${copyRegion}`, 'AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanName: 'Daily',
          BackupPlanRule: [
            {
              RuleName: 'Daily',
              TargetBackupVault: vault.ref,
              CopyActions: [
                {
                  DestinationBackupVaultArn: `arn:aws:backup:${copyRegion}:111111111111:backup-vault:Offsite`,
                },
              ],
            },
          ],
        },
      });
    expect(BackupPlanOffsiteLocked(planOf('eu-west-1'))).toBe(NagRuleCompliance.COMPLIANT);
    expect(BackupPlanOffsiteLocked(planOf('eu-west-3'))).toEqual(['CrossRegionCopy']);
  });

  it('the pack reports a raw resource like an L2 one', () => {
    const stack = testStack();
    const dlq = raw(stack, 'RawDlq', 'AWS::SQS::Queue', {});
    raw(stack, 'RawQueue', 'AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: dlq.getAtt('Arn') } });
    // A custom resource of CDK's kind is not a queue, a table or a plan: not applicable, never a crash.
    raw(stack, 'Custom', 'Custom::VpcRestrictDefaultSG', {
      ServiceToken: 'arn:aws:lambda:eu-west-3:111111111111:function:x',
    });
    const report = new RempartResilienceChecks().validateScope(stack);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    ).toEqual(['RempartResilience-SQSDLQAlarm TestStack/RawDlq']);
  });
});
