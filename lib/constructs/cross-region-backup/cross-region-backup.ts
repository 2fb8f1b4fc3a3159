import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { wildcardFindings } from '../../compliance/iam-findings';
import { DataKey } from '../data-key/data-key';
import type { VaultLockDays } from './offsite-backup-vault';
import { lockConfiguration, validateLock } from './private/lock';
import {
  backupPrincipal,
  backupStatements,
  type ResourceNames,
  restoreStatements,
} from './private/service-roles';

export type { ResourceNames } from './private/service-roles';

/** Default name of the role that alone may delete or disable a vault key. */
export const DEFAULT_BREAK_GLASS_ROLE_NAME = 'RempartBreakGlass';

/** Props of {@link CrossRegionBackup}. */
export interface CrossRegionBackupProps {
  /** Tag that puts a resource into the plans; tag your tables and buckets, not this construct. */
  readonly selectionTag: { readonly key: string; readonly value: string };
  /** Copy targets in other Regions, as ARNs (see `OffsiteBackupVault.vaultArn`). At least one. */
  readonly copyTargetVaultArns: readonly string[];
  /** How long snapshots and their copies are kept. */
  readonly retention: Duration;
  /** Lock of this Region's own vault (compliance mode). */
  readonly lock: VaultLockDays;
  /**
   * UTC hour at which the daily snapshot starts (AWS Backup may start it up to an hour later).
   * @default 2
   */
  readonly dailyHourUtc?: number;
  /**
   * Retention of continuous backups (point-in-time restore), for the resource types AWS Backup
   * supports it for: S3 buckets here (DynamoDB has its own PITR). At most 35 days.
   * @default Duration.days(35)
   */
  readonly continuousRetention?: Duration;
  /**
   * Key of this Region's vault.
   * @default - a new DataKey usable only through AWS Backup, whose deletion and disabling are
   * reserved to `breakGlassRoleName`
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Role name (this account, no path) that alone may schedule deletion of, or disable, the vault
   * key this construct creates: losing the key loses every locked recovery point.
   * @default DEFAULT_BREAK_GLASS_ROLE_NAME ("RempartBreakGlass")
   */
  readonly breakGlassRoleName?: string;
  /**
   * Names (`*` wildcards allowed) of the tables and buckets of this account and Region that the
   * backup role may read and back up. Keep it to what the selection tag marks.
   * @default - every table and bucket of this account and Region
   */
  readonly protectedResources?: ResourceNames;
  /**
   * Names (`*` wildcards allowed) of the NEW tables and buckets a restore may create and write, in
   * any Region of the account. Restores never write the live resources.
   * @default { tableNames: ['*-restore-*'], bucketNames: ['*-restore-*'] }
   */
  readonly restoreTargets?: ResourceNames;
  /**
   * Physical vault name, when runbooks or another stack must name it (the vault is retained, so a
   * name clashes with a previous deployment's vault). @default - generated
   */
  readonly vaultName?: string;
}

/**
 * AWS Backup for one Region's stateful resources, selected by tag: a locked local vault, a daily
 * snapshot plan and a continuous plan for S3, both copying every recovery point to vaults in other
 * Regions.
 *
 * Two service roles instead of AWS's managed policies (which allow item writes and deletes on every
 * table and object deletes in every bucket): `role`, used by both selections, reads the protected
 * tables and buckets and copies recovery points; `restoreRole`, passed to restore jobs, writes only
 * new resources named like `restoreTargets`. Both trust AWS Backup for this account only.
 */
export class CrossRegionBackup extends Construct {
  /** Key of the local vault: `encryptionKey`, or the DataKey created for it. */
  public readonly key: kms.IKey;
  /** The locked local vault (retained with the stack: locked recovery points outlive it). */
  public readonly vault: backup.BackupVault;
  /** Daily snapshots of the tagged tables and buckets, each copied to every copy target. */
  public readonly dailyPlan: backup.BackupPlan;
  /** Continuous backups (point-in-time restore) of the tagged buckets, copied likewise. */
  public readonly continuousPlan: backup.BackupPlan;
  /** Backup service role of both selections: read-only on the protected data. */
  public readonly role: iam.Role;
  /** Role to pass to `start-restore-job`: writes only restore targets. */
  public readonly restoreRole: iam.Role;

  constructor(scope: Construct, id: string, props: CrossRegionBackupProps) {
    super(scope, id);
    const continuousRetention = props.continuousRetention ?? Duration.days(35);
    validate(this.node.path, props, continuousRetention);

    this.key =
      props.encryptionKey ??
      new DataKey(this, 'VaultKey', {
        description: `Rempart backup vault, ${this.node.path}`,
        services: ['backup'],
        breakGlassRoleName: props.breakGlassRoleName ?? DEFAULT_BREAK_GLASS_ROLE_NAME,
      }).key;
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

    const everything: ResourceNames = { tableNames: ['*'], bucketNames: ['*'] };
    const protectedResources = props.protectedResources ?? everything;
    const restoreTargets = props.restoreTargets ?? {
      tableNames: ['*-restore-*'],
      bucketNames: ['*-restore-*'],
    };
    this.role = this.serviceRole(
      'Role',
      `AWS Backup service role of ${this.node.path}: backs up and copies, never writes data`,
      backupStatements(this, protectedResources, [this.vault.backupVaultArn, ...props.copyTargetVaultArns]),
    );
    this.restoreRole = this.serviceRole(
      'RestoreRole',
      `AWS Backup restore role of ${this.node.path}: writes only new resources named like the restore targets`,
      restoreStatements(this, protectedResources, restoreTargets),
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
      // CDK would otherwise attach AWSBackupServiceRolePolicyForBackup (every table, every Region).
      disableDefaultBackupPolicy: true,
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

  /** A role only AWS Backup of this account can assume, with one customer-managed policy. */
  private serviceRole(id: string, description: string, statements: iam.PolicyStatement[]): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: backupPrincipal(this), description });
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, { statements, roles: [role] });
    const reasons: Record<string, string> = {
      DynamoDBBackup:
        'Backup reads only the protected tables of this account and Region, named by pattern because tables are chosen by the selection tag at run time.',
      DynamoDBBackupLifecycle:
        'AWS Backup deletes expired DynamoDB backups of the protected tables; backup ids are generated at run time.',
      S3BucketBackup:
        'Bucket-level reads and the inventory and notification settings continuous backup needs, on the protected buckets only (named by pattern, chosen by tag at run time).',
      S3ObjectBackup:
        'Read-only object access (no write, no delete) to back up the protected buckets; object keys are not known at synth time.',
      S3ContinuousBackupEvents:
        'The EventBridge rules AWS Backup manages for S3 continuous backup are named AwsBackupManagedRule* by the service.',
      UnscopableReads:
        'events:ListRules, cloudwatch:GetMetricData, s3:ListAllMyBuckets, tag:GetResources and kms:DescribeKey have no resource-level permissions.',
      KeysThroughDynamoDB:
        'Keys of this account and Region, usable only through DynamoDB (kms:ViaService); each key policy also limits use to its services.',
      KeysThroughS3:
        'Keys of this account and Region, decrypt only through S3 (kms:ViaService); each key policy also limits use to its services.',
      GrantsForAwsResources:
        'Grants only for AWS resources (kms:GrantIsForAWSResource), the way AWS Backup hands a key to the service it backs up; key policies deny every other grant.',
      CopyFromVaults:
        'Recovery point ids are generated by AWS Backup; the copy source is this account and Region only.',
      TagRecoveryPoints:
        'AWS Backup tags the recovery points it creates in this account, in this Region and in the copy-target Regions.',
      DynamoDBRestoreTargets:
        'Restores create new tables whose names match the restore-target pattern, in any Region of the account (the off-site vault restores in its Region); live tables do not match.',
      DynamoDBRestoreFromBackups:
        'Native DynamoDB backups of the protected tables, whose backup ids are generated at run time.',
      S3RestoreTargetBuckets:
        'Restores create new buckets whose names match the restore-target pattern; live buckets do not match.',
      S3RestoreTargetObjects:
        'Object writes only in restore-target buckets; object keys come from the recovery point.',
      KeysThroughDynamoDBAndS3:
        'Keys of this account, usable only through DynamoDB and S3 (kms:ViaService), in the Region the restore runs in.',
    };
    acknowledge(
      policy,
      ...wildcardFindings(this, statements).map(({ finding, sid }) => ({
        id: `iam-wildcard-justified[${finding}]`,
        reason: reasons[sid ?? ''] ?? `Statement ${sid ?? '(no sid)'} of an AWS Backup service role.`,
      })),
    );
    return role;
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
  problems.push(...resourceNamesProblems('protectedResources', props.protectedResources));
  problems.push(...resourceNamesProblems('restoreTargets', props.restoreTargets));
  for (const kind of ['tableNames', 'bucketNames'] as const) {
    if (props.restoreTargets?.[kind].some((n) => /^\*+$/.test(n))) {
      problems.push(
        `restoreTargets.${kind} contains "*", which matches the live resources restores must never write. Fix: use a pattern only restore targets match, e.g. "*-restore-*"`,
      );
    }
  }
  try {
    validateLock(path, props.lock);
  } catch (e) {
    problems.push((e as Error).message.replace(`${path}: `, ''));
  }
  if (problems.length) throw new Error(`CrossRegionBackup ${path}: ${problems.join('; ')}`);
}

const RESOURCE_NAME = /^[A-Za-z0-9_.*-]{1,255}$/;

function resourceNamesProblems(prop: string, names: ResourceNames | undefined): string[] {
  if (!names) return [];
  const problems: string[] = [];
  for (const kind of ['tableNames', 'bucketNames'] as const) {
    if (names[kind].length === 0)
      problems.push(`${prop}.${kind} is empty. Fix: list at least one name or pattern`);
    for (const n of names[kind]) {
      if (!Token.isUnresolved(n) && !RESOURCE_NAME.test(n)) {
        problems.push(
          `${prop}.${kind} contains "${n}". Fix: give a name or a pattern with "*" (letters, digits, "_", "-", "."), not an ARN`,
        );
      }
    }
  }
  return problems;
}
