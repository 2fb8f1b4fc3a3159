import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** How Route 53 spreads traffic between the Regions' records of one name. */
export enum RegionalRouting {
  /** Active-active: nearest healthy Region (Rempart's default: both Regions serve). */
  LATENCY = 'latency',
  /** Active-passive: the PRIMARY record while healthy, else the SECONDARY. */
  FAILOVER = 'failover',
}

export interface RegionalRecord {
  /** Fully qualified record name, e.g. "origin-api.rdv.example.fr". Same name in every Region. */
  readonly recordName: string;
  /** DNS name this Region answers with (API Gateway regional endpoint, load balancer). */
  readonly target: string;
}

export interface RegionalFailoverProps {
  readonly hostedZone: route53.IHostedZone;
  /**
   * Alarms whose ALARM state means this Region cannot serve the workload. Each becomes a
   * CLOUDWATCH_METRIC health check; a CALCULATED check is healthy only when all of them are.
   * They must use Sum/Average/Minimum/Maximum/SampleCount (Route 53 supports no percentiles or
   * metric math).
   */
  readonly healthAlarms: readonly cloudwatch.IAlarm[];
  /**
   * The records of this Region; each carries the calculated health check. Empty: health checks only
   * (for Shield Advanced health-based detection, or records made elsewhere). @default none
   */
  readonly records?: readonly RegionalRecord[];
  /** @default RegionalRouting.LATENCY */
  readonly routing?: RegionalRouting;
  /** With FAILOVER routing: is this Region the primary? @default true */
  readonly primary?: boolean;
  /** Record TTL; resolvers keep a lost Region this long after the health check flips. @default 60 s */
  readonly ttl?: Duration;
  /**
   * Evacuate the Region: the calculated health check is synthesized inverted, so Route 53 stops
   * answering with this Region while everything in it keeps running. @default false
   */
  readonly evacuated?: boolean;
  /**
   * Verdict while an alarm is INSUFFICIENT_DATA. Rempart's alarms treat missing data explicitly, so
   * INSUFFICIENT_DATA means CloudWatch cannot evaluate them (a new alarm, or a Region in trouble):
   * out of DNS is the safe answer. @default route53.InsufficientDataHealthStatusEnum.UNHEALTHY
   */
  readonly insufficientDataHealthStatus?: route53.InsufficientDataHealthStatusEnum;
  /**
   * ARN of an existing Route 53 ARC routing control: added as one more child check, so that turning
   * it off in ARC evacuates the Region in seconds without a deployment. @default - none
   */
  readonly routingControlArn?: string;
}

/**
 * Route 53 health checks driven by this Region's alarms (not a mere ping) and the regional origin
 * records that follow them. Create one per Region with the same record names.
 *
 * `healthCheck` is the calculated check; `alarmHealthChecks` are its children, one per alarm.
 */
export class RegionalFailover extends Construct {
  public readonly healthCheck: route53.HealthCheck;
  public readonly alarmHealthChecks: route53.HealthCheck[];
  public readonly records: route53.CnameRecord[];

  constructor(scope: Construct, id: string, props: RegionalFailoverProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const ttl = props.ttl ?? Duration.seconds(60);
    validate(this.node.path, props, region, ttl);

    this.alarmHealthChecks = props.healthAlarms.map(
      (alarm, i) =>
        new route53.HealthCheck(this, `AlarmCheck${i}`, {
          type: route53.HealthCheckType.CLOUDWATCH_METRIC,
          alarmIdentifier: { name: alarm.alarmName, region },
          insufficientDataHealthStatus:
            props.insufficientDataHealthStatus ?? route53.InsufficientDataHealthStatusEnum.UNHEALTHY,
        }),
    );
    const children: route53.IHealthCheck[] = [...this.alarmHealthChecks];
    if (props.routingControlArn) {
      children.push(
        new route53.HealthCheck(this, 'RoutingControlCheck', {
          type: route53.HealthCheckType.RECOVERY_CONTROL,
          routingControl: props.routingControlArn,
        }),
      );
    }
    this.healthCheck = new route53.HealthCheck(this, 'RegionCheck', {
      type: route53.HealthCheckType.CALCULATED,
      childHealthChecks: children,
      healthThreshold: children.length,
      inverted: props.evacuated ?? false,
    });

    const routing = props.routing ?? RegionalRouting.LATENCY;
    this.records = (props.records ?? []).map(
      (r, i) =>
        new route53.CnameRecord(this, `Record${i}`, {
          zone: props.hostedZone,
          recordName: r.recordName,
          domainName: r.target,
          ttl,
          setIdentifier: region,
          healthCheck: this.healthCheck,
          ...(routing === RegionalRouting.LATENCY
            ? { region }
            : { failover: (props.primary ?? true) ? route53.Failover.PRIMARY : route53.Failover.SECONDARY }),
        }),
    );
  }
}

function validate(path: string, props: RegionalFailoverProps, region: string, ttl: Duration): void {
  const problems: string[] = [];
  if (Token.isUnresolved(region))
    problems.push('the stack has no explicit region. Fix: give the stack env.region');
  if (props.healthAlarms.length === 0) {
    problems.push(
      'healthAlarms is empty: the Region would look healthy forever. Fix: pass the critical alarms of the workload',
    );
  }
  if (!ttl.isUnresolved() && (ttl.toSeconds() < 1 || ttl.toSeconds() > 60)) {
    problems.push(
      `ttl is ${ttl.toSeconds()} s. Fix: use 1 to 60 s, or resolvers keep sending people to a lost Region`,
    );
  }
  if (props.primary !== undefined && props.routing !== RegionalRouting.FAILOVER) {
    problems.push(
      'primary is set but routing is not FAILOVER. Fix: set routing: RegionalRouting.FAILOVER or drop primary',
    );
  }
  if (problems.length) throw new Error(`RegionalFailover ${path}: ${problems.join('; ')}`);
}
