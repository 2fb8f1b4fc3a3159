import { createHash } from 'node:crypto';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { DataKey } from '../data-key/data-key';
import type { HealthSignal } from '../regional-failover/regional-failover';
import { probeArtifactsBucket, RegionProbe, type ProbeHeartbeat, type ProbeHttpCheck } from './region-probe';

/** Alarm thresholds; `resilience.alarms` in the Rempart configuration has this shape. */
export interface AlarmThresholds {
  /** Period of every alarm's metric, in seconds. */
  readonly periodSeconds: number;
  /** Consecutive periods at or over a threshold before an alarm fires (Region probes have their own). */
  readonly evaluationPeriods: number;
  /** API 5xx answers per period (critical: the Region cannot serve the workload). */
  readonly api5xxPerPeriod: number;
  /** API p99 latency, in ms; feeds `regionHealth` but not Route 53 (a slow Region still serves). */
  readonly apiLatencyP99Ms: number;
  /**
   * API 4xx answers per period, 429 throttles included: REST APIs publish no throttle metric of their
   * own. Pages people only; clients can cause 4xx at will.
   */
  readonly apiThrottlesPerPeriod: number;
  /** Visible messages in a queue (pages: the worker is falling behind). */
  readonly queueDepth: number;
  /** Age of a queue's oldest message, in seconds (critical: writes are waiting too long). */
  readonly queueOldestMessageAgeSeconds: number;
  /** Function errors per period (critical). */
  readonly functionErrorsPerPeriod: number;
  /** Function throttles per period (pages: concurrency is too low for the load). */
  readonly functionThrottlesPerPeriod: number;
  /** p99 duration as a percent of the function's timeout, so that timeouts are seen coming. */
  readonly functionDurationP99PercentOfTimeout: number;
  /** Throttled table read and write events per period. */
  readonly tableThrottlesPerPeriod: number;
  /** Average replication latency to each other replica Region, in ms (RPO of an eventual table). */
  readonly tableReplicationLatencyMs: number;
  /** Unhealthy targets of a web service (pages; no healthy target at all is critical on its own). */
  readonly unhealthyHosts: number;
  /** Average CPU of a web service, in percent (pages: scaling is not keeping up). */
  readonly serviceCpuPercent: number;
  /** Load balancer 5xx, and targets' 5xx, per period (each critical). */
  readonly service5xxPerPeriod: number;
  /** Share (0-1) of a health method's answers that are 5xx, over the evaluation periods. */
  readonly serverErrorRatio: number;
}

/** How often the Region probes run and how their alarm reads them. */
export interface ProbeTiming {
  /** Time between two probe runs, e.g. one minute. */
  readonly rate: Duration;
  /** Period over which the alarm reads the share of successful runs. */
  readonly alarmPeriod: Duration;
  /** Failing periods in a row before the probe's alarm fires, and the Region leaves DNS. */
  readonly evaluationPeriods: number;
}

/** Every signal belongs to a workload; each workload gets its own health verdict. */
interface Signal {
  /** Workload the signal belongs to, e.g. "Booking". PascalCase: part of construct ids and alarm names. */
  readonly workload: string;
}

/** A REST API to watch: 5xx, p99 latency, 4xx, and the error ratio of its health methods. */
export interface ApiSignal extends Signal {
  /** The API; alarms read its metrics by name and stage. */
  readonly restApi: apigw.IRestApi;
  /** Stage whose metrics are read. @default "prod" */
  readonly stageName?: string;
  /**
   * Methods whose share of 5xx answers is a health signal (the stage must publish detailed,
   * per-method metrics). Name only methods whose 5xx a client cannot cause at will (requests it
   * got wrong must be answered 4xx). Their `5XXError` Average is a ratio of errors to requests and
   * exists only with traffic: without requests it says nothing. @default none
   */
  readonly healthMethods?: readonly { readonly resourcePath: string; readonly method: string }[];
}

/**
 * A Region probe (CloudWatch Synthetics canary) for a workload: its read path (HTTP checks against
 * Region-pinned endpoints) and its write path (a canary-only heartbeat item).
 */
export interface ProbeSignal extends Signal {
  /** HTTP checks of the read path. @default none */
  readonly checks?: readonly ProbeHttpCheck[];
  /** Heartbeat write of the write path. @default none */
  readonly heartbeat?: ProbeHeartbeat;
  /** @default - derived from the name prefix, the workload and the Region (21 characters at most) */
  readonly canaryName?: string;
}

/** A queue to watch: depth, age of its oldest message, and its dead-letter queue. */
export interface QueueSignal extends Signal {
  /** Short PascalCase label, e.g. "Bookings". */
  readonly label: string;
  /** The queue. */
  readonly queue: sqs.IQueue;
  /**
   * The queue's dead-letter queue: alarmed as soon as it holds one message.
   * @default - no dead-letter alarm
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** A Lambda function to watch: errors, throttles and p99 duration against its timeout. */
export interface FunctionSignal extends Signal {
  /** Short PascalCase label, e.g. "Worker". */
  readonly label: string;
  /** The function. */
  readonly function: lambda.IFunction;
  /** The function's timeout; p99 duration is alarmed at a share of it. */
  readonly timeout: Duration;
}

/** A DynamoDB table to watch: throttled events and replication latency to each other Region. */
export interface TableSignal extends Signal {
  /** Short PascalCase label, e.g. "Bookings". */
  readonly label: string;
  /** The table (this Region's replica). */
  readonly table: dynamodb.ITableV2;
  /** Other Regions holding a replica: replication latency towards each is alarmed. @default none */
  readonly replicaRegions?: readonly string[];
}

/**
 * A load-balanced ECS service to watch: healthy and unhealthy targets, 5xx and CPU. Its "no healthy
 * target" alarm is one of the Region's health signals.
 */
export interface WebServiceSignal extends Signal {
  /** The load balancer (its 5xx). */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The service's target group (its healthy and unhealthy targets, its 5xx). */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The ECS service (any `ecs.BaseService`); only its name and cluster name are used. */
  readonly service: Pick<ecs.IBaseService, 'serviceName'> & {
    readonly cluster: Pick<ecs.ICluster, 'clusterName'>;
  };
}

/** Props of {@link RegionalObservability}. Give at least one signal. */
export interface RegionalObservabilityProps {
  /** Prefix of every alarm name, e.g. "Rempart-eu-west-3". Names are the contract with Route 53, FIS and runbooks. */
  readonly namePrefix: string;
  /** Thresholds of every alarm (the configuration's `resilience.alarms`). */
  readonly thresholds: AlarmThresholds;
  /** Who is paged. @default - no subscription (attach your own to `topic`) */
  readonly alertEmail?: string;
  /** REST APIs to watch. @default none */
  readonly apis?: readonly ApiSignal[];
  /** Queues to watch. @default none */
  readonly queues?: readonly QueueSignal[];
  /** Lambda functions to watch. @default none */
  readonly functions?: readonly FunctionSignal[];
  /** DynamoDB tables to watch. @default none */
  readonly tables?: readonly TableSignal[];
  /** Load-balanced ECS services to watch. @default none */
  readonly webServices?: readonly WebServiceSignal[];
  /** Region probes to create, at most one per workload. @default none */
  readonly probes?: readonly ProbeSignal[];
  /** Required with `probes`. @default one run a minute, alarm on 2 periods of 2 minutes */
  readonly probeTiming?: ProbeTiming;
}

/**
 * One Region's dashboard, alarms, alert topic and "region healthy" verdict.
 *
 * - `topic`: KMS-encrypted, TLS-only SNS topic every alarm notifies (ALARM and OK).
 * - `criticalAlarms`: per workload, the alarms that mean "this Region cannot serve it" (they page
 *   and feed `regionHealth`).
 * - `healthSignals`: per workload, the alarms Route 53 follows, each with its missing-data verdict:
 *   the Region probe (always reported: no data is a failure), healthy hosts (always reported), and
 *   error ratios of methods a client cannot make fail (exist only with traffic: no data is no
 *   evidence). Counts that only exist with traffic, or that a client can drive (4xx, queue age
 *   under a flood), page people but never move traffic.
 * - `regionHealth`: composite alarm, ALARM when any critical alarm or the API p99 latency alarm is.
 *   Humans, dashboards and FIS stop conditions read it. Route 53 cannot: a composite alarm has no
 *   metric for a health check to evaluate, so RegionalFailover combines the critical alarms itself.
 *
 * Built on plain aws-cloudwatch rather than cdk-monitoring-constructs (10.2): its DynamoDB
 * monitoring takes a v1 `ITable`, not `ITableV2`, and has no ReplicationLatency metric, and its
 * generated alarm names would not be the stable contract Route 53, FIS and the runbooks rely on.
 */
export class RegionalObservability extends Construct {
  /** The topic every alarm notifies; subscribe a pager or a chat integration to it. */
  public readonly topic: sns.ITopic;
  /** The `<namePrefix>-Resilience` dashboard: every alarm's state, then one graph per alarm. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm created, in creation order. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** Per workload: alarms whose ALARM state means the Region cannot serve it. */
  public readonly criticalAlarms: Record<string, cloudwatch.Alarm[]> = {};
  /** Per workload: what Route 53 health checks follow, with the verdict when a metric has no data. */
  public readonly healthSignals: Record<string, HealthSignal[]> = {};
  /** Per workload: the Region probe, when one was asked for. */
  public readonly probes: Record<string, RegionProbe> = {};
  /** Dead-letter queue alarms (a message was given up on). Good FIS stop conditions. */
  public readonly deadLetterAlarms: cloudwatch.Alarm[] = [];
  /** ALARM when the Region is unhealthy for any workload. */
  public readonly regionHealth: cloudwatch.CompositeAlarm;

  private readonly props: RegionalObservabilityProps;
  private readonly period: Duration;
  private readonly alarmAction: actions.SnsAction;
  private readonly widgets: cloudwatch.IWidget[] = [];

  constructor(scope: Construct, id: string, props: RegionalObservabilityProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.props = props;
    this.period = Duration.seconds(props.thresholds.periodSeconds);

    const key = new DataKey(this, 'TopicKey', {
      description: `Rempart alerts topic, ${props.namePrefix}`,
      services: ['sns'],
    }).key;
    // CloudWatch publishes alarm notifications to the encrypted topic; it needs the key for that.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlertTopic', {
      displayName: `${props.namePrefix} alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alertEmail) {
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
      acknowledge(subscription, {
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'E-mail page of the on-call team: a notification that cannot be delivered leaves nothing to redrive, because the alarm stays in ALARM on the dashboard, in the composite region-health alarm and in the Route 53 health checks that act on it.',
      });
    }
    this.topic = topic;
    this.alarmAction = new actions.SnsAction(topic);

    for (const s of props.apis ?? []) this.monitorApi(s);
    for (const s of props.queues ?? []) this.monitorQueue(s);
    for (const s of props.functions ?? []) this.monitorFunction(s);
    for (const s of props.tables ?? []) this.monitorTable(s);
    for (const s of props.webServices ?? []) this.monitorWebService(s);
    if ((props.probes ?? []).length) this.monitorProbes(props.probes ?? []);

    const verdict = [...Object.values(this.criticalAlarms).flat(), ...this.latencyAlarms];
    this.regionHealth = new cloudwatch.CompositeAlarm(this, 'RegionHealth', {
      compositeAlarmName: `${props.namePrefix}-RegionHealth`,
      alarmDescription: `ALARM: ${props.namePrefix} cannot serve at least one workload. Runbook: docs/runbooks/region-evacuation.md`,
      alarmRule: verdict.length
        ? cloudwatch.AlarmRule.anyOf(
            ...verdict.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM)),
          )
        : cloudwatch.AlarmRule.fromBoolean(false),
    });
    this.regionHealth.addAlarmAction(this.alarmAction);
    this.regionHealth.addOkAction(this.alarmAction);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.namePrefix}-Resilience`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Region health and every alarm',
            alarms: [this.regionHealth, ...this.alarms],
            width: 24,
            height: Math.min(12, 2 + Math.ceil((this.alarms.length + 1) / 4)),
          }),
        ],
        ...chunk(this.widgets, 3),
      ],
    });
  }

  private readonly latencyAlarms: cloudwatch.Alarm[] = [];

  private monitorApi(s: ApiSignal): void {
    const t = this.props.thresholds;
    const dimensionsMap = { ApiName: s.restApi.restApiName, Stage: s.stageName ?? 'prod' };
    const m = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap,
        statistic,
        period: this.period,
      });
    const id = `${s.workload}Api`;
    this.critical(
      s.workload,
      this.alarm(id + '5xx', m('5XXError', 'Sum'), t.api5xxPerPeriod, `${s.workload} API 5xx responses`),
    );
    this.latencyAlarms.push(
      this.alarm(
        id + 'LatencyP99',
        m('Latency', 'p99'),
        t.apiLatencyP99Ms,
        `${s.workload} API p99 latency (ms)`,
      ),
    );
    // REST APIs publish no throttle metric: 429s are counted in 4XXError.
    this.alarm(
      id + '4xx',
      m('4XXError', 'Sum'),
      t.apiThrottlesPerPeriod,
      `${s.workload} API 4xx responses, including 429 throttles`,
    );
    for (const hm of s.healthMethods ?? []) {
      const ratio = this.alarm(
        `${id}${pascalPath(hm.method, hm.resourcePath)}ErrorRatio`,
        new cloudwatch.Metric({
          namespace: 'AWS/ApiGateway',
          metricName: '5XXError',
          dimensionsMap: { ...dimensionsMap, Resource: hm.resourcePath, Method: hm.method },
          statistic: 'Average',
          period: this.period,
        }),
        t.serverErrorRatio,
        `${s.workload} ${hm.method} ${hm.resourcePath}: share of 5xx answers`,
      );
      this.critical(s.workload, ratio);
      this.signal(s.workload, ratio, route53.InsufficientDataHealthStatusEnum.HEALTHY);
    }
  }

  private monitorProbes(probes: readonly ProbeSignal[]): void {
    const timing = this.props.probeTiming ?? {
      rate: Duration.minutes(1),
      alarmPeriod: Duration.minutes(2),
      evaluationPeriods: 2,
    };
    const region = Stack.of(this).region;
    const probeKey = new DataKey(this, 'ProbeKey', {
      description: `Rempart Region probes, ${this.props.namePrefix}: run reports`,
      services: ['s3'],
    }).key;
    const artifactsBucket = probeArtifactsBucket(this, 'ProbeArtifacts', probeKey);
    for (const p of probes) {
      const probe = new RegionProbe(this, `${p.workload}Probe`, {
        canaryName: p.canaryName ?? probeCanaryName(this.props.namePrefix, p.workload, region),
        checks: p.checks,
        heartbeat: p.heartbeat,
        rate: timing.rate,
        alarmPeriod: timing.alarmPeriod,
        evaluationPeriods: timing.evaluationPeriods,
        alarmName: `${this.props.namePrefix}-${p.workload}Probe`,
        encryptionKey: probeKey,
        artifactsBucket,
      });
      this.probes[p.workload] = probe;
      this.adopt(probe.alarm, `${p.workload} Region probe: share of successful runs`);
      this.critical(p.workload, probe.alarm);
      this.signal(p.workload, probe.alarm, route53.InsufficientDataHealthStatusEnum.UNHEALTHY);
    }
  }

  private monitorQueue(s: QueueSignal): void {
    const t = this.props.thresholds;
    const id = `${s.workload}${s.label}Queue`;
    const p = { period: this.period, statistic: 'Maximum' };
    this.alarm(
      id + 'Depth',
      s.queue.metricApproximateNumberOfMessagesVisible(p),
      t.queueDepth,
      `${s.workload} ${s.label} queue depth`,
    );
    this.critical(
      s.workload,
      this.alarm(
        id + 'OldestMessageAge',
        s.queue.metricApproximateAgeOfOldestMessage(p),
        t.queueOldestMessageAgeSeconds,
        `${s.workload} ${s.label} queue: age of oldest message (s)`,
      ),
    );
    if (s.deadLetterQueue) {
      const dlq = this.alarm(
        id + 'DlqNotEmpty',
        s.deadLetterQueue.metricApproximateNumberOfMessagesVisible(p),
        1,
        `${s.workload} ${s.label} dead-letter queue is not empty: requests were given up on`,
        1,
      );
      this.deadLetterAlarms.push(dlq);
    }
  }

  private monitorFunction(s: FunctionSignal): void {
    const t = this.props.thresholds;
    const id = `${s.workload}${s.label}Function`;
    const sum = { period: this.period, statistic: 'Sum' };
    this.critical(
      s.workload,
      this.alarm(
        id + 'Errors',
        s.function.metricErrors(sum),
        t.functionErrorsPerPeriod,
        `${s.workload} ${s.label} errors`,
      ),
    );
    this.alarm(
      id + 'Throttles',
      s.function.metricThrottles(sum),
      t.functionThrottlesPerPeriod,
      `${s.workload} ${s.label} throttles`,
    );
    const limitMs = s.timeout.isUnresolved()
      ? 0
      : Math.round((s.timeout.toMilliseconds() * t.functionDurationP99PercentOfTimeout) / 100);
    if (limitMs > 0) {
      this.alarm(
        id + 'DurationP99',
        s.function.metricDuration({ period: this.period, statistic: 'p99' }),
        limitMs,
        `${s.workload} ${s.label} p99 duration (ms), ${t.functionDurationP99PercentOfTimeout}% of its timeout`,
      );
    }
  }

  private monitorTable(s: TableSignal): void {
    const t = this.props.thresholds;
    const id = `${s.workload}${s.label}Table`;
    const m = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: s.table.tableName, ...extra },
        statistic,
        period: this.period,
      });
    this.alarm(
      id + 'Throttles',
      new cloudwatch.MathExpression({
        expression: 'FILL(r, 0) + FILL(w, 0)',
        usingMetrics: { r: m('ReadThrottleEvents', 'Sum'), w: m('WriteThrottleEvents', 'Sum') },
        label: 'Throttled read + write events',
        period: this.period,
      }),
      t.tableThrottlesPerPeriod,
      `${s.workload} ${s.label} table throttled events`,
    );
    for (const receivingRegion of s.replicaRegions ?? []) {
      this.alarm(
        `${id}ReplicationLatency${pascal(receivingRegion)}`,
        m('ReplicationLatency', 'Average', { ReceivingRegion: receivingRegion }),
        t.tableReplicationLatencyMs,
        `${s.workload} ${s.label} table replication latency to ${receivingRegion} (ms)`,
      );
    }
  }

  private monitorWebService(s: WebServiceSignal): void {
    const t = this.props.thresholds;
    const id = `${s.workload}Service`;
    const p = { period: this.period };
    this.alarm(
      id + 'UnhealthyHosts',
      s.targetGroup.metrics.unhealthyHostCount({ ...p, statistic: 'Maximum' }),
      t.unhealthyHosts,
      `${s.workload} unhealthy targets`,
    );
    // The load balancer health-checks every target whatever the traffic and publishes the count
    // every minute: no healthy target, or no data at all (an isolated Region), is a Region that
    // cannot serve. It is the one web-service signal Route 53 follows.
    const noHealthyHosts = this.alarm(
      id + 'NoHealthyHosts',
      s.targetGroup.metrics.healthyHostCount({ ...p, statistic: 'Minimum' }),
      1,
      `${s.workload} healthy targets`,
      this.props.thresholds.evaluationPeriods,
      true,
    );
    this.critical(s.workload, noHealthyHosts);
    this.signal(s.workload, noHealthyHosts, route53.InsufficientDataHealthStatusEnum.UNHEALTHY);
    // 5xx counts exist only with traffic and grow with it: they page people, they never move traffic.
    this.critical(
      s.workload,
      this.alarm(
        id + 'Elb5xx',
        s.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { ...p, statistic: 'Sum' }),
        t.service5xxPerPeriod,
        `${s.workload} load balancer 5xx responses`,
      ),
    );
    this.critical(
      s.workload,
      this.alarm(
        id + 'Target5xx',
        s.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          ...p,
          statistic: 'Sum',
        }),
        t.service5xxPerPeriod,
        `${s.workload} service 5xx responses`,
      ),
    );
    this.alarm(
      id + 'Cpu',
      new cloudwatch.Metric({
        namespace: 'AWS/ECS',
        metricName: 'CPUUtilization',
        dimensionsMap: { ClusterName: s.service.cluster.clusterName, ServiceName: s.service.serviceName },
        statistic: 'Average',
        period: this.period,
      }),
      t.serviceCpuPercent,
      `${s.workload} service average CPU (%)`,
    );
  }

  private critical(workload: string, alarm: cloudwatch.Alarm): void {
    (this.criticalAlarms[workload] ??= []).push(alarm);
  }

  private signal(
    workload: string,
    alarm: cloudwatch.Alarm,
    whenMissing: route53.InsufficientDataHealthStatusEnum,
  ): void {
    (this.healthSignals[workload] ??= []).push({ alarm, whenMissing });
  }

  /** An alarm made elsewhere (a probe's) that pages and shows like the others. */
  private adopt(alarm: cloudwatch.Alarm, what: string): void {
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarms.push(alarm);
    this.widgets.push(new cloudwatch.AlarmWidget({ title: what, alarm, width: 8, height: 6 }));
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    what: string,
    evaluationPeriods = this.props.thresholds.evaluationPeriods,
    below = false,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.props.namePrefix}-${id}`,
      alarmDescription: `${what} ${below ? '<' : '>='} ${threshold} for ${evaluationPeriods} x ${this.props.thresholds.periodSeconds} s.`,
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: below
        ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Error counts: no data means no traffic or no errors, a quiet Region is a healthy one.
      // "At least N" signals: no data means the thing stopped reporting, which is the outage itself.
      treatMissingData: below
        ? cloudwatch.TreatMissingData.BREACHING
        : cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarms.push(alarm);
    this.widgets.push(new cloudwatch.AlarmWidget({ title: what, alarm, width: 8, height: 6 }));
    return alarm;
  }
}

function validate(path: string, props: RegionalObservabilityProps): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.namePrefix) && !/^[A-Za-z0-9][A-Za-z0-9-]{0,200}$/.test(props.namePrefix)) {
    problems.push(
      `namePrefix is "${props.namePrefix}". Fix: use letters, digits and dashes, e.g. "Rempart-eu-west-3"`,
    );
  }
  const all: Signal[] = [
    ...(props.apis ?? []),
    ...(props.queues ?? []),
    ...(props.functions ?? []),
    ...(props.tables ?? []),
    ...(props.webServices ?? []),
    ...(props.probes ?? []),
  ];
  for (const s of all) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(s.workload)) {
      problems.push(`workload "${s.workload}" is not PascalCase. Fix: use e.g. "Booking"`);
    }
  }
  for (const s of [...(props.queues ?? []), ...(props.functions ?? []), ...(props.tables ?? [])]) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(s.label))
      problems.push(`label "${s.label}" is not PascalCase. Fix: use e.g. "Worker"`);
  }
  if (all.length === 0) {
    problems.push(
      'no signal to monitor. Fix: pass at least one of apis, queues, functions, tables, webServices, probes',
    );
  }
  const ratio = props.thresholds.serverErrorRatio;
  if (!(ratio > 0 && ratio < 1)) {
    problems.push(`thresholds.serverErrorRatio is ${ratio}. Fix: use a share between 0 and 1, e.g. 0.05`);
  }
  const workloads = (props.probes ?? []).map((p) => p.workload);
  const twice = workloads.filter((w, i) => workloads.indexOf(w) !== i);
  if (twice.length)
    problems.push(`probes has ${twice.join(', ')} twice. Fix: one probe per workload, with all its checks`);
  if (problems.length) throw new Error(`RegionalObservability ${path}: ${problems.join('; ')}`);
}

/**
 * A canary name for a workload's Region probe, within CloudWatch Synthetics' 21 characters: the
 * workload, the Region in short ("euw3") and a hash of the name prefix (two deployments of Rempart
 * in one account keep distinct canaries), e.g. "booking-euw3-1a2b".
 */
export function probeCanaryName(namePrefix: string, workload: string, region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const short = `${area}${direction.charAt(0)}${number}`;
  const hash = createHash('sha256').update(namePrefix).digest('hex').slice(0, 4);
  return `${workload.toLowerCase().slice(0, 21 - short.length - hash.length - 2)}-${short}-${hash}`;
}

/** "POST", "/api/bookings" → "PostApiBookings" (construct ids and alarm names). */
function pascalPath(method: string, resourcePath: string): string {
  return [method.toLowerCase(), ...resourcePath.split(/[^A-Za-z0-9]+/)]
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function pascal(region: string): string {
  return region
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
