import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import type { EntCapacity } from './capacity';
import { entImageProblem, minutesOfDay, type EntSection } from './config';
import {
  AutoscaledWebService,
  EgressMode,
  type ScheduledCapacity,
} from '../../constructs/autoscaled-web-service/autoscaled-web-service';
import { DataKey } from '../../constructs/data-key/data-key';
import { DeadLetteredQueue } from '../../constructs/dead-lettered-queue/dead-lettered-queue';
import { CLOUDFRONT_REGION } from '../../constructs/resilient-distribution/resilient-distribution';
import { LogEncryptionKey } from '../../constructs/log-encryption-key/log-encryption-key';
import { nagForm } from '../../constructs/replicated-bucket/private/nag-form';
import type { EntDataStack } from './data-stack';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

/** Props of {@link EntServiceStack}, one per application Region. */
export interface EntServiceStackProps extends RempartStackProps {
  /** Same-Region stateful stack: key, sessions table, documents and access-logs buckets. */
  readonly data: EntDataStack;
}

/** Private ECR image: account, Region, repository and tag or digest; `{account}` and `{region}` allowed. */
const ECR_IMAGE =
  /^(\d{12}|\{account\})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+)(?::([\w.-]+)|@(sha256:[0-9a-f]{64}))?$/;

/** Names of the ENT origin: one health-checked name for every Region, one pinned name per Region. */
export const entOriginNames = {
  /** Latency record per Region, health-checked (the resilience stack owns it): CloudFront's origin for every method. */
  failover: (ent: Pick<EntSection, 'domainName'>) => `origin.${ent.domainName}`,
  /** Alias of one Region's load balancer: the GET/HEAD/OPTIONS fallback, on the certificate too. */
  region: (ent: Pick<EntSection, 'domainName'>, region: string) => `origin-${region}.${ent.domainName}`,
};

/**
 * Stateless ENT resources of one Region: VPC over three zones, an internet-facing HTTPS load balancer
 * that admits only CloudFront's origin-facing addresses carrying this Region's origin secret, Fargate
 * service with surge-derived scaling, heavy-write queue with DLQ.
 *
 * Why not a CloudFront VPC origin: it names one load balancer, so it cannot sit behind a DNS name
 * that fails over, and CloudFront origin groups fail over only GET/HEAD/OPTIONS: ENT writes would
 * stay pinned to a lost Region (docs/ent.md, "Origin and failover").
 */
export class EntServiceStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  /** The ENT product on Fargate behind its load balancer. */
  public readonly web: AutoscaledWebService;
  /** Internet-facing ALB in the ingress subnets (CloudFront origin-facing addresses only, origin secret required). */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The tasks' target group. */
  public readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** This Region's pinned origin name (alias of its load balancer, on its certificate). */
  public readonly originDomainName: string;
  /** The health-checked name every Region answers for (also on the certificate). */
  public readonly failoverDomainName: string;
  /** Header CloudFront must send to this Region's load balancer. */
  public readonly originHeaderName: string;
  /** Secrets Manager name of the header value (replicated to us-east-1 for the distribution). */
  public readonly originSecretName: string;
  /** The origin secret (its value is the header's). */
  public readonly originSecret: secretsmanager.Secret;
  /** The Fargate service. */
  public readonly service: ecs.FargateService;
  /** Heavy writes (homework submissions, messages). */
  public readonly queue: sqs.IQueue;
  /** Heavy writes that kept failing. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Figures the scaling settings were derived from. */
  public readonly capacity: EntCapacity;
  /** True when this Region runs the school-morning pre-scaling. */
  public readonly prescaled: boolean;

  private readonly entSection: EntSection;

  /**
   * The zones named in configuration. With a concrete account, CDK's Vpc would otherwise look them
   * up in that account, and `cdk synth` would need AWS credentials.
   */
  override get availabilityZones(): string[] {
    const configured = this.config.ent.network.availabilityZones[this.region];
    if (!configured) return super.availabilityZones;
    if (!this.literalZonesAcknowledged) {
      this.literalZonesAcknowledged = true;
      // What CDK itself acknowledges when it hands out zone names: literal zones are intended here.
      Validations.of(this).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason:
          'The zone names come from configuration (ent.network.availabilityZones), checked per Region at load: offline synthesis knows no real zone names.',
      });
    }
    return [...configured];
  }

  private literalZonesAcknowledged = false;

  constructor(scope: Construct, id: string, props: EntServiceStackProps) {
    super(scope, id, props);
    const config = props.config;
    const ent = config.ent;
    this.entSection = ent;
    const data = props.data;

    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart ENT service logs, ${this.region}`,
    }).key;

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    const imageProblem = entImageProblem(ent.containerImage, config.service.stage);
    if (imageProblem)
      throw new Error(`EntServiceStack: ent.containerImage "${ent.containerImage}" ${imageProblem}`);

    this.originDomainName = entOriginNames.region(ent, this.region);
    this.failoverDomainName = entOriginNames.failover(ent);
    const certificate = new acm.Certificate(this, 'OriginCertificate', {
      domainName: this.originDomainName,
      subjectAlternativeNames: [this.failoverDomainName],
      validation: acm.CertificateValidation.fromDns(zone),
    });

    // The origin secret: CloudFront sends it (read from its us-east-1 replica at deploy), the load
    // balancer forwards only requests carrying it, the Region probe reads it here.
    this.originHeaderName = `${config.edge.originVerify.headerName}-ent-${this.region}`.toLowerCase();
    this.originSecretName = `${config.edge.originVerify.secretName}/ent/${this.region}`;
    this.originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      secretName: this.originSecretName,
      description: `Value of ${this.originHeaderName}: CloudFront sends it, the ${this.region} ENT load balancer requires it (generation ${config.edge.originVerify.generation})`,
      encryptionKey: new DataKey(this, 'OriginSecretKey', {
        description: `Rempart ENT origin secret, ${this.region}`,
        services: ['secretsmanager'],
      }).key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      replicaRegions: [{ region: CLOUDFRONT_REGION }],
    });
    acknowledge(
      this.originSecret,
      ...[
        'AwsSolutions-SMG4',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
        'HIPAA.Security-SecretsManagerRotationEnabled',
      ].map((id) => ({
        id,
        reason:
          "Shared value between the CloudFront origin headers and this Region's load balancer rule, both resolved by CloudFormation at deploy: it is rotated with the booking origin secrets by the procedure in docs/edge.md (new value, redeploy the Region, then the edge; edge.originVerify.generation). It protects no data: it proves a request came through CloudFront, whose web ACL applies the rate and managed rules.",
      })),
    );

    const writes = new DeadLetteredQueue(this, 'HeavyWrites', {
      encryptionKey: data.dataKey,
      visibilityTimeout: Duration.seconds(ent.queue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(ent.queue.retentionDays),
      deadLetterRetentionPeriod: Duration.days(ent.queue.deadLetterRetentionDays),
      maxReceiveCount: ent.queue.maxReceiveCount,
    });
    this.queue = writes.queue;
    this.deadLetterQueue = writes.deadLetterQueue;

    this.capacity = ent.capacity;
    this.prescaled = data.isPrimary || ent.scaling.secondaryRegion === 'hot';

    const secrets: Record<string, secretsmanager.ISecret> = {};
    for (const [envName, secretName] of Object.entries(ent.secrets)) {
      secrets[envName] = secretsmanager.Secret.fromSecretNameV2(this, `Secret${envName}`, secretName);
    }
    const image = this.containerImage(ent);

    this.web = new AutoscaledWebService(this, 'Web', {
      availabilityZones: ent.network.availabilityZones[this.region] ?? [],
      vpcCidr: ent.network.vpcCidr,
      egress: ent.network.egress === 'endpoints' ? EgressMode.ENDPOINTS : EgressMode.NAT,
      image: image.image,
      containerPort: ent.containerPort,
      cpu: ent.task.cpu,
      memoryLimitMiB: ent.task.memoryMiB,
      cpuArchitecture:
        ent.task.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      user: ent.task.user,
      writablePaths: ent.task.writablePaths,
      healthCheckPath: ent.task.healthCheckPath,
      secrets,
      settings: {
        ENT_QUEUE_URL: this.queue.queueUrl,
        ENT_SESSIONS_TABLE: data.sessionsTable.tableName,
        ENT_DOCUMENTS_BUCKET: data.documentsBucketName,
      },
      certificate,
      originPrefixListId: ent.network.cloudFrontPrefixListIds[this.region] ?? '',
      publicOrigin: { headerName: this.originHeaderName, secret: this.originSecret },
      additionalEndpoints: ent.network.egress === 'endpoints' ? ent.network.additionalEndpoints : undefined,
      flowLogRetention: logs.RetentionDays.ONE_YEAR,
      accessLogsBucket: data.accessLogsBucket,
      logEncryptionKey: this.logKey,
      loadBalancerCapacityUnits: ent.scaling.loadBalancerCapacityUnits,
      capacity: {
        minTasks: this.capacity.offPeakFloor,
        maxTasks: this.capacity.maxTasks,
        requestsPerTargetPerMinute: this.capacity.requestsPerTargetPerMinute,
        cpuTargetPercent: ent.scaling.cpuTargetPercent,
        schedules: this.prescaled ? schoolMorningSchedules(ent, this.capacity) : [],
      },
    });
    this.loadBalancer = this.web.loadBalancer;
    this.targetGroup = this.web.targetGroup;
    this.service = this.web.service;
    // The pinned name: CloudFront's fallback for reads, and what the certificate proves.
    new route53.ARecord(this, 'RegionOriginRecord', {
      zone,
      recordName: this.originDomainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.web.loadBalancer)),
    });

    this.grantApplication(data);
    const executionRole = this.web.taskDefinition.executionRole;
    if (image.fromEcr && executionRole) {
      acknowledge(executionRole, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken has no resource-level permissions; the image pull actions themselves are limited to the configured repository.',
      });
    }
  }

  /** The configured image; a private ECR image is referenced as a repository, so pulls are granted. */
  private containerImage(ent: EntSection): { image: ecs.ContainerImage; fromEcr: boolean } {
    const name = ent.containerImage.replace(/\{region\}/g, this.region);
    const m = ECR_IMAGE.exec(name);
    if (!m) return { image: ecs.ContainerImage.fromRegistry(name), fromEcr: false };
    const [, account, region, repositoryName = '', tag, digest] = m;
    const repository = ecr.Repository.fromRepositoryAttributes(this, 'ImageRepository', {
      repositoryName,
      repositoryArn: this.formatArn({
        service: 'ecr',
        account: account === '{account}' ? this.account : account,
        region,
        resource: 'repository',
        resourceName: repositoryName,
      }),
    });
    return {
      image: ecs.ContainerImage.fromEcrRepository(repository, digest ?? tag ?? 'latest'),
      fromEcr: true,
    };
  }

  /**
   * What the ENT product may do, written out action by action instead of CDK's broad grant helpers
   * (which add s3:GetObject*, kms:ReEncrypt* and similar wildcards).
   */
  private grantApplication(data: EntDataStack): void {
    const role = this.web.taskRole;
    const allow = (actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(
      [
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ],
      [this.queue.queueArn],
    );
    allow(
      [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
      ],
      [data.sessionsTable.tableArn],
    );
    // ARNs from the deterministic name: no cross-stack export for what only IAM needs. Only the
    // application's prefixes, only current versions: restoring an old version is an operator's act.
    const bucketArn = `arn:${this.partition}:s3:::${data.documentsBucketName}`;
    const prefixes = this.documentPrefixes;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
      }),
    );
    const objects = prefixes.map((p) => `${bucketArn}/${p}*`);
    allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], objects);
    // One key encrypts the queue, the table replica and the documents of this Region: usable only
    // through those three services, never to decrypt something fetched elsewhere.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [data.dataKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': ['s3', 'sqs', 'dynamodb'].map((svc) => `${svc}.${this.region}.amazonaws.com`),
          },
        },
      }),
    );
    for (const o of objects) {
      acknowledge(role, {
        id: `AwsSolutions-IAM5[Resource::${nagForm(this, o)}]`,
        reason:
          'Documents are per-user objects under keys the application chooses inside one of its configured prefixes (ent.documents.applicationPrefixes); object actions need the prefix/* form. No other prefix of the bucket, no old version and no other bucket is reachable.',
      });
    }
  }

  private get documentPrefixes(): readonly string[] {
    return this.entSection.documents.applicationPrefixes;
  }
}

/** School mornings: the statically stable peak floor at preScaleAt, back to the off-peak floor at scaleInAt. */
export function schoolMorningSchedules(ent: EntSection, capacity: EntCapacity): ScheduledCapacity[] {
  const timeZone = TimeZone.of(ent.surge.timeZone);
  const weekDay = ent.surge.schoolDays.join(',');
  const at = (time: string) => {
    const minutes = minutesOfDay(time);
    return appscaling.Schedule.cron({
      minute: String(minutes % 60),
      hour: String(Math.floor(minutes / 60)),
      weekDay,
    });
  };
  return [
    {
      id: 'SchoolMorningPreScale',
      schedule: at(ent.surge.preScaleAt),
      timeZone,
      minTasks: capacity.morningFloor,
    },
    {
      id: 'SchoolMorningScaleIn',
      schedule: at(ent.surge.scaleInAt),
      timeZone,
      minTasks: capacity.offPeakFloor,
    },
  ];
}
