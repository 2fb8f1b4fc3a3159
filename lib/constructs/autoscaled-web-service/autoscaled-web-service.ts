import { Duration, RemovalPolicy, Stack, Token, type TimeZone } from 'aws-cdk-lib';
import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { AccessLogsBucket } from '../access-logs-bucket/access-logs-bucket';
import { LogEncryptionKey } from '../log-encryption-key/log-encryption-key';

/** How tasks in the private subnets reach AWS APIs and their image registry. */
export enum EgressMode {
  /**
   * One NAT gateway per zone (a zone loss never cuts the others' egress) and free S3/DynamoDB
   * gateway endpoints. Any registry, any outside identity provider.
   */
  NAT = 'nat',
  /**
   * No route to the internet: interface endpoints for ECR, CloudWatch Logs, Secrets Manager, SSM and
   * SQS, plus S3/DynamoDB gateway endpoints. The image must be in this Region's private ECR.
   */
  ENDPOINTS = 'endpoints',
}

/** A recurring change of the task floor, e.g. before a predictable surge. */
export interface ScheduledCapacity {
  /** PascalCase id of the scheduled action, e.g. "SchoolMorning". */
  readonly id: string;
  /** When it applies, as a cron in `timeZone`. */
  readonly schedule: appscaling.Schedule;
  /** IANA time zone of the schedule, e.g. TimeZone.EUROPE_PARIS. */
  readonly timeZone: TimeZone;
  /** Floor from then on; target tracking can still go higher. */
  readonly minTasks: number;
  /** Ceiling from then on, e.g. to reserve more room for the surge. @default - the service's maxTasks */
  readonly maxTasks?: number;
}

/**
 * How many tasks the service runs and what makes it scale. Size it from a load test: the floor
 * carries normal load even after losing a zone, and scaling only absorbs what the floor cannot.
 */
export interface AutoscaledWebServiceCapacity {
  /**
   * Floor outside schedules. Make it statically stable: enough tasks in the remaining zones when one
   * zone fails, since new tasks take minutes to start (`staticStabilityFloor()` computes it).
   */
  readonly minTasks: number;
  /** Ceiling of target tracking and of scheduled floors; within the account's Fargate quota. */
  readonly maxTasks: number;
  /** ALBRequestCountPerTarget target: requests per task per minute. */
  readonly requestsPerTargetPerMinute: number;
  /** Average CPU target in percent. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Scheduled floors. @default none */
  readonly schedules?: readonly ScheduledCapacity[];
}

/** Props of {@link AutoscaledWebService}. */
export interface AutoscaledWebServiceProps {
  /**
   * Availability Zones of the VPC, named explicitly (offline synthesis knows no real names); all in
   * this stack's Region. Two at least; three make the static-stability arithmetic work.
   */
  readonly availabilityZones: readonly string[];
  /**
   * Address range of the new VPC; choose one that will not clash if it is ever peered.
   * @default "10.0.0.0/16"
   */
  readonly vpcCidr?: string;
  /** How tasks reach AWS APIs and the image registry (see {@link EgressMode}). @default EgressMode.NAT */
  readonly egress?: EgressMode;
  /** Container image of the web application. */
  readonly image: ecs.ContainerImage;
  /** Port the container listens on (HTTP); ≥ 1024 because the container is not root. */
  readonly containerPort: number;
  /** Fargate CPU units. @default 1024 */
  readonly cpu?: number;
  /** Fargate memory (MiB). @default 2048 */
  readonly memoryLimitMiB?: number;
  /**
   * Architecture the image is built for; ARM64 costs less when the image supports it.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /** Numeric uid[:gid] the container runs as; never 0. */
  readonly user: string;
  /** Paths that get a task-local scratch volume; the root filesystem stays read-only. @default ["/tmp"] */
  readonly writablePaths?: readonly string[];
  /** Path the load balancer polls. @default "/" */
  readonly healthCheckPath?: string;
  /**
   * Secrets injected into the container as environment variables by ECS, never in the template.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, secretsmanager.ISecret>>;
  /**
   * Non-secret settings (queue URL, table name…). Each becomes an SSM parameter injected like a
   * secret, so the task definition holds no plain environment variable. @default none
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Certificate of the HTTPS listener (the origin name CloudFront connects to). */
  readonly certificate: acm.ICertificate;
  /**
   * TLS policy of the HTTPS listener, i.e. of the connection from CloudFront.
   * @default elbv2.SslPolicy.TLS13_12_RES_PQ: TLS 1.2/1.3, forward-secret AEAD ciphers, hybrid post-quantum key exchange
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Id of the "com.amazonaws.global.cloudfront.origin-facing" managed prefix list in this Region: the
   * only source allowed into the load balancer.
   */
  readonly originPrefixListId: string;
  /**
   * Make the load balancer internet-facing, for a CloudFront origin reached by a DNS name (which can
   * fail over between Regions; a VPC origin cannot). It still admits only CloudFront's origin-facing
   * addresses, and it forwards a request only when it carries this header with the secret's current
   * value; any other request gets a 403 from the load balancer itself.
   * @default - internal load balancer, for CloudFront VPC origins
   */
  readonly publicOrigin?: {
    /**
     * Header CloudFront adds to origin requests, e.g. "x-origin-verify" (1 to 40 letters, digits, dashes).
     */
    readonly headerName: string;
    /**
     * Secret whose value the header must carry. The listener reads it at deploy time: after a rotation,
     * deploy again (CloudFront must send the new value by then).
     */
    readonly secret: secretsmanager.ISecret;
  };
  /**
   * Extra interface endpoints with `EgressMode.ENDPOINTS`, by service name (e.g. "sts", "kms"), for an
   * application that calls those services itself. @default none
   */
  readonly additionalEndpoints?: readonly string[];
  /**
   * Where the load balancer writes its access logs; share the Region's bucket (SSE-S3 only: ELB log
   * delivery accepts no KMS key). @default - a new AccessLogsBucket
   */
  readonly accessLogsBucket?: s3.IBucket;
  /** Key of the application and flow log groups; share one per stack. @default - a new LogEncryptionKey */
  readonly logEncryptionKey?: kms.IKey;
  /** Retention of the application's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Retention of the VPC flow logs (connection data): at least one year, as French rules on
   * connection data ask (LCEN, decree 2021-1362). @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /** Task counts, scaling targets and scheduled floors. */
  readonly capacity: AutoscaledWebServiceCapacity;
  /**
   * Load balancer capacity units reserved ahead of a known surge (billed while reserved): an ALB
   * otherwise scales up over minutes and may answer 5xx at the first wave. @default - none
   */
  readonly loadBalancerCapacityUnits?: number;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Public subnets of an internet-facing load balancer (publicOrigin): its nodes only. */
const INGRESS_SUBNETS = 'Ingress';
const ID = /^[A-Z][A-Za-z0-9]*$/;

/**
 * A containerised web application on ECS Fargate behind an Application Load Balancer, in a VPC spread
 * over explicit Availability Zones, reachable only from CloudFront: internal behind VPC origins, or
 * (`publicOrigin`) internet-facing but admitting only CloudFront's addresses carrying the origin secret:
 *
 * - HTTPS only (modern TLS policy), invalid header fields dropped, access logs, deletion protection;
 * - the container runs as a non-root user on a read-only root filesystem with all Linux capabilities
 *   dropped, logs to a KMS-encrypted log group, and gets secrets from Secrets Manager;
 * - rolling deployments keep full capacity (100/200%) and roll back on the circuit breaker;
 * - target tracking on requests per target and on CPU, plus scheduled floors (e.g. school mornings).
 *
 * Grant the application's permissions to `taskRole`; alarm on `service`, `targetGroup`, `loadBalancer`.
 */
export class AutoscaledWebService extends Construct {
  /** The VPC over the listed zones: "App" subnets for tasks, plus NAT and ingress subnets when used. */
  public readonly vpc: ec2.Vpc;
  /** The ECS cluster, with Container Insights (enhanced). */
  public readonly cluster: ecs.Cluster;
  /** The task definition; add sidecars or volumes here before deploying. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Role of the application's code: grant it what the application calls (tables, queues, buckets). */
  public readonly taskRole: ecs.FargateTaskDefinition['taskRole'];
  /** The Fargate service, to alarm on its CPU and running task count. */
  public readonly service: ecs.FargateService;
  /** The load balancer CloudFront connects to (the origin). */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTPS listener (port 443). */
  public readonly listener: elbv2.ApplicationListener;
  /** The tasks' target group, to alarm on unhealthy hosts and 5xx. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Security group of the load balancer: HTTPS from CloudFront's prefix list only. */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** Security group of the tasks: the container port from the load balancer only, HTTPS out only. */
  public readonly serviceSecurityGroup: ec2.SecurityGroup;
  /** The scalable task count, to add scaling policies of your own. */
  public readonly scaling: ecs.ScalableTaskCount;
  /** The application's log group (container stdout/stderr), encrypted with the log key. */
  public readonly logGroup: logs.LogGroup;
  /** VPC flow logs (all traffic), kept `flowLogRetention` under the log key. */
  public readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AutoscaledWebServiceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validate(this.node.path, stack.region, props);
    const egress = props.egress ?? EgressMode.NAT;
    const logKey = props.logEncryptionKey ?? new LogEncryptionKey(this, 'LogKey').key;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    // Connection data: a year at least, under the customer-managed log key.
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: logKey,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = this.createVpc(props, egress, this.flowLogGroup);
    const appSubnets: ec2.SubnetSelection = { subnetGroupName: 'App' };

    // Load balancer: reachable only from CloudFront's origin-facing addresses, HTTPS only.
    const publicOrigin = props.publicOrigin;
    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: publicOrigin
        ? 'Internet-facing ALB: HTTPS from CloudFront origin-facing addresses only'
        : 'Internal ALB: HTTPS from CloudFront VPC origins only',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(props.originPrefixListId),
      ec2.Port.tcp(443),
      'HTTPS from CloudFront (com.amazonaws.global.cloudfront.origin-facing)',
    );
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      vpcSubnets: publicOrigin ? { subnetGroupName: INGRESS_SUBNETS } : appSubnets,
      internetFacing: publicOrigin !== undefined,
      securityGroup: this.loadBalancerSecurityGroup,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.DEFENSIVE,
      http2Enabled: true,
      deletionProtection: true,
      minimumCapacityUnit: props.loadBalancerCapacityUnits,
    });
    const accessLogs = props.accessLogsBucket ?? new AccessLogsBucket(this, 'AccessLogs').bucket;
    this.loadBalancer.logAccessLogs(accessLogs, `alb/${this.node.path}`);
    if (Stack.of(accessLogs) !== stack) {
      acknowledge(this.loadBalancer, {
        id: 'cdk-validator-cfnguard::elbv2_logging_enabled_check',
        reason:
          "Access logging is on (access_logs.s3.enabled = true) into the access-logs bucket of the same Region's stateful stack; the Control Tower rule recognises only a literal name or a bucket of this template, not the cross-stack import that names it.",
      });
    }

    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [props.certificate],
      sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.TLS13_12_RES_PQ,
      open: false,
      // A request without the origin secret is refused by the load balancer: it never reaches a task.
      defaultAction: publicOrigin
        ? elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' })
        : undefined,
    });

    // Compute: Fargate tasks in the private subnets of every zone.
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: logKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryLimitMiB ?? 2048,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskRole = this.taskDefinition.taskRole;

    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true });
    linuxParameters.dropCapabilities(ecs.Capability.ALL);
    const container = this.taskDefinition.addContainer('App', {
      image: props.image,
      // A hard limit equal to the task's memory: the container cannot starve the ECS agent's share.
      memoryLimitMiB: props.memoryLimitMiB ?? 2048,
      user: props.user,
      readonlyRootFilesystem: true,
      linuxParameters,
      portMappings: [{ containerPort: props.containerPort, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup: this.logGroup }),
      secrets: this.containerSecrets(props),
      stopTimeout: Duration.seconds(30),
    });
    (props.writablePaths ?? ['/tmp']).forEach((path, i) => {
      const name = `scratch${i}`;
      this.taskDefinition.addVolume({ name });
      container.addMountPoints({ sourceVolume: name, containerPath: path, readOnly: false });
    });

    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: 'Fargate tasks: application port from the load balancer only; HTTPS out only',
      allowAllOutbound: false,
    });
    // Tasks only ever call HTTPS APIs (registry, AWS APIs, identity providers): nothing else leaves.
    // With ENDPOINTS the subnets have no route out, so HTTPS reaches only the endpoints.
    this.serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      egress === EgressMode.ENDPOINTS
        ? 'HTTPS to the VPC endpoints (no route leaves the VPC)'
        : 'HTTPS to AWS APIs, the image registry and identity providers',
    );
    if (egress === EgressMode.ENDPOINTS) this.addInterfaceEndpoints(props.additionalEndpoints ?? []);
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: appSubnets,
      securityGroups: [this.serviceSecurityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // Deployments never lower capacity: new tasks start before old ones stop.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
    });

    this.targetGroup = this.listener.addTargets('App', {
      ...(publicOrigin
        ? {
            // CloudFront's origin header, with the secret's value resolved by CloudFormation at deploy.
            priority: 10,
            conditions: [
              elbv2.ListenerCondition.httpHeader(publicOrigin.headerName, [
                publicOrigin.secret.secretValue.unsafeUnwrap(),
              ]),
            ],
          }
        : {}),
      port: props.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [
        this.service.loadBalancerTarget({
          containerName: container.containerName,
          containerPort: props.containerPort,
        }),
      ],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: props.healthCheckPath ?? '/',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.scaling = this.configureScaling(props.capacity);
    this.acknowledgeFindings(egress, publicOrigin);
    // CDK's own provider that empties the default security group (restrictDefaultSecurityGroup).
    const restrictProvider = stack.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictProvider) {
      acknowledge(restrictProvider, {
        id: 'lambda-outside-vpc',
        reason:
          "CDK's built-in provider that removes the rules of the VPC default security group at deploy time: it calls only the regional EC2 API, from CloudFormation, never on user traffic.",
      });
    }
  }

  private createVpc(
    props: AutoscaledWebServiceProps,
    egress: EgressMode,
    flowLogGroup: logs.LogGroup,
  ): ec2.Vpc {
    const nat = egress === EgressMode.NAT;
    // Listed last, so that adding it keeps the address ranges of the existing subnets.
    const ingress: ec2.SubnetConfiguration[] = props.publicOrigin
      ? [
          {
            name: INGRESS_SUBNETS,
            subnetType: ec2.SubnetType.PUBLIC,
            cidrMask: 26,
            mapPublicIpOnLaunch: false,
          },
        ]
      : [];
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: [...props.availabilityZones],
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr ?? '10.0.0.0/16'),
      natGateways: nat ? props.availabilityZones.length : 0,
      subnetConfiguration: nat
        ? [
            // Holds only the NAT gateways: no workload, no public IP on launch.
            { name: 'Nat', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
            { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
            ...ingress,
          ]
        : [{ name: 'App', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }, ...ingress],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    if (!nat && !props.publicOrigin) {
      // CloudFront VPC origins need an internet gateway attached to the VPC (no route uses it).
      const igw = new ec2.CfnInternetGateway(this, 'InternetGateway');
      new ec2.CfnVPCGatewayAttachment(this, 'InternetGatewayAttachment', {
        vpcId: vpc.vpcId,
        internetGatewayId: igw.ref,
      });
    }
    return vpc;
  }

  /** Interface endpoints reachable on 443 from the tasks only (not from the whole VPC range). */
  private addInterfaceEndpoints(additional: readonly string[]): void {
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from the Fargate tasks only',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(
      this.serviceSecurityGroup,
      ec2.Port.tcp(443),
      'HTTPS from the tasks',
    );
    const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
      ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
      ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
      ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
      ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
      ...additional.map((name): [string, ec2.InterfaceVpcEndpointAwsService] => [
        pascal(name.replace(/[^A-Za-z0-9]+/g, '_')),
        new ec2.InterfaceVpcEndpointAwsService(name),
      ]),
    ];
    for (const [name, service] of services) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: { subnetGroupName: 'App' },
        privateDnsEnabled: true,
        open: false,
        securityGroups: [endpointSecurityGroup],
      });
    }
  }

  private containerSecrets(props: AutoscaledWebServiceProps): Record<string, ecs.Secret> {
    const out: Record<string, ecs.Secret> = {};
    for (const [name, secret] of Object.entries(props.secrets ?? {})) {
      out[name] = ecs.Secret.fromSecretsManager(secret);
    }
    for (const [name, value] of Object.entries(props.settings ?? {})) {
      const parameter = new ssm.StringParameter(this, `Setting${pascal(name)}`, {
        stringValue: value,
        description: `${name} of ${this.node.path}`,
      });
      out[name] = ecs.Secret.fromSsmParameter(parameter);
    }
    return out;
  }

  private configureScaling(capacity: AutoscaledWebServiceCapacity): ecs.ScalableTaskCount {
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: capacity.minTasks,
      maxCapacity: capacity.maxTasks,
    });
    scaling.scaleOnRequestCount('RequestsPerTask', {
      requestsPerTarget: capacity.requestsPerTargetPerMinute,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: capacity.cpuTargetPercent ?? 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    for (const s of capacity.schedules ?? []) {
      scaling.scaleOnSchedule(s.id, {
        schedule: s.schedule,
        timeZone: s.timeZone,
        minCapacity: s.minTasks,
        maxCapacity: s.maxTasks ?? capacity.maxTasks,
      });
    }
    return scaling;
  }

  private acknowledgeFindings(
    egress: EgressMode,
    publicOrigin: AutoscaledWebServiceProps['publicOrigin'],
  ): void {
    const inlineReason =
      'Policy generated by CDK for this one role only (least-privilege grants on named resources), created and deleted with it; a customer-managed policy would add nothing.';
    const roles = [this.taskDefinition.taskRole, this.taskDefinition.executionRole];
    const flowLogRole = this.vpc.node.tryFindChild('All')?.node.tryFindChild('IAMRole');
    for (const role of [...roles, flowLogRole]) {
      if (role) {
        acknowledge(
          role,
          { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlineReason },
          { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlineReason },
        );
      }
    }
    const wafReason = publicOrigin
      ? 'Its only ingress is the CloudFront origin-facing prefix list, and the listener forwards only requests carrying the origin secret header (others get a fixed 403), so every request it serves first passed the CLOUDFRONT-scope web ACL of the distribution (rate limits, managed rules). A regional web ACL would inspect the same requests twice.'
      : 'Internal load balancer with no public address: its only ingress is the CloudFront origin-facing prefix list (VPC origins), and every request first passes the CLOUDFRONT-scope web ACL of the distribution (rate limits, managed rules). A regional web ACL would inspect the same requests twice.';
    acknowledge(this.loadBalancer, { id: 'NIST.800.53.R5-ALBWAFEnabled', reason: wafReason });
    if (publicOrigin) {
      acknowledge(this.loadBalancer, { id: 'RempartResilience-PublicEntryWebACL', reason: wafReason });
      const routeReason =
        'Default route of the ingress subnets, which hold only the internet-facing load balancer nodes (no workload, no public IP on launch): it is how CloudFront reaches the origin; the security group admits only the CloudFront origin-facing prefix list.';
      for (const subnet of this.vpc.selectSubnets({ subnetGroupName: INGRESS_SUBNETS }).subnets) {
        const route = subnet.node.tryFindChild('DefaultRoute');
        if (route) {
          acknowledge(
            route,
            { id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', reason: routeReason },
            { id: 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW', reason: routeReason },
          );
        }
      }
    }
    if (egress === EgressMode.NAT) {
      const igwReason =
        'Default route of the NAT subnets, which hold only the NAT gateways (no public IP on launch, no workload, the load balancer is internal): it is how tasks in the private subnets reach the image registry and outside identity providers.';
      for (const subnet of this.vpc.publicSubnets) {
        const route = subnet.node.tryFindChild('DefaultRoute');
        if (route) {
          acknowledge(
            route,
            { id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', reason: igwReason },
            { id: 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW', reason: igwReason },
          );
        }
      }
    }
  }
}

function pascal(envName: string): string {
  return envName
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function validate(path: string, region: string, props: AutoscaledWebServiceProps): void {
  const problems: string[] = [];
  const zones = props.availabilityZones;
  if (zones.length < 2) {
    problems.push(
      `availabilityZones has ${zones.length} zone(s). Fix: name at least two (three for static stability), e.g. ["${region}a","${region}b","${region}c"]`,
    );
  }
  if (new Set(zones).size !== zones.length) {
    problems.push(`availabilityZones ${JSON.stringify(zones)} names a zone twice. Fix: name distinct zones`);
  }
  if (!Token.isUnresolved(region)) {
    const foreign = zones.filter((z) => !Token.isUnresolved(z) && !new RegExp(`^${region}[a-z]$`).test(z));
    if (foreign.length) {
      problems.push(
        `availabilityZones ${JSON.stringify(foreign)} are not zones of ${region}. Fix: use zones of the stack's Region, e.g. "${region}a"`,
      );
    }
  }
  const port = props.containerPort;
  if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1024 || port > 65535)) {
    problems.push(
      `containerPort is ${port}. Fix: use 1024 to 65535 (a non-root container cannot bind lower ports)`,
    );
  }
  if (!/^\d+(:\d+)?$/.test(props.user) || Number(props.user.split(':')[0]) === 0) {
    problems.push(`user is "${props.user}". Fix: give a numeric non-root uid[:gid], e.g. "101"`);
  }
  for (const p of props.writablePaths ?? []) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(p)) {
      problems.push(`writablePaths has "${p}". Fix: give absolute paths below "/", e.g. "/tmp"`);
    }
  }
  if (props.healthCheckPath !== undefined && !props.healthCheckPath.startsWith('/')) {
    problems.push(
      `healthCheckPath is "${props.healthCheckPath}". Fix: give an absolute URL path, e.g. "/health"`,
    );
  }
  if (
    !Token.isUnresolved(props.originPrefixListId) &&
    !/^pl-[0-9a-f]{8,17}$/.test(props.originPrefixListId)
  ) {
    problems.push(
      `originPrefixListId is "${props.originPrefixListId}". Fix: give the Region's CloudFront origin-facing prefix list id, e.g. "pl-75b1541c"`,
    );
  }
  // RetentionDays values are numbers of days (INFINITE is 9999).
  const flowDays = props.flowLogRetention as number | undefined;
  if (flowDays !== undefined && flowDays < 365) {
    problems.push(
      `flowLogRetention is ${flowDays} days. Fix: keep VPC flow logs at least a year (logs.RetentionDays.ONE_YEAR): French rules on connection data (LCEN, decree 2021-1362) ask for one year`,
    );
  }
  if (props.publicOrigin && !/^[A-Za-z0-9-]{1,40}$/.test(props.publicOrigin.headerName)) {
    problems.push(
      `publicOrigin.headerName is "${props.publicOrigin.headerName}". Fix: use 1 to 40 letters, digits and dashes (an ALB header condition name), e.g. "x-origin-verify"`,
    );
  }
  for (const name of props.additionalEndpoints ?? []) {
    if (!/^[a-z0-9.-]+$/.test(name)) {
      problems.push(
        `additionalEndpoints has "${name}". Fix: give an AWS service endpoint name, e.g. "sts" or "kms"`,
      );
    }
  }
  if ((props.additionalEndpoints ?? []).length && (props.egress ?? EgressMode.NAT) !== EgressMode.ENDPOINTS) {
    problems.push(
      'additionalEndpoints is set but egress is not ENDPOINTS. Fix: set egress: EgressMode.ENDPOINTS, or drop additionalEndpoints (NAT reaches every service)',
    );
  }
  const names = [...Object.keys(props.secrets ?? {}), ...Object.keys(props.settings ?? {})];
  for (const name of names) {
    if (!ENV_NAME.test(name)) problems.push(`secret or setting name "${name}". Fix: use UPPER_SNAKE_CASE`);
  }
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length)
    problems.push(`${dup.join(', ')} is both a secret and a setting. Fix: give each variable one source`);

  const c = props.capacity;
  const whole = (n: number) => Token.isUnresolved(n) || (Number.isInteger(n) && n >= 1);
  if (!whole(c.minTasks))
    problems.push(`capacity.minTasks is ${c.minTasks}. Fix: use a whole number of at least 1`);
  if (!whole(c.maxTasks))
    problems.push(`capacity.maxTasks is ${c.maxTasks}. Fix: use a whole number of at least 1`);
  if (c.minTasks > c.maxTasks) {
    problems.push(
      `capacity.minTasks (${c.minTasks}) is above capacity.maxTasks (${c.maxTasks}). Fix: raise maxTasks or lower minTasks`,
    );
  }
  if (!whole(c.requestsPerTargetPerMinute)) {
    problems.push(
      `capacity.requestsPerTargetPerMinute is ${c.requestsPerTargetPerMinute}. Fix: use a whole number of at least 1`,
    );
  }
  const cpu = c.cpuTargetPercent;
  if (cpu !== undefined && !Token.isUnresolved(cpu) && (cpu < 10 || cpu > 90)) {
    problems.push(`capacity.cpuTargetPercent is ${cpu}. Fix: use 10 to 90`);
  }
  const ids = new Set<string>();
  for (const s of c.schedules ?? []) {
    if (!ID.test(s.id))
      problems.push(`capacity.schedules id "${s.id}". Fix: use a PascalCase id, e.g. "SchoolMorning"`);
    if (ids.has(s.id))
      problems.push(`capacity.schedules id "${s.id}" is used twice. Fix: give each schedule its own id`);
    ids.add(s.id);
    const max = s.maxTasks ?? c.maxTasks;
    if (!whole(s.minTasks))
      problems.push(
        `capacity.schedules ${s.id}.minTasks is ${s.minTasks}. Fix: use a whole number of at least 1`,
      );
    if (s.minTasks > max) {
      problems.push(
        `capacity.schedules ${s.id}.minTasks (${s.minTasks}) is above its maximum (${max}). Fix: raise maxTasks to at least ${s.minTasks}`,
      );
    }
    if (s.maxTasks !== undefined && s.maxTasks > c.maxTasks) {
      problems.push(
        `capacity.schedules ${s.id}.maxTasks (${s.maxTasks}) is above capacity.maxTasks (${c.maxTasks}). Fix: keep scheduled maxima within capacity.maxTasks`,
      );
    }
  }
  const units = props.loadBalancerCapacityUnits;
  if (
    units !== undefined &&
    !Token.isUnresolved(units) &&
    (!Number.isInteger(units) || units < 100 || units > 1500)
  ) {
    problems.push(
      `loadBalancerCapacityUnits is ${units}. Fix: use 100 to 1500, or leave it out for no reservation`,
    );
  }
  if (problems.length) throw new Error(`AutoscaledWebService ${path}: ${problems.join('; ')}`);
}
