import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { DataKey } from '../data-key/data-key';
import { EdgeFirewall } from '../edge-firewall/edge-firewall';
import { RegionalFailover, RegionalRouting } from '../regional-failover/regional-failover';
import { CLOUDFRONT_REGION } from './resilient-distribution';

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
   * Base name of the origin header and of its secret. The header is `<headerName>-<region>` and the
   * generated secret `<secretName>/<region>`, replicated to us-east-1 for the distribution.
   */
  readonly originVerify: {
    readonly headerName: string;
    readonly secretName: string;
    /** Secret generation; changing it makes CloudFormation re-read the secret value. @default 1 */
    readonly generation?: number;
  };
  /** Key of the regional web ACL's log group. */
  readonly logEncryptionKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
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
 * a REGIONAL web ACL on the stage requires (direct calls to the API are refused), a regional custom
 * domain for the write path, and the Region's Route 53 failover record driven by a health check on
 * the Region's own alarms. Create one in each Region's API stack, PRIMARY in one, SECONDARY in the
 * other.
 */
export class RegionalApiOrigin extends Construct {
  /** Header CloudFront must send to this Region. */
  public readonly headerName: string;
  /** Secrets Manager name of the header value (also readable in us-east-1, a replica). */
  public readonly secretName: string;
  public readonly secret: secretsmanager.Secret;
  public readonly firewall: EdgeFirewall;
  public readonly domain: apigateway.DomainName;
  /** Any in ALARM means this Region's API is unhealthy: they drive the write record. */
  public readonly healthAlarms: readonly cloudwatch.IAlarm[];
  /** Health checks and the write record of this Region; undefined when `writeRecord` is false. */
  public readonly failover?: RegionalFailover;
  public readonly region: string;

  constructor(scope: Construct, id: string, props: RegionalApiOriginProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.region = stack.region;
    validate(this, props);

    this.headerName = `${props.originVerify.headerName}-${this.region}`.toLowerCase();
    this.secretName = `${props.originVerify.secretName}/${this.region}`;
    const secretKey = new DataKey(this, 'SecretKey', { description: `Rempart origin secret, ${this.region}` })
      .key;
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: this.secretName,
      description: `Value of ${this.headerName}: CloudFront sends it, the API's web ACL requires it`,
      encryptionKey: secretKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // The distribution (us-east-1) resolves the value from this replica at deploy time.
      replicaRegions: [{ region: CLOUDFRONT_REGION }],
    });
    acknowledge(
      this.secret,
      ...[
        'AwsSolutions-SMG4',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
        'HIPAA.Security-SecretsManagerRotationEnabled',
      ].map((findingId) => ({
        id: findingId,
        reason:
          'A shared value between the CloudFront origin headers and this web ACL, both resolved by CloudFormation dynamic references at deploy time; an automatic rotation would lock CloudFront out until both stacks are redeployed. It is rotated by the procedure in docs/edge.md (new value, redeploy Region then edge). It protects no data: it only proves a request came through CloudFront, whose web ACL applies the rate and managed rules.',
      })),
    );

    const stage = props.restApi.deploymentStage;
    this.firewall = new EdgeFirewall(this, 'Firewall', {
      scope: 'REGIONAL',
      description: `Refuses requests to the ${this.region} API that did not come through CloudFront, secret generation ${props.originVerify.generation ?? 1}`,
      originVerification: {
        headerName: this.headerName,
        secretValue: this.secret.secretValue.unsafeUnwrap(),
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
  if (problems.length) throw new Error(`RegionalApiOrigin ${scope.node.path}: ${problems.join('; ')}`);
}
