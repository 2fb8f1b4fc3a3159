import { Duration, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import type { EntCapacity } from './capacity';
import { minutesOfDay, type EntSection } from './config';
import {
  AutoscaledWebService,
  EgressMode,
  type ScheduledCapacity,
} from '../../constructs/autoscaled-web-service/autoscaled-web-service';
import { DeadLetteredQueue } from '../../constructs/dead-lettered-queue/dead-lettered-queue';
import { LogEncryptionKey } from '../../constructs/log-encryption-key/log-encryption-key';
import { nagForm } from '../../constructs/replicated-bucket/private/nag-form';
import type { EntDataStack } from './data-stack';
import { RempartStack, type RempartStackProps } from '../../platform/rempart-stack';

export interface EntServiceStackProps extends RempartStackProps {
  /** Same-Region stateful stack: key, sessions table, documents and access-logs buckets. */
  readonly data: EntDataStack;
}

/** Private ECR image: account, Region, repository and tag or digest; `{account}` and `{region}` allowed. */
const ECR_IMAGE =
  /^(\d{12}|\{account\})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+)(?::([\w.-]+)|@(sha256:[0-9a-f]{64}))?$/;

/**
 * Stateless ENT resources of one Region: VPC over three zones, internal HTTPS load balancer (the
 * CloudFront VPC origin), Fargate service with surge-derived scaling, heavy-write queue with DLQ.
 */
export class EntServiceStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  public readonly web: AutoscaledWebService;
  /** Internal ALB in private subnets; front it with `origins.VpcOrigin.withApplicationLoadBalancer`. */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  public readonly targetGroup: elbv2.IApplicationTargetGroup;
  /**
   * Name on the load balancer's certificate: give it to the VPC origin as `domainName` so that
   * CloudFront's TLS check of the origin matches.
   */
  public readonly originDomainName: string;
  public readonly service: ecs.FargateService;
  /** Heavy writes (homework submissions, messages). */
  public readonly queue: sqs.IQueue;
  public readonly deadLetterQueue: sqs.IQueue;
  /** Figures the scaling settings were derived from. */
  public readonly capacity: EntCapacity;
  /** True when this Region runs the school-morning pre-scaling. */
  public readonly prescaled: boolean;

  constructor(scope: Construct, id: string, props: EntServiceStackProps) {
    super(scope, id, props);
    const config = props.config;
    const ent = config.ent;
    const data = props.data;

    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart ENT service logs, ${this.region}`,
    }).key;

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    this.originDomainName = `origin-${this.region}.${ent.domainName}`;
    const certificate = new acm.Certificate(this, 'OriginCertificate', {
      domainName: this.originDomainName,
      validation: acm.CertificateValidation.fromDns(zone),
    });

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
    // ARNs from the deterministic name: no cross-stack export for what only IAM needs.
    const bucketArn = `arn:${this.partition}:s3:::${data.documentsBucketName}`;
    const objects = `${bucketArn}/*`;
    allow(['s3:ListBucket'], [bucketArn]);
    allow(
      ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      [objects],
    );
    // One key encrypts the queue, the table replica and the documents of this Region.
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [data.dataKey.keyArn]);
    acknowledge(role, {
      id: `AwsSolutions-IAM5[Resource::${nagForm(this, objects)}]`,
      reason:
        'Documents are per-user objects under keys the application chooses (homework, attachments); object actions on exactly one bucket need the bucket/* form. No other bucket is reachable.',
    });
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
