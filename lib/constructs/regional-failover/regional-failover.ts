import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/**
 * Metrics CloudWatch receives whether or not anybody uses the service, by namespace. Only an alarm on
 * one of these may turn a health check Unhealthy when its data is missing: for any other metric
 * (API Gateway `5XXError`, Lambda `Errors`, ALB `HTTPCode_*`, which exist only with traffic) missing
 * data means a quiet Region, not a sick one.
 * - CloudWatchSynthetics: published by every canary run, on the canary's schedule.
 * - AWS/ApplicationELB host counts: published every minute for a target group behind a load balancer,
 *   from the load balancer's own health checks.
 */
export const ALWAYS_REPORTED_METRICS: Readonly<Record<string, readonly string[]>> = {
  CloudWatchSynthetics: ['SuccessPercent', 'Failed', 'Duration'],
  'AWS/ApplicationELB': ['HealthyHostCount', 'UnHealthyHostCount'],
};

/** Statistics a Route 53 CLOUDWATCH_METRIC health check can evaluate (no percentiles, no math). */
export const ROUTE53_STATISTICS = ['Average', 'Minimum', 'Maximum', 'Sum', 'SampleCount'] as const;

/** One alarm a health check follows, with the verdict Route 53 gives while its metric has no data. */
export interface HealthSignal {
  /** A metric alarm (not composite, not metric math, standard resolution). */
  readonly alarm: cloudwatch.IAlarm;
  /**
   * Status while the metric has no data. UNHEALTHY only for `ALWAYS_REPORTED_METRICS` (missing data
   * then means the thing stopped reporting); HEALTHY for metrics that exist only with traffic.
   */
  readonly whenMissing: route53.InsufficientDataHealthStatusEnum;
}

/** Namespace and name of the metric an alarm watches, when it is a plain metric alarm made in this app. */
function alarmMetric(
  alarm: cloudwatch.IAlarm,
):
  | { namespace: string; metricName: string; statistic: string; period: number }
  | { problem: string }
  | undefined {
  if (alarm instanceof cloudwatch.CompositeAlarm) {
    return { problem: 'is a composite alarm, which has no metric for Route 53 to read' };
  }
  if (!(alarm instanceof cloudwatch.Alarm)) return undefined;
  const config = alarm.metric.toMetricConfig();
  if (!config.metricStat) return { problem: 'uses metric math, which Route 53 cannot evaluate' };
  return {
    namespace: config.metricStat.namespace,
    metricName: config.metricStat.metricName,
    statistic: config.metricStat.statistic,
    period: config.metricStat.period.toSeconds(),
  };
}

/** The alarm's name as written in the template, else its construct path: what a person can find. */
function alarmLabel(alarm: cloudwatch.IAlarm): string {
  if (!Token.isUnresolved(alarm.alarmName)) return alarm.alarmName;
  const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm | undefined;
  const name = cfn?.alarmName;
  return typeof name === 'string' && !Token.isUnresolved(name) ? name : alarm.node.path;
}

/** True when the alarm's metric is published without traffic (see ALWAYS_REPORTED_METRICS). */
export function isAlwaysReported(namespace: string, metricName: string): boolean {
  return ALWAYS_REPORTED_METRICS[namespace]?.includes(metricName) ?? false;
}

/**
 * Why a signal cannot back a Route 53 health check as given, or an empty list. Alarms imported by
 * name cannot be inspected: the caller answers for them.
 */
export function healthSignalProblems(signal: HealthSignal): string[] {
  const name = alarmLabel(signal.alarm);
  const metric = alarmMetric(signal.alarm);
  if (metric === undefined) return [];
  if ('problem' in metric) return [`alarm ${name} ${metric.problem}. Fix: alarm on one plain metric`];
  const problems: string[] = [];
  if (!(ROUTE53_STATISTICS as readonly string[]).includes(metric.statistic)) {
    problems.push(
      `alarm ${name} uses the statistic ${metric.statistic}. Fix: use one of ${ROUTE53_STATISTICS.join(', ')} (Route 53 supports no percentile)`,
    );
  }
  if (metric.period < 60) {
    problems.push(
      `alarm ${name} has a ${metric.period} s period. Fix: use 60 s or more (Route 53 reads standard-resolution metrics only)`,
    );
  }
  if (
    signal.whenMissing === route53.InsufficientDataHealthStatusEnum.UNHEALTHY &&
    !isAlwaysReported(metric.namespace, metric.metricName)
  ) {
    problems.push(
      `alarm ${name} reads ${metric.namespace} ${metric.metricName}, which is published only with traffic, yet makes the Region unhealthy when it has no data: an idle Region would be taken out of DNS. Fix: whenMissing HEALTHY for it, and base the Region's health on a signal that is always reported (a canary's SuccessPercent, healthy hosts)`,
    );
  }
  return problems;
}

/** The verdict for missing data that fits an alarm's metric: Unhealthy only for always-reported metrics. */
export function defaultWhenMissing(
  alarm: cloudwatch.IAlarm,
): route53.InsufficientDataHealthStatusEnum | undefined {
  const metric = alarmMetric(alarm);
  if (metric === undefined) return undefined;
  // An alarm Route 53 cannot read at all is refused by healthSignalProblems, whatever this says.
  if ('problem' in metric) return route53.InsufficientDataHealthStatusEnum.HEALTHY;
  return isAlwaysReported(metric.namespace, metric.metricName)
    ? route53.InsufficientDataHealthStatusEnum.UNHEALTHY
    : route53.InsufficientDataHealthStatusEnum.HEALTHY;
}

/** How Route 53 spreads traffic between the Regions' records of one name. */
export enum RegionalRouting {
  /** Active-active: nearest healthy Region (Rempart's default: both Regions serve). */
  LATENCY = 'latency',
  /** Active-passive: the PRIMARY record while healthy, else the SECONDARY. */
  FAILOVER = 'failover',
}

/** One name this Region answers for, as a CNAME that carries the Region's calculated health check. */
export interface RegionalRecord {
  /** Fully qualified record name, e.g. "origin-api.rdv.example.fr". Same name in every Region. */
  readonly recordName: string;
  /** DNS name this Region answers with (API Gateway regional endpoint, load balancer). */
  readonly target: string;
}

/** Props of {@link RegionalFailover}. Give at least one alarm or signal. */
export interface RegionalFailoverProps {
  /** Public hosted zone of the records. */
  readonly hostedZone: route53.IHostedZone;
  /**
   * Alarms whose ALARM state means this Region cannot serve the workload. Each becomes a
   * CLOUDWATCH_METRIC health check; a CALCULATED check is healthy only when all of them are. Missing
   * data: `insufficientDataHealthStatus` if given, else Unhealthy for `ALWAYS_REPORTED_METRICS` and
   * Healthy for the others. Alarms imported by name need `insufficientDataHealthStatus` (or go in
   * `healthSignals`). @default none
   */
  readonly healthAlarms?: readonly cloudwatch.IAlarm[];
  /** Alarms with their missing-data verdict stated one by one. @default none */
  readonly healthSignals?: readonly HealthSignal[];
  /**
   * The records of this Region; each carries the calculated health check. Empty: health checks only
   * (for Shield Advanced health-based detection, or records made elsewhere). @default none
   */
  readonly records?: readonly RegionalRecord[];
  /**
   * How Route 53 chooses between the Regions' records (see {@link RegionalRouting}).
   * @default RegionalRouting.LATENCY
   */
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
   * Verdict for every alarm of `healthAlarms` while its metric has no data; refused (as UNHEALTHY)
   * for a metric that exists only with traffic. @default - per alarm, see `healthAlarms`
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
  /** The calculated health check: healthy when every child is (inverted when `evacuated`). */
  public readonly healthCheck: route53.HealthCheck;
  /** One CLOUDWATCH_METRIC check per signal, children of `healthCheck`. */
  public readonly alarmHealthChecks: route53.HealthCheck[];
  /** The signals behind `alarmHealthChecks`, in the same order, with their missing-data verdict. */
  public readonly signals: readonly HealthSignal[];
  /** The records made from `records`, in the same order. */
  public readonly records: route53.CnameRecord[];

  constructor(scope: Construct, id: string, props: RegionalFailoverProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const ttl = props.ttl ?? Duration.seconds(60);
    const signals = healthSignalsOf(props);
    validate(this.node.path, props, signals, region, ttl);
    this.signals = signals as HealthSignal[];

    this.alarmHealthChecks = this.signals.map(
      (signal, i) =>
        new route53.HealthCheck(this, `AlarmCheck${i}`, {
          type: route53.HealthCheckType.CLOUDWATCH_METRIC,
          alarmIdentifier: { name: signal.alarm.alarmName, region },
          insufficientDataHealthStatus: signal.whenMissing,
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

/** `healthSignals` as given, then `healthAlarms` with their verdict (undefined when it cannot be told). */
function healthSignalsOf(
  props: RegionalFailoverProps,
): Array<HealthSignal | { alarm: cloudwatch.IAlarm; whenMissing: undefined }> {
  return [
    ...(props.healthSignals ?? []),
    ...(props.healthAlarms ?? []).map((alarm) => ({
      alarm,
      whenMissing: props.insufficientDataHealthStatus ?? defaultWhenMissing(alarm),
    })),
  ];
}

function validate(
  path: string,
  props: RegionalFailoverProps,
  signals: ReturnType<typeof healthSignalsOf>,
  region: string,
  ttl: Duration,
): void {
  const problems: string[] = [];
  if (Token.isUnresolved(region))
    problems.push('the stack has no explicit region. Fix: give the stack env.region');
  if (signals.length === 0) {
    problems.push(
      'healthAlarms and healthSignals are empty: the Region would look healthy forever. Fix: pass the alarms that mean the workload cannot be served',
    );
  }
  for (const signal of signals) {
    if (signal.whenMissing === undefined) {
      problems.push(
        `cannot tell whether the metric of alarm ${alarmLabel(signal.alarm)} is published without traffic (an alarm imported by name). Fix: pass it in healthSignals with whenMissing, or set insufficientDataHealthStatus`,
      );
      continue;
    }
    problems.push(...healthSignalProblems({ alarm: signal.alarm, whenMissing: signal.whenMissing }));
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
