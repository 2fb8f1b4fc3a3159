import { Annotations, Duration, SecretValue } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { WorkloadEdgeSection } from '../config/sections/edge';
import { acknowledge } from '../compliance/acknowledge';
import { DataKey } from '../constructs/data-key/data-key';
import { DdosProtection, type ProtectedResource } from '../constructs/ddos-protection/ddos-protection';
import { EdgeFirewall } from '../constructs/edge-firewall/edge-firewall';
import { LogEncryptionKey } from '../constructs/log-encryption-key/log-encryption-key';
import {
  ResilientDistribution,
  type PathRoute,
  type Route,
} from '../constructs/resilient-distribution/resilient-distribution';
import { RetryPageBucket } from '../constructs/resilient-distribution/retry-page';
import { RempartStack, type RempartStackProps } from './rempart-stack';

/** What the edge needs from one application Region of the booking workload. */
export interface BookingRegionOrigin {
  readonly region: string;
  /** The Region's REST API (reads are served from its deployment stage). */
  readonly restApi: apigateway.RestApiBase;
  /** The Region's static front-end bucket; its policy already lets this account's distributions read. */
  readonly siteBucket: s3.IBucket;
  /** Header the Region's web ACL requires (`RegionalApiOrigin.headerName`). */
  readonly originHeaderName: string;
  /** Secrets Manager name of the header value, replicated to us-east-1 (`RegionalApiOrigin.secretName`). */
  readonly originSecretName: string;
}

/** What the edge needs from one application Region of the ENT workload. */
export interface EntRegionOrigin {
  readonly region: string;
  /** Internal load balancer, reached through a CloudFront VPC origin (never from the internet). */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Name on the load balancer's HTTPS certificate, used by CloudFront to check it. */
  readonly originDomainName: string;
}

export interface EdgeStackProps extends RempartStackProps {
  /** Both application Regions, primary first. @default booking not served */
  readonly booking?: readonly BookingRegionOrigin[];
  /** Both application Regions, primary first. @default ENT not served */
  readonly ent?: readonly EntRegionOrigin[];
  /** Regional resources Shield Advanced must also protect (e.g. load balancers), when switched on. @default none */
  readonly shieldResources?: readonly ProtectedResource[];
}

/** One workload's edge: its web ACL, distribution and alarms. */
export interface WorkloadEdge {
  readonly firewall: EdgeFirewall;
  readonly distribution: ResilientDistribution;
  readonly alarms: {
    readonly serverErrorRate: cloudwatch.Alarm;
    readonly originLatency: cloudwatch.Alarm;
    readonly blockedRequests: cloudwatch.Alarm;
  };
}

/**
 * us-east-1: CLOUDFRONT-scope web ACLs, the distributions of both workloads, Shield Advanced (opt-in)
 * and the alarms on CloudFront and WAF metrics, which exist only in this Region.
 */
export class EdgeStack extends RempartStack {
  /** Shared key of every log group in this stack. */
  public readonly logKey: kms.IKey;
  public readonly alarmTopic: sns.Topic;
  public readonly hostedZone: route53.IHostedZone;
  public readonly retryPage: RetryPageBucket;
  public readonly booking?: WorkloadEdge;
  public readonly ent?: WorkloadEdge;
  /** Present only when `edge.shieldAdvanced.enabled`. */
  public readonly ddosProtection?: DdosProtection;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const edge = config.edge;
    this.logKey = new LogEncryptionKey(this, 'LogKey', {
      description: `Rempart Edge logs (WAF, CloudFront access logs), ${this.region}`,
    }).key;
    this.hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    this.alarmTopic = this.createAlarmTopic(config.alerts.email);
    this.retryPage = new RetryPageBucket(this, 'RetryPage', {
      pagePath: edge.distribution.retryPagePath,
      serviceName: config.service.name,
      retryAfterSeconds: edge.waf.retryAfterSeconds,
      logEncryptionKey: this.logKey,
    });

    if (props.booking && props.booking.length > 0) {
      this.booking = this.workload(
        'Booking',
        config.booking.domainName,
        edge.booking,
        this.bookingRoutes(props.booking),
      );
      // The S3 origins raise it while binding, on their own nodes: acknowledge it where it was raised.
      for (const node of this.booking.distribution.node.findAll()) {
        Annotations.of(node).acknowledgeWarning(
          '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
          "Each site bucket's own policy, in its Region's data stack, lets cloudfront.amazonaws.com read objects for this account's distributions; the edge stack deploys last and must not edit it.",
        );
      }
    }
    if (props.ent && props.ent.length > 0) {
      this.ent = this.workload('Ent', config.ent.domainName, edge.ent, this.entRoutes(props.ent));
    }

    if (edge.shieldAdvanced.enabled) {
      const resources: ProtectedResource[] = [];
      for (const [name, w] of [
        ['booking-distribution', this.booking],
        ['ent-distribution', this.ent],
      ] as const) {
        if (!w) continue;
        resources.push({
          name,
          resourceArn: w.distribution.distribution.distributionArn,
          healthAlarms: [{ alarmName: w.alarms.serverErrorRate.alarmName, region: this.region }],
          applicationLayerMitigation: true,
        });
      }
      resources.push({
        name: 'hosted-zone',
        resourceArn: `arn:${this.partition}:route53:::hostedzone/${config.dns.hostedZoneId}`,
      });
      // No application-layer mitigation on the load balancers: they have no web ACL of their own,
      // they are reachable only through CloudFront, whose distribution carries it.
      for (const r of props.ent ?? []) {
        resources.push({ name: `ent-alb-${r.region}`, resourceArn: r.loadBalancer.loadBalancerArn });
      }
      resources.push(...(props.shieldResources ?? []));
      this.ddosProtection = new DdosProtection(this, 'DdosProtection', {
        resources,
        applicationLayerAction: edge.shieldAdvanced.applicationLayerAction === 'block' ? 'BLOCK' : 'COUNT',
        proactiveEngagementContacts: edge.shieldAdvanced.proactiveEngagement.enabled
          ? edge.shieldAdvanced.proactiveEngagement.contacts
          : undefined,
      });
    }
  }

  /** Static site (S3, replica fallback), micro-cached reads (API, other Region fallback), writes (failover name). */
  private bookingRoutes(regions: readonly BookingRegionOrigin[]): {
    defaultRoute: Route;
    routes: PathRoute[];
  } {
    const edge = this.config.edge;
    // Every API origin sends every Region's header: the write origin's name may resolve to either.
    const originHeaders = Object.fromEntries(
      regions.map((r) => [r.originHeaderName, SecretValue.secretsManager(r.originSecretName).unsafeUnwrap()]),
    );
    const [primary, secondary] = regions;
    const site = (r: BookingRegionOrigin, id: string) =>
      // Imported by name: its bucket policy lives with the bucket, in the Region's data stack.
      origins.S3BucketOrigin.withOriginAccessControl(
        s3.Bucket.fromBucketAttributes(this, id, { bucketName: r.siteBucket.bucketName, region: r.region }),
      );
    const api = (r: BookingRegionOrigin) =>
      new origins.RestApiOrigin(r.restApi, {
        customHeaders: originHeaders,
        readTimeout: Duration.seconds(10),
      });
    const writeOrigin = new origins.HttpOrigin(
      `${edge.booking.originLabel}.${this.config.booking.domainName}`,
      {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        customHeaders: originHeaders,
        readTimeout: Duration.seconds(10),
      },
    );
    return {
      defaultRoute: {
        kind: 'static',
        origin: site(primary, 'PrimarySiteBucket'),
        fallbackOrigin: secondary ? site(secondary, 'SecondarySiteBucket') : undefined,
      },
      routes: [
        // Writes first: CloudFront matches behaviours in order and "/api/*" would catch them.
        ...edge.booking.paths.writes.map((pathPattern): PathRoute => ({
          pathPattern,
          kind: 'write',
          origin: writeOrigin,
        })),
        {
          pathPattern: edge.booking.paths.api,
          kind: 'read',
          origin: api(primary),
          fallbackOrigin: secondary ? api(secondary) : undefined,
        },
      ],
    };
  }

  /**
   * The ENT is one dynamic web application behind internal load balancers: CloudFront reaches them
   * through VPC origins (no public address, no secret needed). GET/HEAD/OPTIONS fail over to the
   * other Region; other methods reach the primary (VPC origins cannot sit behind a failover name).
   */
  private entRoutes(regions: readonly EntRegionOrigin[]): { defaultRoute: Route; routes: PathRoute[] } {
    const vpcOrigin = (r: EntRegionOrigin) =>
      origins.VpcOrigin.withApplicationLoadBalancer(r.loadBalancer, {
        domainName: r.originDomainName,
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        readTimeout: Duration.seconds(30),
      });
    const [primary, secondary] = regions;
    return {
      defaultRoute: {
        kind: 'dynamic',
        origin: vpcOrigin(primary),
        fallbackOrigin: secondary ? vpcOrigin(secondary) : undefined,
      },
      routes: [],
    };
  }

  private workload(
    id: 'Booking' | 'Ent',
    domainName: string,
    settings: WorkloadEdgeSection,
    routing: { defaultRoute: Route; routes: readonly PathRoute[] },
  ): WorkloadEdge {
    const edge = this.config.edge;
    const firewall = new EdgeFirewall(this, `${id}Firewall`, {
      scope: 'CLOUDFRONT',
      description: `Rate and managed rules in front of ${domainName}`,
      rateRules: settings.rateRules,
      managedGroups: settings.managedGroups,
      retryAfterSeconds: edge.waf.retryAfterSeconds,
      logging: {
        encryptionKey: this.logKey,
        retention: edge.waf.logRetentionDays,
        onlyMatchedRequests: edge.waf.logOnlyMatchedRequests,
      },
    });
    const distribution = new ResilientDistribution(this, `${id}Distribution`, {
      comment: `Rempart ${id}: ${domainName} (origin secret generation ${this.config.edge.originVerify.generation})`,
      domainName,
      clientCookie: settings.rateRules.flatMap((r) => r.keys).find((k) => k.type === 'cookie')?.name,
      certificate: settings.certificateArn
        ? acm.Certificate.fromCertificateArn(this, `${id}Certificate`, settings.certificateArn)
        : undefined,
      hostedZone: this.hostedZone,
      webAclArn: firewall.webAclArn,
      defaultRoute: routing.defaultRoute,
      routes: routing.routes,
      retryPage: { origin: this.retryPage.origin, path: this.retryPage.pagePath },
      errorCachingTtl: Duration.seconds(edge.distribution.errorCachingSeconds),
      readCacheTtl: Duration.seconds(edge.distribution.apiReadCacheSeconds),
      minimumProtocolVersion: edge.distribution.minimumTlsVersion as cloudfront.SecurityPolicyProtocol,
      priceClass: edge.distribution.priceClass as cloudfront.PriceClass,
      accessLogging: { encryptionKey: this.logKey, retention: edge.waf.logRetentionDays },
    });

    const action = new actions.SnsAction(this.alarmTopic);
    const alarm = (name: string, p: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, `${id}${name}`, p);
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    const alarms = {
      serverErrorRate: alarm('ServerErrorRate', {
        alarmDescription: `${domainName}: share of 5xx answers at the edge above ${edge.alarms.serverErrorRatePercent}% (also Shield's health signal)`,
        metric: distribution.metric5xxErrorRate(),
        threshold: edge.alarms.serverErrorRatePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      originLatency: alarm('OriginLatency', {
        alarmDescription: `${domainName}: origins answer slowly (p90 above ${edge.alarms.originLatencyMs} ms)`,
        metric: distribution.metricOriginLatency(),
        threshold: edge.alarms.originLatencyMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      blockedRequests: alarm('BlockedRequests', {
        alarmDescription: `${domainName}: the web ACL is filtering a flood (over ${edge.alarms.blockedRequestsPer5Minutes} blocked requests in 5 minutes)`,
        metric: firewall.metricBlockedRequests({ period: Duration.minutes(5) }),
        threshold: edge.alarms.blockedRequestsPer5Minutes,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    };
    return { firewall, distribution, alarms };
  }

  private createAlarmTopic(email: string): sns.Topic {
    const key = new DataKey(this, 'AlarmTopicKey', { description: 'Rempart edge alarm notifications' }).key;
    // CloudWatch publishes alarm notifications to the encrypted topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Rempart edge alarms',
      masterKey: key,
      enforceSSL: true,
    });
    const subscription = new subscriptions.EmailSubscription(email);
    topic.addSubscription(subscription);
    const emailSubscription = topic.node.children.find((c) => c instanceof sns.Subscription);
    if (emailSubscription) {
      acknowledge(emailSubscription, {
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail endpoint: SNS retries delivery by its e-mail delivery policy, and a dead-letter queue would only hold notifications nobody reads. The alarm state and its history stay in CloudWatch, and the dashboards show it.',
      });
    }
    return topic;
  }
}
