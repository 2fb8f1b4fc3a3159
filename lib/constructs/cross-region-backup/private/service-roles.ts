import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Names (with `*` wildcards) of the DynamoDB tables and S3 buckets a role may touch. */
export interface ResourceNames {
  /** DynamoDB table names, e.g. "rempart-booking-*"; `[]` for none. */
  readonly tableNames: readonly string[];
  /** S3 bucket names, e.g. "rempart-documents-*"; `[]` for none. */
  readonly bucketNames: readonly string[];
}

/**
 * Trust of AWS Backup, limited to this account's jobs (confused-deputy prevention). The `IfExists`
 * forms refuse a request that names another account or a non-Backup source, without refusing the
 * service if a job type does not send the keys (AWS Backup documents no guarantee that it does).
 */
export function backupPrincipal(scope: Construct): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('backup.amazonaws.com').withConditions({
    StringEqualsIfExists: { 'aws:SourceAccount': stack.account },
    ArnLikeIfExists: { 'aws:SourceArn': `arn:${stack.partition}:backup:*:${stack.account}:*` },
  });
}

const tableArns = (s: Stack, region: string, names: readonly string[], suffix = '') =>
  names.map((n) => `arn:${s.partition}:dynamodb:${region}:${s.account}:table/${n}${suffix}`);
const bucketArns = (s: Stack, names: readonly string[], suffix = '') =>
  names.map((n) => `arn:${s.partition}:s3:::${n}${suffix}`);

/**
 * What AWS Backup needs to back up DynamoDB tables (advanced backups) and S3 buckets (snapshots and
 * continuous) and copy the recovery points, after AWS's AWSBackupServiceRolePolicyForBackup and
 * AWSBackupServiceRolePolicyForS3Backup, reduced to DynamoDB and S3, to the protected names in this
 * account and Region, and to the vaults of the plans. Read-only on the data: no item or object write.
 */
export function backupStatements(
  scope: Construct,
  protectedResources: ResourceNames,
  vaultArns: readonly string[],
): iam.PolicyStatement[] {
  const s = Stack.of(scope);
  const here = s.region;
  const via = (service: string) => ({
    StringEquals: { 'kms:ViaService': `${service}.${here}.amazonaws.com` },
  });
  return [
    new iam.PolicyStatement({
      sid: 'DynamoDBBackup',
      actions: [
        'dynamodb:DescribeTable',
        'dynamodb:CreateBackup',
        'dynamodb:StartAwsBackupJob',
        'dynamodb:ListTagsOfResource',
      ],
      resources: tableArns(s, here, protectedResources.tableNames),
    }),
    new iam.PolicyStatement({
      sid: 'DynamoDBBackupLifecycle',
      actions: ['dynamodb:DescribeBackup', 'dynamodb:DeleteBackup'],
      resources: tableArns(s, here, protectedResources.tableNames, '/backup/*'),
    }),
    new iam.PolicyStatement({
      sid: 'S3BucketBackup',
      actions: [
        's3:GetBucketTagging',
        's3:GetInventoryConfiguration',
        's3:PutInventoryConfiguration',
        's3:ListBucketVersions',
        's3:ListBucket',
        's3:GetBucketVersioning',
        's3:GetBucketLocation',
        's3:GetBucketAcl',
        's3:GetBucketNotification',
        's3:PutBucketNotification',
        's3:ListTagsForResource',
      ],
      resources: bucketArns(s, protectedResources.bucketNames),
    }),
    new iam.PolicyStatement({
      sid: 'S3ObjectBackup',
      actions: [
        's3:GetObject',
        's3:GetObjectAcl',
        's3:GetObjectTagging',
        's3:GetObjectVersion',
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionTagging',
      ],
      resources: bucketArns(s, protectedResources.bucketNames, '/*'),
    }),
    new iam.PolicyStatement({
      sid: 'S3ContinuousBackupEvents',
      actions: [
        'events:PutRule',
        'events:DeleteRule',
        'events:DescribeRule',
        'events:EnableRule',
        'events:DisableRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:ListTargetsByRule',
      ],
      resources: [`arn:${s.partition}:events:${here}:${s.account}:rule/AwsBackupManagedRule*`],
    }),
    new iam.PolicyStatement({
      sid: 'UnscopableReads',
      actions: [
        'events:ListRules',
        'cloudwatch:GetMetricData',
        's3:ListAllMyBuckets',
        'tag:GetResources',
        'kms:DescribeKey',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'KeysThroughDynamoDB',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [`arn:${s.partition}:kms:${here}:${s.account}:key/*`],
      conditions: via('dynamodb'),
    }),
    new iam.PolicyStatement({
      sid: 'KeysThroughS3',
      actions: ['kms:Decrypt'],
      resources: [`arn:${s.partition}:kms:${here}:${s.account}:key/*`],
      conditions: via('s3'),
    }),
    new iam.PolicyStatement({
      sid: 'GrantsForAwsResources',
      actions: ['kms:CreateGrant'],
      resources: [`arn:${s.partition}:kms:*:${s.account}:key/*`],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'CopyToVaults',
      actions: ['backup:DescribeBackupVault', 'backup:CopyIntoBackupVault'],
      resources: [...vaultArns],
    }),
    new iam.PolicyStatement({
      sid: 'CopyFromVaults',
      actions: ['backup:CopyFromBackupVault'],
      resources: [`arn:${s.partition}:backup:${here}:${s.account}:recovery-point:*`],
    }),
    new iam.PolicyStatement({
      sid: 'TagRecoveryPoints',
      actions: ['backup:TagResource'],
      resources: [`arn:${s.partition}:backup:*:${s.account}:recovery-point:*`],
    }),
  ];
}

/**
 * What AWS Backup needs to restore DynamoDB tables and S3 buckets, after AWS's
 * AWSBackupServiceRolePolicyForRestores and AWSBackupServiceRolePolicyForS3Restore, reduced to
 * writing NEW resources whose names match `targets` (in any Region of the account: restores run
 * where the recovery point is, the off-site vault included). It cannot write the live tables and
 * buckets, which is the difference with AWS's policies (item write and delete on every table).
 */
export function restoreStatements(
  scope: Construct,
  sources: ResourceNames,
  targets: ResourceNames,
): iam.PolicyStatement[] {
  const s = Stack.of(scope);
  return [
    new iam.PolicyStatement({
      sid: 'DynamoDBRestoreTargets',
      actions: [
        'dynamodb:RestoreTableFromAwsBackup',
        'dynamodb:DescribeTable',
        'dynamodb:Scan',
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ],
      resources: tableArns(s, '*', targets.tableNames),
    }),
    new iam.PolicyStatement({
      sid: 'DynamoDBRestoreFromBackups',
      actions: ['dynamodb:RestoreTableFromBackup'],
      resources: tableArns(s, '*', sources.tableNames, '/backup/*'),
    }),
    new iam.PolicyStatement({
      sid: 'S3RestoreTargetBuckets',
      actions: [
        's3:CreateBucket',
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetBucketLocation',
        's3:GetBucketVersioning',
        's3:PutBucketVersioning',
        's3:GetBucketOwnershipControls',
        's3:PutBucketOwnershipControls',
      ],
      resources: bucketArns(s, targets.bucketNames),
    }),
    new iam.PolicyStatement({
      sid: 'S3RestoreTargetObjects',
      actions: [
        's3:PutObject',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:DeleteObject',
        's3:GetObjectAcl',
        's3:PutObjectAcl',
        's3:GetObjectVersionAcl',
        's3:PutObjectVersionAcl',
        's3:GetObjectTagging',
        's3:PutObjectTagging',
        's3:ListMultipartUploadParts',
      ],
      resources: bucketArns(s, targets.bucketNames, '/*'),
    }),
    new iam.PolicyStatement({
      sid: 'KeysThroughDynamoDBAndS3',
      actions: [
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:DescribeKey',
      ],
      resources: [`arn:${s.partition}:kms:*:${s.account}:key/*`],
      conditions: { StringLike: { 'kms:ViaService': ['dynamodb.*.amazonaws.com', 's3.*.amazonaws.com'] } },
    }),
    new iam.PolicyStatement({
      sid: 'GrantsForAwsResources',
      actions: ['kms:CreateGrant'],
      resources: [`arn:${s.partition}:kms:*:${s.account}:key/*`],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
    new iam.PolicyStatement({ sid: 'UnscopableReads', actions: ['kms:DescribeKey'], resources: ['*'] }),
  ];
}
