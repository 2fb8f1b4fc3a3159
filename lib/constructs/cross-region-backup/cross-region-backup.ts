import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { DataKey } from '../data-key/data-key';
import type { VaultLockDays } from './offsite-backup-vault';
import { lockConfiguration, validateLock } from './private/lock';

export interface CrossRegionBackupProps {
  /** Tag that puts a resource into the plans; tag your tables and buckets, not this construct. */
  readonly selectionTag: { readonly key: string; readonly value: string };
  /** Copy targets in other Regions, as ARNs (see `OffsiteBackupVault.vaultArn`). At least one. */
  readonly copyTargetVaultArns: readonly string[];
  /** How long snapshots and their copies are kept. */
  readonly retention: Duration;
  /** Lock of this Region's own vault (compliance mode). */
  readonly lock: VaultLockDays;
  /** UTC hour of the daily snapshot. @default 2 */
  readonly dailyHourUtc?: number;
  /**
   * Retention of continuous backups (point-in-time restore), for the resource types AWS Backup
   * supports it for: S3 buckets here (DynamoDB has its own PITR). At most 35 days.
   * @default Duration.days(35)
   */
  readonly continuousRetention?: Duration;
  /** Key of this Region's vault. @default - a new DataKey with rotation */
  readonly encryptionKey?: kms.IKey;
  /** Physical vault name. @default - generated */
  readonly vaultName?: string;
}

/**
 * AWS Backup for one Region's stateful resources, selected by tag: a locked local vault, a daily
 * snapshot plan and a continuous plan for S3, both copying every recovery point to vaults in other
 * Regions. One Backup service role (AWS managed policies for backup and S3) serves both selections.
 */
export class CrossRegionBackup extends Construct {
  public readonly key: kms.IKey;
  public readonly vault: backup.BackupVault;
  public readonly dailyPlan: backup.BackupPlan;
  public readonly continuousPlan: backup.BackupPlan;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CrossRegionBackupProps) {
    super(scope, id);
    const continuousRetention = props.continuousRetention ?? Duration.days(35);
    validate(this.node.path, props, continuousRetention);

    this.key =
      props.encryptionKey ??
      new DataKey(this, 'VaultKey', { description: `Rempart backup vault, ${this.node.path}` }).key;
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      lockConfiguration: lockConfiguration(props.lock),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const copyTargets = props.copyTargetVaultArns.map((arn, i) =>
      backup.BackupVault.fromBackupVaultArn(this, `CopyTarget${i}`, arn),
    );
    const copies = (deleteAfter: Duration) =>
      copyTargets.map((destinationBackupVault) => ({ destinationBackupVault, deleteAfter }));

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup service role of ${this.node.path}`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupServiceRolePolicyForS3Backup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupServiceRolePolicyForS3Restore'),
      ],
    });
    acknowledge(
      this.role,
      ...[
        'service-role/AWSBackupServiceRolePolicyForBackup',
        'service-role/AWSBackupServiceRolePolicyForRestores',
        'AWSBackupServiceRolePolicyForS3Backup',
        'AWSBackupServiceRolePolicyForS3Restore',
      ].map((policy) => ({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        reason:
          'AWS Backup service role: AWS maintains these policies as new resource types and APIs appear; the role is assumable only by backup.amazonaws.com and resources are chosen by the tag selection.',
      })),
    );

    this.dailyPlan = new backup.BackupPlan(this, 'DailyPlan', { backupVault: this.vault });
    this.dailyPlan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'Daily',
        scheduleExpression: events.Schedule.cron({ minute: '0', hour: String(props.dailyHourUtc ?? 2) }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: props.retention,
        copyActions: copies(props.retention),
      }),
    );
    this.dailyPlan.addSelection('Tagged', {
      resources: [backup.BackupResource.fromTag(props.selectionTag.key, props.selectionTag.value)],
      role: this.role,
    });

    this.continuousPlan = new backup.BackupPlan(this, 'ContinuousPlan', { backupVault: this.vault });
    this.continuousPlan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'Continuous',
        enableContinuousBackup: true,
        scheduleExpression: events.Schedule.cron({ minute: '0', hour: '*/1' }),
        deleteAfter: continuousRetention,
        copyActions: copies(continuousRetention),
      }),
    );
    // Resources AND tag: only tagged S3 buckets take continuous backups.
    new backup.CfnBackupSelection(this, 'ContinuousSelection', {
      backupPlanId: this.continuousPlan.backupPlanId,
      backupSelection: {
        selectionName: 'TaggedBuckets',
        iamRoleArn: this.role.roleArn,
        resources: ['arn:aws:s3:::*'],
        conditions: {
          StringEquals: [
            {
              ConditionKey: `aws:ResourceTag/${props.selectionTag.key}`,
              ConditionValue: props.selectionTag.value,
            },
          ],
        },
      },
    });
  }
}

function validate(path: string, props: CrossRegionBackupProps, continuous: Duration): void {
  const problems: string[] = [];
  if (props.copyTargetVaultArns.length === 0) {
    problems.push(
      'copyTargetVaultArns is empty: backups would stay in the Region they protect. Fix: pass the off-site vault ARN',
    );
  }
  const hour = props.dailyHourUtc;
  if (hour !== undefined && (!Number.isInteger(hour) || hour < 0 || hour > 23)) {
    problems.push(`dailyHourUtc is ${hour}. Fix: use 0 to 23`);
  }
  if (!continuous.isUnresolved() && (continuous.toDays() < 1 || continuous.toDays() > 35)) {
    problems.push(`continuousRetention is ${continuous.toDays()} days. Fix: use 1 to 35 days`);
  }
  const days = props.retention.isUnresolved() ? undefined : props.retention.toDays();
  const { minRetentionDays: min, maxRetentionDays: max } = props.lock;
  if (
    days !== undefined &&
    !Token.isUnresolved(min) &&
    !Token.isUnresolved(max) &&
    (days < min || days > max)
  ) {
    problems.push(
      `retention is ${days} days, outside the vault lock range ${min}-${max}. Fix: keep it inside, or every job fails`,
    );
  }
  if (!continuous.isUnresolved() && !Token.isUnresolved(min) && continuous.toDays() < min) {
    problems.push(
      `continuousRetention is ${continuous.toDays()} days, below lock.minRetentionDays ${min}. Fix: raise it`,
    );
  }
  if (!continuous.isUnresolved() && !Token.isUnresolved(max) && continuous.toDays() > max) {
    problems.push(
      `continuousRetention is ${continuous.toDays()} days, above lock.maxRetentionDays ${max}: the locked vault refuses the copies. Fix: lower it`,
    );
  }
  try {
    validateLock(path, props.lock);
  } catch (e) {
    problems.push((e as Error).message.replace(`${path}: `, ''));
  }
  if (problems.length) throw new Error(`CrossRegionBackup ${path}: ${problems.join('; ')}`);
}
