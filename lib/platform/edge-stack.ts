import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { EDGE_REGION } from '../aws-facts';
import { acknowledge } from '../compliance/acknowledge';
import { DataKey } from '../constructs/data-key/data-key';
import { DdosProtection, type ProtectedResource } from '../constructs/ddos-protection/ddos-protection';
import { EdgeFirewall } from '../constructs/edge-firewall/edge-firewall';
import { LogEncryptionKey } from '../constructs/log-encryption-key/log-encryption-key';
import { ResilientDistribution } from '../constructs/resilient-distribution/resilient-distribution';
import { RetryPageBucket } from '../constructs/resilient-distribution/retry-page';
import type { RempartFunction } from '../constructs/rempart-function/rempart-function';
import { RempartStack, type RempartStackProps } from './rempart-stack';
import type { WorkloadEdgeSpec } from './workload';

/** Props of {@link EdgeStack}; its `env.region` must be us-east-1. */
export interface EdgeStackProps extends RempartStackProps {
  /** What each workload asks of the edge, in order. @default no workload served */
  readonly workloads?: readonly { readonly id: string; readonly edge: WorkloadEdgeSpec }[];
  /** Regional resources Shield Advanced must also protect, when switched on. @default none */
  readonly shieldResources?: readonly ProtectedResource[];
}

/** A small static object published into the shared page bucket (e.g. the waiting room's page). */
export interface StaticPageObject {
  /** S3 key, without the leading "/". */
  readonly key: string;
  /** The object's content, written as is. */
  readonly body: string;
  /** `Content-Type` served with it, e.g. "text/html; charset=utf-8". */
  readonly contentType: string;
  /** `Cache-Control` served with it: how long edges and browsers keep it. */
  readonly cacheControl: string;
}

/** One workload's edge: its web ACL, distribution and alarms. */
export interface WorkloadEdge {
  /** The workload's CLOUDFRONT-scope web ACL. */
  readonly firewall: EdgeFirewall;
  /** The workload's distribution. */
  readonly distribution: ResilientDistribution;
  /** Alarms on its CloudFront and WAF metrics (in us-east-1, where those metrics are). */
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
  /** Topic of the edge alarms (us-east-1 has its own: alarms notify topics of their Region only). */
  public readonly alarmTopic: sns.Topic;
  /** The public hosted zone of the configuration (`dns`), imported. */
  public readonly hostedZone: route53.IHostedZone;
  /** The retry page every distribution serves instead of a raw 5xx. */
  public readonly retryPage: RetryPageBucket;
  /** Per workload id ("Booking", "Ent"): its web ACL, distribution and alarms. */
  public readonly workloads: Readonly<Record<string, WorkloadEdge>>;
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

    const workloads: Record<string, WorkloadEdge> = {};
    for (const w of props.workloads ?? []) {
      const built = this.workload(w.id, w.edge);
      w.edge.afterDistribution?.(built.distribution);
      workloads[w.id] = built;
    }
    this.workloads = workloads;

    if (edge.shieldAdvanced.enabled) {
      const resources: ProtectedResource[] = [];
      for (const w of props.workloads ?? []) {
        const built = workloads[w.id];
        resources.push({
          name: `${w.id.toLowerCase()}-distribution`,
          resourceArn: built.distribution.distribution.distributionArn,
          healthAlarms: [{ alarmName: built.alarms.serverErrorRate.alarmName, region: this.region }],
          applicationLayerMitigation: true,
        });
      }
      resources.push({
        name: 'hosted-zone',
        resourceArn: `arn:${this.partition}:route53:::hostedzone/${config.dns.hostedZoneId}`,
      });
      for (const w of props.workloads ?? []) resources.push(...(w.edge.shieldResources ?? []));
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

  /**
   * Publishes more static objects into the shared page bucket (the retry page's), with the same
   * publisher, and returns the bucket's origin for their behaviour. Keys must stay out of the retry
   * page's folder.
   */
  public addStaticPages(id: string, objects: readonly StaticPageObject[]): cloudfront.IOrigin {
    const retryFolder = this.retryPage.pagePath.slice(1, this.retryPage.pagePath.lastIndexOf('/') + 1);
    const bad = objects.filter(
      (o) => !/^[A-Za-z0-9][A-Za-z0-9/_.-]*$/.test(o.key) || o.key.startsWith(retryFolder),
    );
    if (objects.length === 0 || bad.length) {
      throw new Error(
        `EdgeStack.addStaticPages ${id}: keys ${bad.map((o) => `"${o.key}"`).join(', ') || '(none)'} cannot be published. Fix: give at least one object, keys without a leading "/" and outside "${retryFolder}"`,
      );
    }
    // RetryPageBucket does not expose its publisher yet: its custom-resource function is reused as is.
    const publisher = this.retryPage.node.findChild('Publisher') as RempartFunction;
    publisher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: objects.map((o) => this.retryPage.bucket.arnForObjects(o.key)),
      }),
    );
    const pages = new CustomResource(this, id, {
      serviceToken: publisher.function.functionArn,
      resourceType: 'Custom::RempartStaticPage',
      properties: {
        BucketName: this.retryPage.bucket.bucketName,
        Pages: objects.map((o) => ({
          Key: o.key,
          Body: o.body,
          ContentType: o.contentType,
          CacheControl: o.cacheControl,
        })),
      },
    });
    pages.node.addDependency(publisher.role);
    return this.retryPage.origin;
  }

  private workload(id: string, spec: WorkloadEdgeSpec): WorkloadEdge {
    const edge = this.config.edge;
    const { domainName, settings } = spec;
    const routing = spec.routing(this);
    const firewall = new EdgeFirewall(this, `${id}Firewall`, {
      scope: 'CLOUDFRONT',
      description: `Rate and managed rules in front of ${domainName}`,
      clientLimits: settings.clientLimits,
      rateRules: settings.rateRules,
      bodySizeLimit: settings.bodySizeLimit,
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
      clientCookie: settings.clientLimits.sessionCookie,
      certificate: settings.certificateArn
        ? acm.Certificate.fromCertificateArn(this, `${id}Certificate`, settings.certificateArn)
        : undefined,
      hostedZone: this.hostedZone,
      webAclArn: firewall.webAclArn,
      defaultRoute: routing.defaultRoute,
      routes: routing.routes,
      viewerRequest: routing.viewerRequest,
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
    const key = new DataKey(this, 'AlarmTopicKey', {
      description: 'Rempart edge alarm notifications',
      services: ['sns'],
    }).key;
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

/**
 * us-east-1, deployed before the application Regions: the customer-managed key that encrypts the
 * us-east-1 replicas of the origin secrets (Secrets Manager resolves it by its alias,
 * `edge.originVerify.replicaKeyAlias`). Apart from the edge stack because that one deploys last,
 * after the Regions whose secrets need the key.
 */
export class EdgeKeyStack extends RempartStack {
  /** The key of the origin secrets' us-east-1 replicas, under `edge.originVerify.replicaKeyAlias`. */
  public readonly originSecretReplicaKey: kms.IKey;

  constructor(scope: Construct, id: string, props: RempartStackProps) {
    super(scope, id, props);
    if (!Token.isUnresolved(this.region) && this.region !== EDGE_REGION) {
      throw new Error(
        `EdgeKeyStack ${id}: the stack is in ${this.region}. Fix: give it env.region ${EDGE_REGION}, where CloudFront reads the secrets' replicas`,
      );
    }
    this.originSecretReplicaKey = new DataKey(this, 'OriginSecretReplicaKey', {
      description: 'Rempart: us-east-1 replicas of the CloudFront origin secrets',
      alias: props.config.edge.originVerify.replicaKeyAlias,
      services: ['secretsmanager'],
    }).key;
  }
}
