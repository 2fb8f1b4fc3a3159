import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { flatten } from '../../compliance/resilience/private/cfn';
import { lambdaEntry } from '../../lambda-entry';
import { DataKey } from '../data-key/data-key';
import {
  EdgeFirewall,
  ORIGIN_RULE_NAME,
  SECURITY_LOG_MIN_RETENTION_DAYS,
} from '../edge-firewall/edge-firewall';
import { InvocationKind, RempartFunction } from '../rempart-function/rempart-function';
import { RegionalFailover, RegionalRouting } from '../regional-failover/regional-failover';
import { CLOUDFRONT_REGION } from './resilient-distribution';

/** Props of {@link RegionalApiOrigin}. */
export interface RegionalApiOriginProps {
  /** The Region's REST API; its deployment stage is what CloudFront reaches. */
  readonly restApi: apigateway.RestApiBase;
  /** Public zone that receives the write failover record and validates its certificate. */
  readonly hostedZone: route53.IHostedZone;
  /**
   * Name CloudFront uses as the write origin, identical in every Region (e.g.
   * "writes.rdv.example.fr"): a Route 53 failover record that follows the Regions' health.
   */
  readonly writeDomainName: string;
  /**
   * LATENCY (both Regions take writes, the nearest healthy one answers) or FAILOVER (the primary
   * while healthy). Either way an unhealthy Region stops being answered. @default RegionalRouting.LATENCY
   */
  readonly routing?: RegionalRouting;
  /** With FAILOVER routing: is this the primary Region? @default true */
  readonly primary?: boolean;
  /**
   * Base name of the origin header and of its secrets. The header is `<headerName>-<region>`; the
   * generated secrets are `<secretName>/<region>` (current, replicated to us-east-1 for the
   * distribution) and `<secretName>/<region>/previous` (the value before the last rotation).
   */
  readonly originVerify: {
    /** Base name of the header, e.g. "x-origin-verify"; the Region is appended. */
    readonly headerName: string;
    /** Base name of the secrets, e.g. "my-service/origin-verify"; the Region is appended. */
    readonly secretName: string;
    /** Secret generation; changing it makes CloudFormation re-read the secret values. @default 1 */
    readonly generation?: number;
    /** Days between automatic rotations. @default 30 */
    readonly rotationDays?: number;
    /**
     * Alias of a customer-managed KMS key in us-east-1 that encrypts the replica there (it must
     * exist before this stack deploys). Required: the replica holds the live secret.
     */
    readonly replicaKeyAlias?: string;
  };
  /** Key of the regional web ACL's and the rotation function's log groups. */
  readonly logEncryptionKey: kms.IKey;
  /** At least a year. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** More signals of the Region's real health (e.g. queue age, worker errors); any in ALARM fails the Region over. @default none */
  readonly healthAlarms?: readonly cloudwatch.IAlarm[];
  /** Share of 5xx answers over 3 minutes that marks the API unhealthy. @default 0.05 */
  readonly serverErrorRateThreshold?: number;
  /** Who is told when the Region turns unhealthy. @default none (see the acknowledgement) */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * Create the Region's write record here, driven by `healthAlarms`. Turn it off when another
   * construct (e.g. a RegionalFailover over the whole Region's critical alarms) owns the record for
   * `domain`. @default true
   */
  readonly writeRecord?: boolean;
}

/**
 * The regional half of the edge for one API: a generated origin secret that CloudFront sends and
 * a REGIONAL web ACL on the stage requires (direct calls to the API are refused), rotated end to
 * end by a Secrets Manager rotation function while the web ACL accepts the current and the
 * previous value; a regional custom domain for the write path; and the Region's Route 53 failover
 * record driven by a health check on the Region's own alarms. Create one in each Region's API
 * stack, PRIMARY in one, SECONDARY in the other; the us-east-1 replica key (`replicaKeyAlias`) must
 * exist first.
 */
export class RegionalApiOrigin extends Construct {
  /** Header CloudFront must send to this Region. */
  public readonly headerName: string;
  /** Secrets Manager name of the header value (also readable in us-east-1, a replica). */
  public readonly secretName: string;
  /** The current value: CloudFront sends it (replica in us-east-1); rotated automatically. */
  public readonly secret: secretsmanager.Secret;
  /** The value before the last rotation, still accepted by the web ACL (this Region only). */
  public readonly previousSecret: secretsmanager.Secret;
  /** The function that rotates the secret end to end (web ACL, distributions, secrets). */
  public readonly rotation: RempartFunction;
  /** The REGIONAL web ACL on the stage: it refuses every request without the origin header. */
  public readonly firewall: EdgeFirewall;
  /** The regional custom domain of the write path (`writeDomainName`), mapped to the API's stage. */
  public readonly domain: apigateway.DomainName;
  /** Any in ALARM means this Region's API is unhealthy: they drive the write record. */
  public readonly healthAlarms: readonly cloudwatch.IAlarm[];
  /** Health checks and the write record of this Region; undefined when `writeRecord` is false. */
  public readonly failover?: RegionalFailover;
  /** Region of this origin, the suffix of its header and secret names. */
  public readonly region: string;

  constructor(scope: Construct, id: string, props: RegionalApiOriginProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.region = stack.region;
    validate(this, props);

    this.headerName = `${props.originVerify.headerName}-${this.region}`.toLowerCase();
    this.secretName = `${props.originVerify.secretName}/${this.region}`;
    const secretKey = new DataKey(this, 'SecretKey', {
      description: `Rempart origin secret, ${this.region}`,
      services: ['secretsmanager'],
    }).key;
    const generated = { passwordLength: 48, excludePunctuation: true };
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description: `Current value of ${this.headerName}: CloudFront sends it, the API's web ACL requires it`,
      encryptionKey: secretKey,
      generateSecretString: generated,
    });
    // The distribution (us-east-1) resolves the value from this replica at deploy time. CDK's
    // replicaRegions takes an IKey whose ARN would name this stack's Region: the alias is given
    // as is, resolved by Secrets Manager in us-east-1.
    (this.secret.node.defaultChild as secretsmanager.CfnSecret).replicaRegions = [
      { region: CLOUDFRONT_REGION, kmsKeyId: props.originVerify.replicaKeyAlias },
    ];
    this.previousSecret = new secretsmanager.Secret(this, 'PreviousSecret', {
      secretName: `${this.secretName}/previous`,
      description: `Value of ${this.headerName} before the last rotation, still accepted by the web ACL while CloudFront switches`,
      encryptionKey: secretKey,
      generateSecretString: generated,
    });
    acknowledge(
      this.previousSecret,
      ...[
        'AwsSolutions-SMG4',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
        'HIPAA.Security-SecretsManagerRotationEnabled',
      ].map((findingId) => ({
        id: findingId,
        reason:
          'Holds the value the origin secret had before its last rotation: the rotation function of the current secret writes it at every rotation, so it changes on the same schedule. It is never sent by CloudFront after the switch and is dropped at the next rotation.',
      })),
    );

    const stage = props.restApi.deploymentStage;
    this.firewall = new EdgeFirewall(this, 'Firewall', {
      scope: 'REGIONAL',
      description: `Refuses requests to the ${this.region} API that did not come through CloudFront, secret generation ${props.originVerify.generation ?? 1}`,
      originVerification: {
        headerName: this.headerName,
        acceptedValues: [
          this.secret.secretValue.unsafeUnwrap(),
          this.previousSecret.secretValue.unsafeUnwrap(),
        ],
      },
      // CloudFront's web ACL already applies the rate and managed rules to the real client.
      managedGroups: {
        common: { enabled: false, countOnly: true },
        knownBadInputs: { enabled: false, countOnly: true },
        ipReputation: { enabled: false, countOnly: true },
        anonymousIp: { enabled: false, countOnly: true },
        antiDdos: { enabled: false, countOnly: true },
        botControl: { enabled: false, countOnly: true },
      },
      logging: { encryptionKey: props.logEncryptionKey, retention: props.logRetention },
    });
    acknowledge(this.firewall.webAcl, {
      id: 'RempartResilience-WAFRateLimit',
      reason:
        'Origin guard only: every request it allows comes from CloudFront, whose CLOUDFRONT-scope web ACL applies the per-client rate rules to the real viewer. Here the source address is a CloudFront edge server and X-Forwarded-For can be forged by the viewer, so a rate rule would throttle CloudFront itself or be evaded; API Gateway stage throttling bounds the origin.',
    });
    this.rotation = this.rotateAutomatically(props, secretKey);
    const association = new wafv2.CfnWebACLAssociation(this, 'FirewallAssociation', {
      resourceArn: stage.stageArn,
      webAclArn: this.firewall.webAclArn,
    });
    association.node.addDependency(stage);

    const certificate = new acm.Certificate(this, 'WriteCertificate', {
      domainName: props.writeDomainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
    this.domain = new apigateway.DomainName(this, 'WriteDomain', {
      domainName: props.writeDomainName,
      certificate,
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
      mapping: props.restApi,
    });

    if (props.writeRecord === false) {
      // The record's owner reads the Region's health from its own alarms: an alarm here would page
      // nobody and drive nothing.
      this.healthAlarms = props.healthAlarms ?? [];
      return;
    }
    const errorRate = new cloudwatch.Alarm(this, 'ServerErrorRate', {
      alarmDescription: `Share of 5xx answers of the ${this.region} booking API; ALARM fails the write path over to the other Region`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5XXError',
        dimensionsMap: { ApiName: props.restApi.restApiName, Stage: stage.stageName },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      threshold: props.serverErrorRateThreshold ?? 0.05,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) {
      errorRate.addAlarmAction(props.alarmAction);
    } else {
      const reason =
        'This alarm acts through the Route 53 health check that reads it: ALARM takes the Region out of the write record without a person. People are paged by the edge alarms in us-east-1 (CloudFront 5xx rate, origin latency).';
      acknowledge(
        errorRate,
        { id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason },
        { id: 'HIPAA.Security-CloudWatchAlarmAction', reason },
      );
    }
    this.healthAlarms = [errorRate, ...(props.healthAlarms ?? [])];

    // Route 53 health checks on the Region's alarms and the write record that follows them.
    this.failover = new RegionalFailover(this, 'WriteRecord', {
      hostedZone: props.hostedZone,
      healthAlarms: this.healthAlarms,
      records: [{ recordName: props.writeDomainName, target: this.domain.domainNameAliasDomainName }],
      routing: props.routing ?? RegionalRouting.LATENCY,
      primary: props.routing === RegionalRouting.FAILOVER ? (props.primary ?? true) : undefined,
    });
  }

  /**
   * Secrets Manager rotation of the current secret by a function that does the whole switch
   * (lambda/edge/domain/origin-secret.ts): previous := current, the web ACL accepts both, every
   * distribution sending this Region's header switches, then AWSCURRENT moves.
   */
  private rotateAutomatically(props: RegionalApiOriginProps, secretKey: kms.IKey): RempartFunction {
    const stack = Stack.of(this);
    const fn = new RempartFunction(this, 'Rotation', {
      entry: lambdaEntry('edge/rotate-origin-secret'),
      description: `Rotates ${this.secretName}: web ACL, CloudFront origin headers, then the secret`,
      invocation: InvocationKind.SYNCHRONOUS,
      reservedConcurrentExecutions: 1,
      timeout: Duration.minutes(2),
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        WEB_ACL_NAME: this.firewall.webAclName,
        WEB_ACL_ID: this.firewall.webAcl.attrId,
        WEB_ACL_SCOPE: 'REGIONAL',
        ORIGIN_RULE_NAME,
        ORIGIN_HEADER_NAME: this.headerName,
        PREVIOUS_SECRET_ARN: this.previousSecret.secretArn,
      },
    });
    const role = fn.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RotateCurrent',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secret.secretArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WritePrevious',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.previousSecret.secretArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SecretKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [secretKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OriginGuard',
        actions: ['wafv2:GetWebACL', 'wafv2:UpdateWebACL'],
        resources: [this.firewall.webAclArn],
      }),
    );
    // Discovery and the replica key cannot be named at synth time: their own policy, acknowledged
    // on it, so that the function role's own statements stay off wildcards.
    const replicaKey = stack.formatArn({
      service: 'kms',
      region: CLOUDFRONT_REGION,
      resource: 'key',
      resourceName: '*',
    });
    const distributions = stack.formatArn({
      service: 'cloudfront',
      region: '',
      resource: 'distribution',
      resourceName: '*',
    });
    const discovery = new iam.Policy(this, 'RotationReach', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'FindDistributions',
          actions: ['cloudfront:ListDistributions'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'SwitchOriginHeader',
          actions: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'],
          resources: [distributions],
          conditions: { StringEquals: { 'aws:ResourceAccount': stack.account } },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptReplica',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [replicaKey],
          conditions: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [props.originVerify.replicaKeyAlias ?? ''] },
            StringEquals: { 'kms:ViaService': `secretsmanager.${CLOUDFRONT_REGION}.amazonaws.com` },
          },
        }),
      ],
    });
    const reasons: Record<string, string> = {
      'AwsSolutions-IAM5[Resource::*]':
        "cloudfront:ListDistributions has no resource-level permission; the function lists distributions to find those that send this Region's origin header (created after this stack, in us-east-1).",
      [`AwsSolutions-IAM5[Resource::${flattenArn(stack, distributions)}]`]:
        "The distributions that carry the origin header are created later by the edge stack and found at rotation time; only those sending this Region's header are read and updated, and the condition keeps them in this account.",
      [`AwsSolutions-IAM5[Resource::${flattenArn(stack, replicaKey)}]`]:
        "Secrets Manager re-encrypts each new version for the us-east-1 replica with the caller's permissions; the key is named by its alias (kms:ResourceAliases) because it lives in another stack and Region.",
    };
    acknowledge(discovery, ...Object.entries(reasons).map(([id, reason]) => ({ id, reason })));
    const inline =
      "One customer-managed policy for the rotation function's cross-Region reach, attached to its role only and deleted with it.";
    acknowledge(
      discovery,
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inline },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inline },
    );

    const permission = new lambda.CfnPermission(this, 'RotationInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: this.secret.secretArn,
    });
    const schedule = new secretsmanager.CfnRotationSchedule(this, 'RotationSchedule', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: fn.function.functionArn,
      rotationRules: { scheduleExpression: `rate(${props.originVerify.rotationDays ?? 30} days)` },
      // Deploys never rotate: the first rotation comes one period after creation.
      rotateImmediatelyOnUpdate: false,
    });
    schedule.addResourceDependency(permission);
    schedule.node.addDependency(role);
    schedule.node.addDependency(discovery);
    return fn;
  }
}

function validate(scope: Construct, props: RegionalApiOriginProps): void {
  const problems: string[] = [];
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) {
    problems.push(
      'the stack has no explicit Region. Fix: give the stack env.region; the origin header name includes it',
    );
  } else if (region === CLOUDFRONT_REGION) {
    problems.push(
      `the stack is in ${region}. Fix: create RegionalApiOrigin next to the API it guards, in an application Region`,
    );
  }
  const zoneName = props.hostedZone.zoneName;
  if (!Token.isUnresolved(zoneName) && !Token.isUnresolved(props.writeDomainName)) {
    const name = props.writeDomainName.replace(/\.$/, '');
    const zone = zoneName.replace(/\.$/, '');
    if (name !== zone && !name.endsWith(`.${zone}`)) {
      problems.push(
        `writeDomainName "${name}" is not in the zone "${zone}". Fix: use a name ending in ".${zone}"`,
      );
    }
  }
  const threshold = props.serverErrorRateThreshold;
  if (threshold !== undefined && (threshold <= 0 || threshold >= 1)) {
    problems.push(`serverErrorRateThreshold is ${threshold}. Fix: use a share between 0 and 1, e.g. 0.05`);
  }
  const alias = props.originVerify.replicaKeyAlias;
  if (alias === undefined) {
    problems.push(
      `originVerify.replicaKeyAlias is missing: the ${CLOUDFRONT_REGION} replica would be encrypted with the AWS-managed key. Fix: give the alias of a customer-managed key in ${CLOUDFRONT_REGION}, e.g. "alias/rempart/origin-secret-replicas" (EdgeKeyStack creates one)`,
    );
  } else if (
    !Token.isUnresolved(alias) &&
    (!/^alias\/[A-Za-z0-9/_-]+$/.test(alias) || alias.startsWith('alias/aws/'))
  ) {
    problems.push(
      `originVerify.replicaKeyAlias is "${alias}". Fix: use the alias of a customer-managed key, e.g. "alias/rempart/origin-secret-replicas"`,
    );
  }
  const days = props.originVerify.rotationDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 365)) {
    problems.push(
      `originVerify.rotationDays is ${days}. Fix: use a whole number of days from 1 to 365, e.g. 30`,
    );
  }
  const retention = props.logRetention;
  if (retention !== undefined && Number(retention) < SECURITY_LOG_MIN_RETENTION_DAYS) {
    problems.push(
      `logRetention is ${retention} days. Fix: keep the web ACL's logs at least ${SECURITY_LOG_MIN_RETENTION_DAYS} days (connection data, LCEN and décret 2021-1362)`,
    );
  }
  if (problems.length) throw new Error(`RegionalApiOrigin ${scope.node.path}: ${problems.join('; ')}`);
}

function flattenArn(stack: Stack, arn: string): string {
  return flatten(stack.resolve(arn));
}
