import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  CrossRegionBackup,
  OffsiteBackupVault,
  type CrossRegionBackupProps,
} from '../../lib/constructs/cross-region-backup';
import { testStack } from '../helpers/synth';

const lock = { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 };
const OFFSITE = 'arn:aws:backup:eu-west-1:111111111111:backup-vault:Svc-Offsite';

function build(overrides: Partial<CrossRegionBackupProps> = {}) {
  const stack = testStack('eu-west-3');
  const b = new CrossRegionBackup(stack, 'Backup', {
    selectionTag: { key: 'rempart:backup', value: 'daily' },
    copyTargetVaultArns: [OFFSITE],
    retention: Duration.days(35),
    lock,
    ...overrides,
  });
  return { b, template: Template.fromStack(stack) };
}

describe('CrossRegionBackup', () => {
  const { template } = build();

  it('keeps recovery points in a locked vault encrypted with a rotated customer-managed key, retained', () => {
    template.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        EncryptionKeyArn: Match.anyValue(),
        LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3 },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('snapshots daily and copies every point to the off-site vault with the same retention', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: Match.anyValue(),
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'Daily',
            ScheduleExpression: 'cron(0 2 * * ? *)',
            Lifecycle: { DeleteAfterDays: 35 },
            CopyActions: [{ DestinationBackupVaultArn: OFFSITE, Lifecycle: { DeleteAfterDays: 35 } }],
          }),
        ],
      },
    });
  });

  it('takes continuous backups of tagged buckets and copies them off-site too', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'Continuous',
            EnableContinuousBackup: true,
            CopyActions: [Match.objectLike({ DestinationBackupVaultArn: OFFSITE })],
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        Resources: ['arn:aws:s3:::*'],
        Conditions: {
          StringEquals: [{ ConditionKey: 'aws:ResourceTag/rempart:backup', ConditionValue: 'daily' }],
        },
      }),
    });
  });

  it('selects resources by tag for the daily plan', () => {
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        ListOfTags: [
          { ConditionKey: 'rempart:backup', ConditionValue: 'daily', ConditionType: 'STRINGEQUALS' },
        ],
      }),
    });
  });

  it('uses a given key instead of creating one', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Mine', { enableKeyRotation: true });
    const b = new CrossRegionBackup(stack, 'B', {
      selectionTag: { key: 'k', value: 'v' },
      copyTargetVaultArns: [OFFSITE],
      retention: Duration.days(35),
      lock,
      encryptionKey: key,
    });
    expect(b.key).toBe(key);
  });

  it('rejects no copy target, a retention outside the lock and a bad lock', () => {
    expect(() => build({ copyTargetVaultArns: [] })).toThrow(/copyTargetVaultArns is empty.*Fix:/);
    expect(() => build({ retention: Duration.days(500) })).toThrow(
      /retention is 500 days, outside the vault lock range 7-400/,
    );
    expect(() => build({ lock: { ...lock, changeableForDays: 1 } })).toThrow(
      /changeableForDays is 1\. Fix: use at least 3/,
    );
    expect(() => build({ continuousRetention: Duration.days(60) })).toThrow(
      /continuousRetention is 60 days\. Fix: use 1 to 35/,
    );
    expect(() => build({ retention: Duration.days(30), lock: { ...lock, maxRetentionDays: 30 } })).toThrow(
      /continuousRetention is 35 days, above lock\.maxRetentionDays 30: the locked vault refuses the copies\. Fix: lower it/,
    );
    expect(() => build({ dailyHourUtc: 24 })).toThrow(/dailyHourUtc is 24/);
  });
});

describe('OffsiteBackupVault', () => {
  it('locks a named vault and adds the air-gapped vault only when asked', () => {
    const stack = testStack('eu-west-1');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new OffsiteBackupVault(stack, 'Plain', { vaultName: 'Svc-Offsite', encryptionKey: key, lock });
    new OffsiteBackupVault(stack, 'WithAirGap', {
      vaultName: 'Svc-Other',
      encryptionKey: key,
      lock,
      airGapped: true,
    });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        BackupVaultName: 'Svc-Offsite',
        LockConfiguration: Match.objectLike({ MinRetentionDays: 7 }),
      },
      DeletionPolicy: 'Retain',
    });
    t.resourceCountIs('AWS::Backup::LogicallyAirGappedBackupVault', 1);
    t.hasResourceProperties('AWS::Backup::LogicallyAirGappedBackupVault', {
      BackupVaultName: 'Svc-Other-AirGapped',
      MinRetentionDays: 7,
      MaxRetentionDays: 400,
    });
  });

  it('builds the vault ARN of another Region without a cross-Region reference', () => {
    const stack = testStack('eu-west-3');
    expect(stack.resolve(OffsiteBackupVault.vaultArn(stack, 'eu-west-1', 'Svc-Offsite'))).toBe(OFFSITE);
  });
});
