import { Arn, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { LogEncryptionKey } from '../log-encryption-key/log-encryption-key';
import { nagForm } from './private/nag-form';
import { secureBucketProps } from '../private/secure-bucket-props';

/** Where a replicated bucket copies its objects: another Region's bucket, found by name. */
export interface ReplicationDestination {
  /** Name of the destination bucket (deterministic, so no cross-Region export is needed). */
  readonly bucketName: string;
  /** Region of the destination bucket; must differ from this stack's Region. */
  readonly region: string;
  /**
   * Alias (e.g. "alias/rempart/ent-data") of the customer-managed key that encrypts replicas in the
   * destination Region. An alias, because the key id of another Region is not known here.
   */
  readonly keyAlias: string;
  /**
   * S3 Replication Time Control: 99.99% of objects replicated within 15 minutes, with metrics
   * (billed per GB). @default true
   */
  readonly replicationTimeControl?: boolean;
  /**
   * Replicate back as well: the destination bucket copies its own new objects, deletions (delete
   * markers) and changes to replicas' metadata back into this bucket, so that writes made in the
   * other Region after a failover are here once it returns. Both rules sync replica modifications,
   * as AWS documents for two-way replication; S3 never replicates a replica again, so nothing loops.
   * The destination's rule is set by a custom resource here (S3 refuses a rule towards a bucket that
   * does not exist yet, and the destination's stack deploys first). @default false
   */
  readonly replicateBack?: boolean;
}

/**
 * How a replicated bucket ages its objects. Versions are kept (they are the undo of an overwrite or a
 * deletion) but not forever; each field has its own default.
 */
export interface ReplicatedBucketLifecycle {
  /** Days before current objects move to Intelligent-Tiering. 0 = at once. @default 30 */
  readonly intelligentTieringAfterDays?: number;
  /** Days an overwritten or deleted version is kept. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days before an unfinished multipart upload is removed. @default 7 */
  readonly abortIncompleteUploadAfterDays?: number;
}

/** Props of {@link ReplicatedBucket}. */
export interface ReplicatedBucketProps {
  /** Customer-managed key of this Region that encrypts objects at rest. */
  readonly encryptionKey: kms.IKey;
  /** Bucket that receives S3 server access logs. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** Key prefix of this bucket's access logs in the logs bucket. @default `s3/<construct path>/` */
  readonly serverAccessLogsPrefix?: string;
  /** Physical name; give one when another Region must find this bucket. @default - generated */
  readonly bucketName?: string;
  /** Copy every object to another Region's bucket. @default - no replication (e.g. in the destination Region) */
  readonly replicateTo?: ReplicationDestination;
  /** Lifecycle of objects and versions. @default - the defaults of each field */
  readonly lifecycle?: ReplicatedBucketLifecycle;
}

/**
 * A versioned, KMS-encrypted, TLS-only private bucket with server access logs and a lifecycle, that
 * replicates (objects, deletions and KMS-encrypted objects) to a bucket in another Region. Retained
 * when its stack is deleted. The destination bucket must exist and be versioned before this one is
 * created: deploy the destination Region first.
 */
export class ReplicatedBucket extends Construct {
  /** The bucket: grant on it as on any bucket (grants include its key). */
  public readonly bucket: s3.Bucket;
  /** Role S3 assumes to replicate; undefined without `replicateTo`. */
  public readonly replicationRole?: iam.Role;
  /** Role S3 assumes to replicate the destination back here; undefined without `replicateTo.replicateBack`. */
  public readonly replicateBackRole?: iam.Role;
  /** The custom resource that puts the destination's rule back here; undefined without `replicateBack`. */
  public readonly replicateBackRule?: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: ReplicatedBucketProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validate(this.node.path, stack.region, props);
    const lifecycle = {
      intelligentTieringAfterDays: props.lifecycle?.intelligentTieringAfterDays ?? 30,
      noncurrentVersionExpirationDays: props.lifecycle?.noncurrentVersionExpirationDays ?? 90,
      abortIncompleteUploadAfterDays: props.lifecycle?.abortIncompleteUploadAfterDays ?? 7,
    };

    const destination = props.replicateTo;
    if (destination) {
      this.replicationRole = new iam.Role(this, 'ReplicationRole', {
        assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
        description: `S3 replication of ${this.node.path} to ${destination.region}`,
      });
    }

    this.bucket = new s3.Bucket(
      this,
      'Resource',
      secureBucketProps({
        bucketName: props.bucketName,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.encryptionKey,
        bucketKeyEnabled: true,
        removalPolicy: RemovalPolicy.RETAIN,
        serverAccessLogsBucket: props.serverAccessLogsBucket,
        serverAccessLogsPrefix: props.serverAccessLogsPrefix ?? `s3/${this.node.path}/`,
        lifecycleRules: [
          {
            id: 'Lifecycle',
            transitions: [
              {
                storageClass: s3.StorageClass.INTELLIGENT_TIERING,
                transitionAfter: Duration.days(lifecycle.intelligentTieringAfterDays),
              },
            ],
            noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentVersionExpirationDays),
            abortIncompleteMultipartUploadAfter: Duration.days(lifecycle.abortIncompleteUploadAfterDays),
            expiredObjectDeleteMarker: true,
          },
        ],
        replicationRole: this.replicationRole,
        replicationRules: destination
          ? [
              {
                destination: s3.Bucket.fromBucketAttributes(this, 'Destination', {
                  bucketName: destination.bucketName,
                  region: destination.region,
                }),
                // S3 accepts an alias ARN here and resolves it in the destination Region.
                kmsKey: kms.Key.fromKeyArn(this, 'DestinationKey', aliasArn(stack, destination)),
                sseKmsEncryptedObjects: true,
                deleteMarkerReplication: true,
                // Two-way: metadata changes made to replicas in the other Region come back too.
                replicaModifications: destination.replicateBack === true ? true : undefined,
                replicationTimeControl:
                  destination.replicationTimeControl === false
                    ? undefined
                    : s3.ReplicationTimeValue.FIFTEEN_MINUTES,
                metrics:
                  destination.replicationTimeControl === false
                    ? undefined
                    : s3.ReplicationTimeValue.FIFTEEN_MINUTES,
              },
            ]
          : undefined,
      }),
    );

    if (destination && this.replicationRole) {
      this.grantReplication(this.replicationRole, props.encryptionKey, destination);
      if (destination.replicateBack) {
        this.replicateBackRole = new iam.Role(this, 'ReplicateBackRole', {
          assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
          description: `S3 replication of ${destination.bucketName} back to ${this.node.path}`,
        });
        this.grantReplicationBack(this.replicateBackRole, props.encryptionKey, destination);
        this.replicateBackRule = this.putRuleBack(this.replicateBackRole, props.encryptionKey, destination);
      }
    } else {
      const reason =
        "Destination of cross-Region replication from the other application Region. When that Region replicates two-way (replicateBack), its stack sets this bucket's rule back to it once both buckets exist (S3 refuses a rule towards a bucket that does not exist yet); the rule is then on this bucket, outside this template.";
      acknowledge(
        this.bucket,
        { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason },
        { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason },
      );
    }
  }

  /**
   * Least privilege for replicating the destination back here: read the destination's versions
   * (decrypting with its Region's key, found by alias), write replicas here under this bucket's key.
   */
  private grantReplicationBack(
    role: iam.Role,
    sourceKey: kms.IKey,
    destination: ReplicationDestination,
  ): void {
    const stack = Stack.of(this);
    const destinationArn = `arn:${stack.partition}:s3:::${destination.bucketName}`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [destinationArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionTagging',
        ],
        resources: [`${destinationArn}/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    const destinationKeys = Arn.format(
      { service: 'kms', region: destination.region, resource: 'key', resourceName: '*' },
      stack,
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [destinationKeys],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': destination.keyAlias },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [sourceKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    const objectsReason =
      'S3 replication back from exactly one destination bucket into this one: object-level actions need the bucket/* form.';
    const inlineReason =
      'Statements are specific to this replication role (one source, one destination), created and deleted with it; a managed policy would add nothing.';
    acknowledge(
      role,
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason: objectsReason,
      },
      { id: `AwsSolutions-IAM5[Resource::${nagForm(stack, `${destinationArn}/*`)}]`, reason: objectsReason },
      {
        id: `AwsSolutions-IAM5[Resource::${nagForm(stack, destinationKeys)}]`,
        reason: `Only the destination Region's key named ${destination.keyAlias} is usable, to decrypt through S3 in ${destination.region} (kms:ResourceAliases, kms:ViaService). Its key id is unknown here without a cross-Region export.`,
      },
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlineReason },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlineReason },
    );
  }

  /**
   * Sets the destination bucket's replication rule back here (PutBucketReplication in its Region),
   * and removes it with this bucket's stack. Only that call and passing the back role are allowed.
   */
  private putRuleBack(
    role: iam.Role,
    sourceKey: kms.IKey,
    destination: ReplicationDestination,
  ): cr.AwsCustomResource {
    const stack = Stack.of(this);
    const destinationArn = `arn:${stack.partition}:s3:::${destination.bucketName}`;
    const configuration = replicateBackConfiguration({
      roleArn: role.roleArn,
      sourceBucketArn: this.bucket.bucketArn,
      sourceKeyArn: sourceKey.keyArn,
      replicationTimeControl: destination.replicationTimeControl !== false,
    });
    const call = (action: string, parameters: Record<string, unknown>): cr.AwsSdkCall => ({
      service: 'S3',
      action,
      region: destination.region,
      parameters: { Bucket: destination.bucketName, ...parameters },
      physicalResourceId: cr.PhysicalResourceId.of(`${destination.bucketName}-replicate-back`),
    });
    const rule = new cr.AwsCustomResource(this, 'ReplicateBackRule', {
      resourceType: 'Custom::S3ReplicateBack',
      onCreate: call('PutBucketReplication', { ReplicationConfiguration: configuration }),
      onUpdate: call('PutBucketReplication', { ReplicationConfiguration: configuration }),
      onDelete: call('DeleteBucketReplication', {}),
      installLatestAwsSdk: false,
      memorySize: 256,
      logGroup: new logs.LogGroup(this, 'ReplicateBackLogs', {
        encryptionKey: new LogEncryptionKey(this, 'ReplicateBackLogKey', {
          description: `Logs of the two-way replication rule of ${this.node.path}`,
        }).key,
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // DeleteBucketReplication is authorized by s3:PutReplicationConfiguration as well.
        new iam.PolicyStatement({ actions: ['s3:PutReplicationConfiguration'], resources: [destinationArn] }),
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 's3.amazonaws.com' } },
        }),
      ]),
    });
    rule.node.addDependency(role);
    this.acknowledgeProvider(rule);
    return rule;
  }

  /** CDK's AwsCustomResource runs one provider function per stack: its findings, on it only. */
  private acknowledgeProvider(rule: cr.AwsCustomResource): void {
    const policy = rule.node.tryFindChild('CustomResourcePolicy');
    const inline =
      'Policy generated for this one custom resource (PutBucketReplication on one bucket, PassRole of one role to S3), attached to the provider role and deleted with it.';
    if (policy) acknowledge(policy, { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inline });
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (!provider) return;
    const deployOnly =
      "CDK's AwsCustomResource provider: CloudFormation invokes it synchronously at deploy time (and retries the stack operation on failure), for one S3 API call; no user traffic ever reaches it.";
    acknowledge(
      provider,
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${deployOnly} The AWS managed basic execution policy only lets it write its own logs.`,
      },
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason: `${deployOnly} A failure fails the deployment, which is the signal; there is nothing to queue.`,
      },
      {
        id: 'Serverless-LambdaTracing',
        reason: `${deployOnly} One SDK call per deployment: its log says everything a trace would.`,
      },
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-LambdaConcurrency`,
        reason: `${deployOnly} It runs a handful of times per deployment.`,
      })),
      { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: `${deployOnly} It reaches only the regional S3 API.` },
    );
  }

  /**
   * Least privilege for S3 replication with KMS on both sides. The destination key is named by alias:
   * IAM cannot use an alias ARN as a key-usage resource, so the statement targets the destination
   * Region's keys and is narrowed by the kms:ResourceAliases condition.
   */
  private grantReplication(role: iam.Role, sourceKey: kms.IKey, destination: ReplicationDestination): void {
    const stack = Stack.of(this);
    const destinationArn = `arn:${stack.partition}:s3:::${destination.bucketName}`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionTagging',
        ],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: [`${destinationArn}/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [sourceKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    const destinationKeys = Arn.format(
      { service: 'kms', region: destination.region, resource: 'key', resourceName: '*' },
      stack,
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [destinationKeys],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': destination.keyAlias },
        },
      }),
    );

    const objectsReason =
      'S3 replication reads and writes every object version of exactly one source and one destination bucket; object-level actions need the bucket/* form.';
    const inlineReason =
      'Statements are specific to this replication role (one source, one destination), created and deleted with it; a managed policy would add nothing.';
    acknowledge(
      role,
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason: objectsReason,
      },
      { id: `AwsSolutions-IAM5[Resource::${nagForm(stack, `${destinationArn}/*`)}]`, reason: objectsReason },
      {
        id: `AwsSolutions-IAM5[Resource::${nagForm(stack, destinationKeys)}]`,
        reason: `Only the destination Region's key named ${destination.keyAlias} is usable: the statement requires kms:ResourceAliases = ${destination.keyAlias} and kms:ViaService = S3 in ${destination.region}. Its key id is unknown in this Region without a cross-Region export.`,
      },
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlineReason },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlineReason },
    );
  }
}

/** The destination's rule back to this bucket, as S3's PutBucketReplication takes it. */
export function replicateBackConfiguration(props: {
  roleArn: string;
  sourceBucketArn: string;
  sourceKeyArn: string;
  replicationTimeControl: boolean;
}): Record<string, unknown> {
  const rtc = props.replicationTimeControl
    ? {
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      }
    : {};
  return {
    Role: props.roleArn,
    Rules: [
      {
        ID: 'ReplicateBack',
        Priority: 0,
        Status: 'Enabled',
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Enabled' },
        SourceSelectionCriteria: {
          SseKmsEncryptedObjects: { Status: 'Enabled' },
          ReplicaModifications: { Status: 'Enabled' },
        },
        Destination: {
          Bucket: props.sourceBucketArn,
          EncryptionConfiguration: { ReplicaKmsKeyID: props.sourceKeyArn },
          ...rtc,
        },
      },
    ],
  };
}

function aliasArn(stack: Stack, destination: ReplicationDestination): string {
  return Arn.format({ service: 'kms', region: destination.region, resource: destination.keyAlias }, stack);
}

function validate(path: string, region: string, props: ReplicatedBucketProps): void {
  const problems: string[] = [];
  const dest = props.replicateTo;
  if (dest) {
    if (!Token.isUnresolved(region) && dest.region === region) {
      problems.push(
        `replicateTo.region is ${dest.region}, this bucket's own Region. Fix: replicate to another Region, so that losing one keeps the documents`,
      );
    }
    if (!Token.isUnresolved(dest.keyAlias) && !/^alias\/[A-Za-z0-9/_-]+$/.test(dest.keyAlias)) {
      problems.push(
        `replicateTo.keyAlias is "${dest.keyAlias}". Fix: give a KMS alias name such as "alias/rempart/ent-data"`,
      );
    }
    if (!Token.isUnresolved(dest.bucketName) && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(dest.bucketName)) {
      problems.push(
        `replicateTo.bucketName is "${dest.bucketName}". Fix: give a valid S3 bucket name (lower case, 3-63 characters)`,
      );
    }
  }
  const l = props.lifecycle ?? {};
  const days: Array<[string, number | undefined, number]> = [
    ['intelligentTieringAfterDays', l.intelligentTieringAfterDays, 0],
    ['noncurrentVersionExpirationDays', l.noncurrentVersionExpirationDays, 1],
    ['abortIncompleteUploadAfterDays', l.abortIncompleteUploadAfterDays, 1],
  ];
  for (const [name, value, min] of days) {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min)) {
      problems.push(`lifecycle.${name} is ${value}. Fix: use a whole number of days of at least ${min}`);
    }
  }
  if (problems.length) throw new Error(`ReplicatedBucket ${path}: ${problems.join('; ')}`);
}
