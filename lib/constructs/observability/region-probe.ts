import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { flatten } from '../../compliance/resilience/private/cfn';
import { DataKey } from '../data-key/data-key';
import { secureBucketProps } from '../private/secure-bucket-props';
import type { HeartbeatConfig, HttpCheckConfig, ProbeConfig } from './probe/probe';

/** One HTTP request the probe makes to a Region-pinned endpoint on every run. */
export interface ProbeHttpCheck {
  /** Short name, e.g. "read". */
  readonly name: string;
  /** Absolute https URL that reaches this Region only (not a latency or failover name). */
  readonly url: string;
  /** Method of the request. @default "GET" */
  readonly method?: 'GET' | 'HEAD' | 'POST';
  /** Statuses that count as success; anything else fails the run. @default [200] */
  readonly expectStatus?: readonly number[];
  /** Request body (JSON), for POST. @default none */
  readonly body?: string;
  /**
   * Origin-verification header the endpoint requires; its value is read from this secret (same
   * Region) at run time, so a rotated secret is followed without a deploy. @default none
   */
  readonly originHeader?: { readonly name: string; readonly secret: secretsmanager.ISecret };
  /** Time the check waits for an answer before failing the run. @default 10 seconds */
  readonly timeout?: Duration;
}

/**
 * A canary-only write: one reserved item (this key, string attributes) overwritten on every run. The
 * canary's role may write that item and nothing else of the table (`dynamodb:LeadingKeys`).
 */
export interface ProbeHeartbeat {
  /** This Region's replica of the table. */
  readonly table: dynamodb.ITableV2;
  /** Partition key name and the reserved value no application item uses, e.g. "rempart#probe". */
  readonly partitionKey: { readonly name: string; readonly value: string };
  /** Sort key name and value of the item. @default - the table has no sort key */
  readonly sortKey?: { readonly name: string; readonly value: string };
  /** The table's TTL attribute: the item is set to expire a day later. @default - none (e.g. MRSC tables, which have no TTL) */
  readonly expiresAttribute?: string;
}

/** Props of {@link RegionProbe}. Give at least one check or a heartbeat. */
export interface RegionProbeProps {
  /** 1-21 lower-case letters, digits, "-" or "_" (CloudWatch Synthetics' limit); unique in the account and Region. */
  readonly canaryName: string;
  /** HTTP checks of the read path, all made on every run; any failure fails the run. @default none */
  readonly checks?: readonly ProbeHttpCheck[];
  /** Heartbeat write of the write path. @default none */
  readonly heartbeat?: ProbeHeartbeat;
  /** How often the canary runs. @default Duration.minutes(1) */
  readonly rate?: Duration;
  /** Name of the SuccessPercent alarm (the contract with Route 53 and the runbooks). */
  readonly alarmName: string;
  /** Alarm period; each holds `period / rate` runs. @default Duration.minutes(2) */
  readonly alarmPeriod?: Duration;
  /** Consecutive failing periods before ALARM. @default 2 */
  readonly evaluationPeriods?: number;
  /** Bucket for run artifacts (reports, logs). @default - a new KMS-encrypted bucket, 30-day expiry */
  readonly artifactsBucket?: s3.IBucket;
  /** Key of a created artifacts bucket (its policy must let S3 use it for this account). @default - a new DataKey for S3 */
  readonly encryptionKey?: kms.IKey;
}

/** Lambda runtime behind CloudWatch Synthetics' current Node.js runtime; the bundle targets it. */
export const PROBE_RUNTIME = synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0;

/** A period holding fewer runs than this cannot tell a failure from a late metric. */
const MIN_RUNS_PER_PERIOD = 2;

/**
 * A CloudWatch Synthetics canary that proves, every minute and with no user traffic, that one Region
 * serves: HTTP checks against Region-pinned endpoints (origin secret read at run time) and an
 * optional canary-only heartbeat write. `alarm` watches its SuccessPercent, a metric published on
 * every run whatever the traffic: it can back a Route 53 health check that treats missing data as
 * unhealthy (no run means the Region cannot even run its probe).
 *
 * The canary script is TypeScript in `probe/`, bundled with the AWS SDK by the local esbuild at
 * synth (no Docker, no dependency on the runtime's own SDK).
 */
export class RegionProbe extends Construct {
  /** The canary. */
  public readonly canary: synthetics.Canary;
  /** ALARM when fewer than half the runs of `evaluationPeriods` consecutive periods succeeded. */
  public readonly alarm: cloudwatch.Alarm;
  /** The canary's role: its run reports, its metrics, the origin secrets and the heartbeat item only. */
  public readonly role: iam.Role;
  /** Where run reports and logs go: `artifactsBucket`, or the bucket created for them. */
  public readonly artifactsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: RegionProbeProps) {
    super(scope, id);
    const problems = regionProbePropsProblems(props);
    if (problems.length) throw new Error(`RegionProbe ${this.node.path}: ${problems.join('; ')}`);
    const stack = Stack.of(this);
    const rate = props.rate ?? Duration.minutes(1);

    const key =
      props.encryptionKey ??
      new DataKey(this, 'Key', {
        description: `Rempart Region probe ${props.canaryName}: run reports`,
        services: ['s3'],
      }).key;
    this.artifactsBucket = props.artifactsBucket ?? probeArtifactsBucket(this, 'Artifacts', key);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `CloudWatch Synthetics canary ${props.canaryName}: run reports, metrics, its checks`,
    });
    const statements = this.statements(props, key);
    const policy = new iam.ManagedPolicy(this, 'Policy', { statements, roles: [this.role] });
    this.acknowledgeWildcards(policy, props);

    const config: ProbeConfig = {
      region: stack.region,
      checks: (props.checks ?? []).map((c): HttpCheckConfig => ({
        name: c.name,
        url: c.url,
        method: c.method ?? 'GET',
        expectStatus: [...(c.expectStatus ?? [200])],
        body: c.body,
        header: c.originHeader
          ? { name: c.originHeader.name, secretId: c.originHeader.secret.secretArn }
          : undefined,
        timeoutMs: (c.timeout ?? Duration.seconds(10)).toMilliseconds(),
      })),
      heartbeat: props.heartbeat ? heartbeatConfig(props.heartbeat) : undefined,
    };

    this.canary = new synthetics.Canary(this, 'Resource', {
      canaryName: props.canaryName,
      runtime: PROBE_RUNTIME,
      test: synthetics.Test.custom({
        code: synthetics.Code.fromAsset(probeCodeDirectory()),
        handler: 'region-probe.handler',
      }),
      schedule: synthetics.Schedule.rate(rate),
      // A run must end before the next one starts.
      timeout: Duration.seconds(Math.min(rate.toSeconds() - 5, 50)),
      // The canary's own grants (artifact key) would add an inline policy: the managed policy above
      // already holds everything the canary needs.
      role: this.role.withoutPolicyUpdates(),
      artifactsBucketLocation: { bucket: this.artifactsBucket, prefix: props.canaryName },
      artifactS3EncryptionMode: synthetics.ArtifactsEncryptionMode.KMS,
      artifactS3KmsKey: key,
      // The environment holds no secret (URLs, table and secret names): Lambda's own key is enough.
      environmentVariables: { REMPART_PROBE: stack.toJsonString(config) },
      startAfterCreation: true,
      maxRetries: 0,
      successRetentionPeriod: Duration.days(7),
      failureRetentionPeriod: Duration.days(31),
      provisionedResourceCleanup: true,
    });
    this.canary.node.addDependency(policy);

    const period = props.alarmPeriod ?? Duration.minutes(2);
    const evaluationPeriods = props.evaluationPeriods ?? 2;
    this.alarm = new cloudwatch.Alarm(this, 'SuccessAlarm', {
      alarmName: props.alarmName,
      alarmDescription: `Region probe ${props.canaryName}: under half of its runs succeeded for ${evaluationPeriods} x ${period.toSeconds()} s. The canary runs whatever the traffic; no data means it could not run.`,
      metric: this.canary.metricSuccessPercent({ statistic: 'Average', period }),
      threshold: 50,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      // Route 53 ignores this (it reads the metric and its own missing-data setting); CloudWatch
      // shows the same verdict to people: a probe that stopped reporting is a failing probe.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private statements(props: RegionProbeProps, key: kms.IKey): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const s: iam.PolicyStatement[] = [
      // What CloudWatch Synthetics itself needs for a canary (CDK's default canary role, narrowed to
      // this canary's prefix and log group).
      new iam.PolicyStatement({
        sid: 'WriteRunReports',
        actions: ['s3:PutObject'],
        resources: [this.artifactsBucket.arnForObjects(`${props.canaryName}/*`)],
      }),
      new iam.PolicyStatement({
        sid: 'LocateReportBucket',
        actions: ['s3:GetBucketLocation'],
        resources: [this.artifactsBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'SyntheticsListBuckets',
        actions: ['s3:ListAllMyBuckets'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'PublishRunMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
      }),
      new iam.PolicyStatement({
        sid: 'WriteRunLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroupArn(props.canaryName)],
      }),
      new iam.PolicyStatement({
        sid: 'UseProbeKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    ];
    const secrets = [
      ...new Set((props.checks ?? []).flatMap((c) => (c.originHeader ? [c.originHeader.secret] : []))),
    ];
    if (secrets.length) {
      s.push(
        new iam.PolicyStatement({
          sid: 'ReadOriginSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((x) => x.secretArn),
        }),
      );
      const keys = secrets.flatMap((x) => (x.encryptionKey ? [x.encryptionKey.keyArn] : []));
      if (keys.length) {
        s.push(
          new iam.PolicyStatement({
            sid: 'DecryptOriginSecrets',
            actions: ['kms:Decrypt'],
            resources: keys,
            conditions: {
              StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
            },
          }),
        );
      }
    }
    const hb = props.heartbeat;
    if (hb) {
      s.push(
        new iam.PolicyStatement({
          sid: 'WriteHeartbeatItemOnly',
          actions: ['dynamodb:UpdateItem'],
          resources: [hb.table.tableArn],
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [hb.partitionKey.value] },
          },
        }),
      );
      if (hb.table.encryptionKey) {
        // DynamoDB uses the table's customer-managed key on the caller's behalf (as CDK's table write grant).
        s.push(
          new iam.PolicyStatement({
            sid: 'UseTableKeyThroughDynamoDb',
            actions: [
              'kms:Decrypt',
              'kms:DescribeKey',
              'kms:Encrypt',
              'kms:GenerateDataKey*',
              'kms:ReEncrypt*',
            ],
            resources: [hb.table.encryptionKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
          }),
        );
      }
    }
    return s;
  }

  /** CloudWatch Synthetics names the canary's log group /aws/lambda/cwsyn-<canary name>-<generated id>. */
  private logGroupArn(canaryName: string): string {
    return Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/lambda/cwsyn-${canaryName}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private acknowledgeWildcards(policy: iam.ManagedPolicy, props: RegionProbeProps): void {
    const reasons = [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Two calls CloudWatch Synthetics requires of every canary role and that take no resource ARN: s3:ListAllMyBuckets (read-only), and cloudwatch:PutMetricData limited by condition to the CloudWatchSynthetics namespace.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(
          (this.artifactsBucket.node.defaultChild ?? this.artifactsBucket) as s3.CfnBucket,
        )}.Arn>/${props.canaryName}/*]`,
        reason:
          'Run reports of this one canary, under its own prefix of its artifacts bucket: object writes need the prefix/* form.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${flatten(Stack.of(this).resolve(this.logGroupArn(props.canaryName)))}]`,
        reason:
          'The log group CloudWatch Synthetics creates for this canary is named /aws/lambda/cwsyn-<canary name>-<generated id>; the generated part is only known once the canary exists.',
      },
    ];
    if (props.heartbeat?.table.encryptionKey) {
      const reason =
        "DynamoDB encrypts and decrypts the heartbeat item with the table's customer-managed key on the caller's behalf and needs these families (as CDK's table write grant); granted on that one key and only through DynamoDB (kms:ViaService).";
      reasons.push(
        { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
        { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
      );
    }
    acknowledge(policy, ...reasons);
  }
}

/**
 * A KMS-encrypted, TLS-only bucket for canary run reports, expiring them after 31 days; several
 * probes of a stack can share one (each writes under its canary name).
 */
export function probeArtifactsBucket(scope: Construct, id: string, key: kms.IKey): s3.Bucket {
  const bucket = new s3.Bucket(
    scope,
    id,
    secureBucketProps({
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireRunReports',
          expiration: Duration.days(31),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
    }),
  );
  const loggingReason =
    "Receives only the run reports the canary itself writes (its role is the only writer); every run is also in the canary's CloudWatch Logs group and metrics. Server access logs would record the canary writing its own reports.";
  const replicationReason =
    "Run reports describe this Region's health at the time of the run; a copy elsewhere would add nothing, and they expire after 31 days.";
  acknowledge(
    bucket,
    { id: 'AwsSolutions-S1', reason: loggingReason },
    { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: loggingReason },
    { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: loggingReason },
    { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: replicationReason },
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: replicationReason },
  );
  return bucket;
}

function heartbeatConfig(hb: ProbeHeartbeat): HeartbeatConfig {
  const key: Record<string, string> = { [hb.partitionKey.name]: hb.partitionKey.value };
  if (hb.sortKey) key[hb.sortKey.name] = hb.sortKey.value;
  return { tableName: hb.table.tableName, key, expiresAttribute: hb.expiresAttribute };
}

/** Why the props cannot make a working probe; empty when they can. */
export function regionProbePropsProblems(props: RegionProbeProps): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.canaryName) && !/^[0-9a-z_-]{1,21}$/.test(props.canaryName)) {
    problems.push(
      `canaryName is "${props.canaryName}". Fix: use 1 to 21 lower-case letters, digits, "-" or "_" (CloudWatch Synthetics' limit)`,
    );
  }
  if ((props.checks ?? []).length === 0 && !props.heartbeat) {
    problems.push(
      "there is no check and no heartbeat. Fix: give checks (the Region's read path) or a heartbeat (its write path)",
    );
  }
  for (const c of props.checks ?? []) {
    if (!Token.isUnresolved(c.url) && !/^https:\/\/[^/\s]+/.test(c.url)) {
      problems.push(
        `checks "${c.name}".url is "${c.url}". Fix: use an absolute https URL that reaches this Region only`,
      );
    }
  }
  const rate = props.rate ?? Duration.minutes(1);
  const period = props.alarmPeriod ?? Duration.minutes(2);
  if (!rate.isUnresolved() && (rate.toSeconds() < 60 || rate.toSeconds() % 60 !== 0)) {
    problems.push(
      `rate is ${rate.toSeconds()} s. Fix: use whole minutes (CloudWatch Synthetics runs at most once a minute)`,
    );
  }
  if (!rate.isUnresolved() && !period.isUnresolved()) {
    if (period.toSeconds() % 60 !== 0) {
      problems.push(
        `alarmPeriod is ${period.toSeconds()} s. Fix: use whole minutes (Route 53 reads standard-resolution metrics only)`,
      );
    } else if (period.toSeconds() < rate.toSeconds() * MIN_RUNS_PER_PERIOD) {
      problems.push(
        `alarmPeriod is ${period.toSeconds()} s for a run every ${rate.toSeconds()} s. Fix: use at least ${rate.toSeconds() * MIN_RUNS_PER_PERIOD} s, so that a period holds ${MIN_RUNS_PER_PERIOD} runs and a late metric is not read as missing`,
      );
    }
  }
  const n = props.evaluationPeriods ?? 2;
  if (!Number.isInteger(n) || n < 1 || n > 10) problems.push(`evaluationPeriods is ${n}. Fix: use 1 to 10`);
  return problems;
}

let bundled: string | undefined;

/**
 * The canary script bundled into `<dir>/nodejs/node_modules/region-probe.js` (the layout every
 * Node.js Synthetics runtime accepts). The directory is named after the bundle's own hash, so the
 * asset hash changes only with the code; it is built once per process.
 */
export function probeCodeDirectory(): string {
  if (bundled) return bundled;
  const source = ['.ts', '.js'].map((ext) => path.join(__dirname, 'probe', `canary${ext}`)).find(existsSync);
  if (!source) throw new Error(`RegionProbe: canary source not found next to ${__filename}`);
  const out = buildSync({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  }).outputFiles[0].contents;
  const dir = path.join(
    tmpdir(),
    `rempart-region-probe-${createHash('sha256').update(out).digest('hex').slice(0, 16)}`,
  );
  const file = path.join(dir, 'nodejs', 'node_modules', 'region-probe.js');
  if (!existsSync(file) || !readFileSync(file).equals(Buffer.from(out))) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, out);
  }
  bundled = dir;
  return dir;
}
