import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ADMISSION_TABLE_ACTIONS } from '../../../lambda/admission/adapters/dynamodb';
import { admissionLoad, MAX_ITEM_WRITES_PER_SECOND } from '../../../lambda/admission/domain/capacity';
import { joinRequestSchema } from '../../../lambda/admission/domain/model';
import {
  ADMISSION_DEFAULTS,
  admissionSettings,
  admissionSettingsProblems,
  type AdmissionSettings,
} from '../../../lambda/admission/domain/settings';
import { ADMISSION_ENV } from '../../../lambda/admission/handlers/runtime';
import { EDGE_REGION } from '../../aws-facts';
import { acknowledge } from '../../compliance/acknowledge';
import { lambdaEntry } from '../../lambda-entry';
import { GlobalTableStore, type GlobalTableStoreProps } from '../global-table-store/global-table-store';
import { LogEncryptionKey } from '../log-encryption-key/log-encryption-key';
import {
  DEFAULT_ACCOUNT_BURST_QUOTA,
  type ThrottleProps,
} from '../queue-backed-write-api/queue-backed-write-api';
import { InvocationKind, RempartFunction } from '../rempart-function/rempart-function';
import { ADMISSION_API_PREFIX, ADMISSION_KIDS, type AdmissionKid } from './contract';
import type { AdmissionEdgeGate } from './edge/admission-edge-gate';
import type { FailOpenRegionSignals } from './edge/admission-fail-open-switch';
import { joinRequestTemplates, joinResponseTemplate } from './private/join-templates';
import {
  admissionMetrics,
  admissionWidgets,
  rememberThreshold,
  type AdmissionMetrics,
} from './private/observability';

/** A group admitted with its own head start (e.g. over-75s before everyone else). */
export interface AdmissionCohort {
  /** Name sent in the join request (`cohort`), [a-z][a-z0-9-]{0,15}. */
  readonly id: string;
  /**
   * Added to this cohort's arrival times: its people queue behind everyone of earlier cohorts who
   * arrived up to `delay` after them; its pre-opening draw is placed at the opening plus `delay`.
   * @default Duration.seconds(0)
   */
  readonly delay?: Duration;
}

/** The key the origin signs admission cookies with: this Region's replica of one edge key slot. */
export interface AdmissionSigningKey {
  /** Secret holding the slot's key (`AdmissionEdgeGate.signingKeys[kid]`, replica in this Region). */
  readonly secret: secretsmanager.ISecret;
  /** The slot (`AdmissionEdgeGate.currentKid`). */
  readonly kid: AdmissionKid;
}

/**
 * Props of `AdmissionControl`. The pace (`admitPerSecond`) and the crowd (`peakJoinsPerSecond`) are
 * derived by the caller from the protected service's capacity and the declared surge, so that the
 * waiting room admits exactly what the service absorbs; the other settings have defaults sized for a
 * national opening. `admissionControlPropsProblems` checks them all, at synth or at configuration load.
 */
export interface AdmissionControlProps {
  /** Event id, 1-64 of [A-Za-z0-9_-]: key prefix of the items and the admission cookie's event. */
  readonly eventId: string;
  /** Opening, ISO 8601 with offset, e.g. "2027-01-14T10:00:00+01:00": joins before it enter the draw. */
  readonly openingAt: string;
  /**
   * People admitted per second: the pace the protected service absorbs, computed by the caller
   * from its capacity (for booking: the booking worker's rate), never typed in by hand.
   */
  readonly admitPerSecond: number;
  /** Joins per second at the peak, every Region together (sizes the join throttle and checks the counters). */
  readonly peakJoinsPerSecond: number;
  /**
   * Regional REST API that receives the waiting room's routes under `/admission/` (contract
   * ADMISSION_API_PREFIX): the API CloudFront already forwards to, so its origin protection, WAF and
   * failover records apply unchanged.
   */
  readonly restApi: apigateway.RestApi;
  /**
   * This Region's replica of an existing table keyed by `pk`/`sk` strings (e.g. the booking table):
   * the waiting room writes only items under `ADM#<eventId>`. Give `table` or `tableStore`, not both.
   * @default - the table of `tableStore`
   */
  readonly table?: dynamodb.ITableV2;
  /** A table of its own, created with `GlobalTableStore`. @default - none: `table` is required */
  readonly tableStore?: GlobalTableStoreProps;
  /** Key the origin signs admission cookies with (Secrets Manager; never in a template). */
  readonly signingKey: AdmissionSigningKey;
  /**
   * The edge half, when composed in the same app: its event id and current key slot are checked
   * against these props, and it is exposed as `edgeGate`.
   * @default - none
   */
  readonly edgeGate?: AdmissionEdgeGate;
  /**
   * Every Region that takes joins, in a fixed order, this one included. The first is preferred
   * for the controller's steps; all must run an AdmissionControl with the same settings.
   * @default - this stack's Region only
   */
  readonly regions?: readonly string[];
  /** Cohorts in priority order; a join naming none belongs to the first. @default [{ id: 'general' }] */
  readonly cohorts?: readonly AdmissionCohort[];
  /** Join counters per Region. @default 8 */
  readonly shardsPerRegion?: number;
  /** Controller step: the cursor moves at most once per step. @default Duration.seconds(5) */
  readonly step?: Duration;
  /** Arrivals inside one bucket count as simultaneous (first come first served to the bucket). @default Duration.seconds(2) */
  readonly arrivalBucket?: Duration;
  /** Wait after a bucket ends before sealing it (late queue deliveries). @default Duration.seconds(10) */
  readonly settle?: Duration;
  /** Admitted people who have not entered after this are replaced. @default Duration.minutes(10) */
  readonly noShowAfter?: Duration;
  /** Admission cookie lifetime after the entry deadline (time to complete the booking). @default Duration.minutes(20) */
  readonly admissionTtl?: Duration;
  /** Tickets and counters are deleted this long after the opening or their hour. @default Duration.hours(48) */
  readonly retention?: Duration;
  /**
   * Throttle of POST join.
   * @default - rate: the peak joins per second; burst: the same, within the account burst quota
   */
  readonly joinThrottle?: ThrottleProps;
  /** Throttle of POST enter. @default - rate: 2 × admitPerSecond (replays and retries); burst: the same, within the quota */
  readonly enterThrottle?: ThrottleProps;
  /** API Gateway REST burst quota of the account and Region. @default 5000 */
  readonly accountBurstQuota?: number;
  /** Key of the join queue and its dead-letter queue. @default - a new customer-managed key with rotation */
  readonly queueKey?: kms.IKey;
  /** Key of the functions' log groups. @default - a new customer-managed key with rotation */
  readonly logEncryptionKey?: kms.IKey;
  /** Deliveries of a join before it moves to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
  /** Cursor lag at which the stuck-cursor alarm fires. @default - 3 steps, at least 60 s */
  readonly stuckCursorAfter?: Duration;
  /**
   * ARN of the event bus (in the edge Region) where the fail-open switch listens
   * (`AdmissionFailOpenSwitch.eventBusArn`): the state changes of the stuck-cursor alarm and of
   * `regionUnhealthyAlarmArns` are forwarded there.
   * @default - no forwarding (wire the switch yourself from `failOpenSignals`)
   */
  readonly failOpenEventBusArn?: string;
  /**
   * ARNs of this Region's health alarms (ALARM = unhealthy), forwarded with the stuck-cursor alarm.
   * ARNs, not alarms: the health alarms usually live in a stack that depends on this one.
   * @default []
   */
  readonly regionUnhealthyAlarmArns?: readonly string[];
  /**
   * What the alarms do when they fire and recover (e.g. the Region's alert topic).
   * @default - none: the alarms are exposed in `alarms` for the caller to route
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Largest writes per second any admission item may take at the peak. @default 300 */
  readonly maxItemWritesPerSecond?: number;
}

/** Reserved concurrent executions of the waiting room's functions in one Region. */
export interface AdmissionConcurrency {
  /** SQS event source maximum concurrency of the join consumer. */
  readonly joinConsumerMaximum: number;
  /** Reserved for the join consumer: its maximum plus 10 % (at least 2), as AWS advises. */
  readonly joinConsumer: number;
  /** Reserved for the controller: a scheduled run plus one that overlaps it. */
  readonly controller: number;
  /** Reserved for the sweep: one run at a time. */
  readonly sweep: number;
  /** Reserved for status, ticket and position reads, most of which the edge cache answers. */
  readonly origin: number;
  /** Reserved for entries: the pace with room for retries and replays. */
  readonly enter: number;
  /** The sum, to add to the Region's Lambda concurrency check. */
  readonly total: number;
}

/** Wall time of one entry (two DynamoDB calls, the signing key cached). */
const SECONDS_PER_ENTRY = 0.05;
/** Wall time of one ticket or status read. */
const SECONDS_PER_READ = 0.02;

/**
 * What the waiting room reserves in a Region, each Region sized to carry the whole surge alone.
 * Exported so that the configuration adds it to the Region's Lambda concurrency check.
 */
export function admissionConcurrency(
  p: Pick<AdmissionControlProps, 'admitPerSecond' | 'peakJoinsPerSecond'>,
): AdmissionConcurrency {
  const joinConsumerMaximum = Math.max(
    2,
    Math.ceil((p.peakJoinsPerSecond * SECONDS_PER_BATCH) / CONSUMER_BATCH_SIZE),
  );
  const joinConsumer = joinConsumerMaximum + Math.max(2, Math.ceil(joinConsumerMaximum * 0.1));
  // Ticket reads: about one per joiner, plus status misses; entries: the pace, with retries and replays.
  const origin = Math.max(5, Math.ceil(p.peakJoinsPerSecond * SECONDS_PER_READ));
  const enter = Math.max(5, Math.ceil(p.admitPerSecond * 1.5 * SECONDS_PER_ENTRY));
  const controller = 2;
  const sweep = 1;
  return {
    joinConsumerMaximum,
    joinConsumer,
    controller,
    sweep,
    origin,
    enter,
    total: joinConsumer + controller + sweep + origin + enter,
  };
}

/** SQS batch of the join consumer: one counter write per batch. */
const CONSUMER_BATCH_SIZE = 10;
/** Wall time of one consumer batch (a counter write and ten ticket writes, in parallel). */
const SECONDS_PER_BATCH = 0.1;

// Fractions flow through to the settings check, which names the prop and asks for whole numbers.
const seconds = (d: Duration | undefined, fallback: number): number =>
  d ? d.toSeconds({ integral: false }) : fallback;

/** The settings the functions receive, from the props (tokens are not allowed in them). */
export function admissionSettingsFromProps(
  props: AdmissionControlProps,
  stackRegion: string,
): AdmissionSettings {
  return admissionSettings({
    eventId: props.eventId,
    openingAt: Date.parse(props.openingAt),
    regions: props.regions ?? [stackRegion],
    admitPerSecond: props.admitPerSecond,
    cohorts: (props.cohorts ?? ADMISSION_DEFAULTS.cohorts.map((c): AdmissionCohort => ({ id: c.id }))).map(
      (c) => ({
        id: c.id,
        delaySeconds: seconds(c.delay, 0),
      }),
    ),
    shardsPerRegion: props.shardsPerRegion ?? ADMISSION_DEFAULTS.shardsPerRegion,
    stepSeconds: seconds(props.step, ADMISSION_DEFAULTS.stepSeconds),
    bucketSeconds: seconds(props.arrivalBucket, ADMISSION_DEFAULTS.bucketSeconds),
    settleSeconds: seconds(props.settle, ADMISSION_DEFAULTS.settleSeconds),
    noShowAfterSeconds: seconds(props.noShowAfter, ADMISSION_DEFAULTS.noShowAfterSeconds),
    admissionTtlSeconds: seconds(props.admissionTtl, ADMISSION_DEFAULTS.admissionTtlSeconds),
    retentionHours: props.retention
      ? props.retention.toHours({ integral: false })
      : ADMISSION_DEFAULTS.retentionHours,
  });
}

function defaultThrottle(rate: number, quota: number): ThrottleProps {
  const r = Math.max(1, Math.ceil(rate));
  return { rateLimit: r, burstLimit: Math.min(quota, r) };
}

/**
 * Every problem with the props, each naming the prop, the value and the fix; empty when they hold.
 * Exported so that a configuration schema reports the same messages at load time.
 */
export function admissionControlPropsProblems(props: AdmissionControlProps, stackRegion: string): string[] {
  const problems: string[] = [];
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(props.openingAt) ||
    Number.isNaN(Date.parse(props.openingAt))
  ) {
    problems.push(
      `openingAt is "${props.openingAt}". Fix: write an ISO 8601 date-time with offset, e.g. "2027-01-14T10:00:00+01:00"`,
    );
  }
  if (!(props.peakJoinsPerSecond > 0) || !Number.isFinite(props.peakJoinsPerSecond)) {
    problems.push(
      `peakJoinsPerSecond is ${props.peakJoinsPerSecond}. Fix: use the surge's peak people per second, e.g. 2778`,
    );
  }
  if (props.table && props.tableStore) {
    problems.push(
      'table and tableStore are both set. Fix: give an existing table (table) or the props of a new one (tableStore), not both',
    );
  }
  if (!props.table && !props.tableStore) {
    problems.push(
      'neither table nor tableStore is set. Fix: pass the booking table (table), or tableStore to create one',
    );
  }
  if (!(ADMISSION_KIDS as readonly string[]).includes(props.signingKey.kid)) {
    problems.push(
      `signingKey.kid is "${String(props.signingKey.kid)}". Fix: use ${ADMISSION_KIDS.join(' or ')}`,
    );
  }
  const regions = props.regions ?? [stackRegion];
  if (!Token.isUnresolved(stackRegion) && !regions.includes(stackRegion)) {
    problems.push(
      `regions (${regions.join(', ')}) does not list this stack's Region ${stackRegion}. Fix: list every Region that takes joins, this one included`,
    );
  }
  const quota = props.accountBurstQuota ?? DEFAULT_ACCOUNT_BURST_QUOTA;
  for (const [name, t] of Object.entries({
    joinThrottle: props.joinThrottle,
    enterThrottle: props.enterThrottle,
  })) {
    if (!t) continue;
    if (!(t.rateLimit > 0))
      problems.push(`${name}.rateLimit is ${t.rateLimit}. Fix: use a positive number of requests per second`);
    if (!Number.isInteger(t.burstLimit) || t.burstLimit < 1 || t.burstLimit > quota) {
      problems.push(
        `${name}.burstLimit is ${t.burstLimit}. Fix: use a whole number from 1 to ${quota} (accountBurstQuota)`,
      );
    }
  }
  if (
    props.maxReceiveCount !== undefined &&
    (!Number.isInteger(props.maxReceiveCount) || props.maxReceiveCount < 1 || props.maxReceiveCount > 100)
  ) {
    problems.push(
      `maxReceiveCount is ${props.maxReceiveCount}. Fix: use a whole number from 1 to 100, e.g. 3`,
    );
  }
  const bus = props.failOpenEventBusArn;
  if (bus !== undefined && !Token.isUnresolved(bus) && !EVENT_BUS_ARN.test(bus)) {
    problems.push(
      `failOpenEventBusArn is "${bus}", not an event bus ARN. Fix: use the fail-open switch's eventBusArn, arn:aws:events:<edge region>:<account>:event-bus/<name>`,
    );
  }
  if (props.edgeGate && props.edgeGate.currentKid !== props.signingKey.kid) {
    problems.push(
      `signingKey.kid is "${props.signingKey.kid}" but the edge gate's current slot is "${props.edgeGate.currentKid}". Fix: sign with the edge gate's currentKid`,
    );
  }
  if (
    props.edgeGate &&
    !Token.isUnresolved(props.edgeGate.eventId) &&
    props.edgeGate.eventId !== props.eventId
  ) {
    problems.push(
      `eventId is "${props.eventId}" but the edge gate admits "${props.edgeGate.eventId}". Fix: give both halves the same eventId`,
    );
  }
  if (problems.some((p) => p.startsWith('openingAt'))) return problems;

  const settings = admissionSettingsFromProps(props, stackRegion);
  problems.push(...admissionSettingsProblems(settings).map(propName));
  if (props.peakJoinsPerSecond > 0 && props.admitPerSecond > 0) {
    const load = admissionLoad({
      peakJoinsPerSecond: props.peakJoinsPerSecond,
      admitPerSecond: props.admitPerSecond,
      regions: settings.regions.length,
      shardsPerRegion: settings.shardsPerRegion,
      consumerBatchSize: CONSUMER_BATCH_SIZE,
      stepSeconds: settings.stepSeconds,
      bucketSeconds: settings.bucketSeconds,
      cohorts: settings.cohorts.length,
      redeemShards: settings.redeemShards,
    });
    const max = props.maxItemWritesPerSecond ?? MAX_ITEM_WRITES_PER_SECOND;
    if (load.maxItemWritesPerSecond > max) {
      problems.push(
        `at ${props.peakJoinsPerSecond} joins/s and ${props.admitPerSecond} admissions/s, one ${load.hottest} item would take ${Math.round(load.maxItemWritesPerSecond)} writes/s, above ${max}. Fix: raise shardsPerRegion (join counters) or lower the pace`,
      );
    }
  }
  return problems;
}

const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._-]+$/;

/** Settings problems speak of settings; say which prop sets each. */
function propName(problem: string): string {
  const map: Record<string, string> = {
    stepSeconds: 'step',
    bucketSeconds: 'arrivalBucket',
    settleSeconds: 'settle',
    noShowAfterSeconds: 'noShowAfter',
    admissionTtlSeconds: 'admissionTtl',
    retentionHours: 'retention',
  };
  const m = /^(cohorts\[\d+\]\.)?([A-Za-z]+)/.exec(problem);
  const name = m?.[2];
  return name && map[name] ? `${map[name]} (${name}): ${problem}` : problem;
}

/**
 * The origin and data half of the waiting room (docs/waiting-room.md): joins go from API Gateway
 * straight to SQS (no function in the path) and a consumer records tickets with block-reserved
 * sequence numbers; a controller in every Region moves one public "now serving" cursor at the
 * protected service's pace, one Region per step, replacing no-shows and sealing arrival buckets
 * into the published order (a seeded draw for pre-opening joins, first come first served after);
 * served tickets exchange their secret for the signed admission cookie the edge gate checks. Every
 * control write is one single-item conditional write (multi-Region strong consistency), expiry is a
 * sweep by hour, and the status polled by everyone is one cacheable document.
 *
 * Routes added to `restApi`: POST /admission/join (→ SQS), GET /admission/status,
 * GET /admission/ticket/{ticketId}, GET /admission/position, POST /admission/enter.
 */
export class AdmissionControl extends Construct {
  /**
   * This Region's replica of an edge signing-key secret (`AdmissionEdgeGate.signingKeySecretNames[kid]`,
   * replicated by `signingKeyReplicas`), with the key that encrypts the replica here, so that the
   * grant includes decryption. By name: no reference to the edge stack.
   */
  public static signingKeyReplica(
    scope: Construct,
    id: string,
    replica: { readonly secretName: string; readonly kid: AdmissionKid; readonly encryptionKey: kms.IKey },
  ): AdmissionSigningKey {
    const secret = secretsmanager.Secret.fromSecretAttributes(scope, id, {
      secretPartialArn: Stack.of(scope).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: replica.secretName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      encryptionKey: replica.encryptionKey,
    });
    return { secret, kid: replica.kid };
  }

  /** The settings every function runs with (also the JSON of their ADMISSION_SETTINGS). */
  public readonly settings: AdmissionSettings;
  /** The `/admission` resource of `restApi`. */
  public readonly apiResource: apigateway.Resource;
  /** POST /admission/join: API Gateway straight to `queue`, with no function to scale. */
  public readonly joinMethod: apigateway.Method;
  /** POST /admission/enter: the only method that issues admission cookies. */
  public readonly enterMethod: apigateway.Method;
  /** Joins waiting to be recorded, and the ones that could not be. */
  public readonly queue: sqs.Queue;
  /** Joins that failed `maxReceiveCount` deliveries; watched by `deadLetterAlarm`. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Key of `queue` and `deadLetterQueue` (`queueKey` prop, or a new one). */
  public readonly queueKey: kms.IKey;
  /** The table holding the waiting room's items (under `tableKeyPrefix`). */
  public readonly table: dynamodb.ITableV2;
  /** The table created from `tableStore`, if any. */
  public readonly tableStore?: GlobalTableStore;
  /** Prefix of every item the waiting room writes: `ADM#<eventId>`. */
  public readonly tableKeyPrefix: string;
  /** Records queued joins as tickets. */
  public readonly joinConsumer: RempartFunction;
  /** Scheduled every minute; steps every `step`. */
  public readonly controller: RempartFunction;
  /** Deletes expired items hour by hour, every ten minutes (no TTL under multi-Region strong consistency). */
  public readonly sweeper: RempartFunction;
  /** Status, ticket and position reads. */
  public readonly originFunction: RempartFunction;
  /** Exchanges a served ticket's secret for the admission cookie; the only reader of the signing key. */
  public readonly enterFunction: RempartFunction;
  /** Fires when the cursor has not moved (or a due bucket has not been sealed) for `stuckCursorAfter`. */
  public readonly stuckCursorAlarm: cloudwatch.Alarm;
  /** Fires when a join could not be recorded after `maxReceiveCount` deliveries. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Every alarm of the waiting room. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** Alarm ARNs the fail-open switch listens to (stuck cursor, then this Region's health alarms). */
  public readonly failOpenSignals: readonly string[];
  /** The same signals, as one Region of `AdmissionFailOpenSwitch`'s `regions`. */
  public readonly failOpenRegion: FailOpenRegionSignals;
  /** Rule forwarding `failOpenSignals` state changes to `failOpenEventBusArn`, when set. */
  public readonly failOpenRule?: events.Rule;
  /** The metrics the functions publish, for alarms and dashboards of the caller's own. */
  public readonly metrics: AdmissionMetrics;
  /** People waiting, admitted/min, no-shows, cursor lag, alarm states: add them to a dashboard. */
  public readonly dashboardWidgets: readonly cloudwatch.IWidget[];
  /** The edge half, when given. */
  public readonly edgeGate?: AdmissionEdgeGate;
  /** Concurrent executions the waiting room reserves in this Region (`admissionConcurrency`). */
  public readonly reservedConcurrentExecutions: number;

  constructor(scope: Construct, id: string, props: AdmissionControlProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = admissionControlPropsProblems(props, stack.region);
    if (problems.length) throw new Error(`AdmissionControl ${this.node.path}: ${problems.join('; ')}`);
    this.settings = admissionSettingsFromProps(props, stack.region);
    this.edgeGate = props.edgeGate;
    this.tableKeyPrefix = `ADM#${props.eventId}`;
    const quota = props.accountBurstQuota ?? DEFAULT_ACCOUNT_BURST_QUOTA;

    if (props.tableStore) {
      this.tableStore = new GlobalTableStore(this, 'Table', props.tableStore);
      this.table = this.tableStore.table;
    } else if (props.table) {
      this.table = props.table;
    } else {
      throw new Error('unreachable: checked by admissionControlPropsProblems');
    }

    // Joins: an encrypted, TLS-only queue with a dead-letter queue, fed by API Gateway directly.
    this.queueKey =
      props.queueKey ??
      new kms.Key(this, 'QueueKey', {
        description: `Join queue of ${this.node.path}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const consumerTimeout = Duration.seconds(30);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      retentionPeriod: Duration.days(1),
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const dlqReason =
      'This queue is the dead-letter queue of the join queue; a dead-letter queue of a dead-letter queue would only move the same messages again.';
    acknowledge(
      this.deadLetterQueue,
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );

    const logKey =
      props.logEncryptionKey ??
      new LogEncryptionKey(this, 'LogKey', { description: `Logs of ${this.node.path}` }).key;
    const environment = {
      [ADMISSION_ENV.settings]: JSON.stringify(this.settings),
      [ADMISSION_ENV.table]: this.table.tableName,
    };
    const fn = (
      fid: string,
      entry: string,
      description: string,
      invocation: InvocationKind,
      extra: { reserved: number; timeout?: Duration; memorySize?: number; env?: Record<string, string> },
    ) =>
      new RempartFunction(this, fid, {
        entry: lambdaEntry(`admission/handlers/${entry}`),
        description,
        invocation,
        reservedConcurrentExecutions: extra.reserved,
        timeout: extra.timeout,
        memorySize: extra.memorySize,
        logEncryptionKey: logKey,
        environment: { ...environment, ...extra.env },
      });

    const concurrency = admissionConcurrency(props);
    this.reservedConcurrentExecutions = concurrency.total;
    const consumerConcurrency = concurrency.joinConsumerMaximum;
    this.joinConsumer = fn(
      'JoinConsumer',
      'join-consumer',
      'Records queued joins as tickets (block-reserved sequence numbers)',
      InvocationKind.QUEUE,
      {
        reserved: concurrency.joinConsumer,
        timeout: consumerTimeout,
      },
    );
    this.joinConsumer.function.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue, {
        batchSize: CONSUMER_BATCH_SIZE,
        maxConcurrency: consumerConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    const mapping = this.joinConsumer.function.node.tryFindChild(
      `SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`,
    );
    if (mapping) {
      acknowledge(mapping, {
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event source mappings take no on-failure destination: a join that keeps failing returns to the queue and its redrive policy moves it to the dead-letter queue after maxReceiveCount deliveries.',
      });
    }

    // Scheduled functions: EventBridge invokes them every minute (controller) or ten minutes (sweep);
    // a lost invocation is superseded by the next one.
    this.controller = fn(
      'Controller',
      'controller',
      'Moves the now-serving cursor one step at a time, one Region per step; seals arrival buckets',
      InvocationKind.SCHEDULED,
      {
        reserved: concurrency.controller,
        timeout: Duration.seconds(70),
        memorySize: 512,
      },
    );
    const controllerSchedule = new events.Rule(this, 'ControllerSchedule', {
      description: `Runs the admission controller of ${props.eventId} every minute`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.controller.function, { retryAttempts: 0 })],
    });
    this.sweeper = fn(
      'Sweep',
      'sweep',
      'Deletes expired admission items hour by hour (the table has no TTL)',
      InvocationKind.SCHEDULED,
      {
        reserved: concurrency.sweep,
        timeout: Duration.minutes(5),
      },
    );
    const sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: `Runs the admission sweep of ${props.eventId} every ten minutes`,
      schedule: events.Schedule.rate(Duration.minutes(10)),
      targets: [new targets.LambdaFunction(this.sweeper.function, { retryAttempts: 0 })],
    });

    const scheduleReason =
      'A schedule: an invocation that cannot be delivered is superseded by the next one (a minute later for the controller, ten for the sweep), and a controller that stays silent fires the stuck-cursor alarm; a dead-letter queue would keep events nobody should replay.';
    for (const rule of [controllerSchedule, sweepSchedule])
      acknowledge(rule, { id: 'Serverless-EventBusDLQ', reason: scheduleReason });

    // Reads behind the edge cache: a handful of executions serve everyone.
    this.originFunction = fn(
      'Origin',
      'origin',
      'Waiting-room status, ticket positions and the page without JavaScript (cacheable)',
      InvocationKind.SYNCHRONOUS,
      {
        reserved: concurrency.origin,
      },
    );
    this.enterFunction = fn(
      'Enter',
      'enter',
      'Exchanges a served ticket and its secret for the signed admission cookie, once',
      InvocationKind.SYNCHRONOUS,
      {
        reserved: concurrency.enter,
        env: {
          [ADMISSION_ENV.signingKeySecret]: props.signingKey.secret.secretArn,
          [ADMISSION_ENV.signingKid]: props.signingKey.kid,
        },
      },
    );
    props.signingKey.secret.grantRead(this.enterFunction.role);

    this.grantTable(this.joinConsumer, ADMISSION_TABLE_ACTIONS.joinConsumer, true);
    this.grantTable(this.controller, ADMISSION_TABLE_ACTIONS.controller, true);
    this.grantTable(this.sweeper, ADMISSION_TABLE_ACTIONS.sweep, true);
    this.grantTable(this.originFunction, ADMISSION_TABLE_ACTIONS.origin, false);
    this.grantTable(this.enterFunction, ADMISSION_TABLE_ACTIONS.enter, true);

    // Routes: /admission/... (contract ADMISSION_API_PREFIX).
    const base = ADMISSION_API_PREFIX.replace(/^\/|\/$/g, '');
    this.apiResource =
      (props.restApi.root.getResource(base) as apigateway.Resource | undefined) ??
      props.restApi.root.addResource(base);
    this.joinMethod = this.addJoin(props);
    const read = new apigateway.LambdaIntegration(this.originFunction.function);
    const methods = [
      this.joinMethod,
      this.apiResource.addResource('status').addMethod('GET', read),
      this.apiResource.addResource('ticket').addResource('{ticketId}').addMethod('GET', read),
      this.apiResource.addResource('position').addMethod('GET', read),
    ];
    this.enterMethod = this.apiResource
      .addResource('enter')
      .addMethod('POST', new apigateway.LambdaIntegration(this.enterFunction.function));
    methods.push(this.enterMethod);
    this.throttle(props.restApi, {
      [`/${base}/join/POST`]: props.joinThrottle ?? defaultThrottle(props.peakJoinsPerSecond, quota),
      [`/${base}/enter/POST`]: props.enterThrottle ?? defaultThrottle(props.admitPerSecond * 2, quota),
    });
    const authReason =
      'The waiting room is used anonymously by citizens before they can sign in: a join proves nothing but receives a ticket; entry requires the ticket secret. Abuse is bounded by the edge WAF rate rules, method throttling and JSON-schema validation.';
    for (const m of methods)
      acknowledge(
        m,
        { id: 'AwsSolutions-APIG4', reason: authReason },
        { id: 'AwsSolutions-COG4', reason: authReason },
      );

    // Observability.
    this.metrics = admissionMetrics(props.eventId, stack.region, EDGE_REGION);
    const stuckAfter = props.stuckCursorAfter?.toSeconds() ?? Math.max(60, 3 * this.settings.stepSeconds);
    this.stuckCursorAlarm = new cloudwatch.Alarm(this, 'StuckCursorAlarm', {
      alarmDescription: `The admission cursor of ${props.eventId} has not moved, or a due arrival bucket has not been sealed, for ${stuckAfter} s (or the controller publishes nothing). People wait with no progress: see docs/runbooks/opening-day.md.`,
      metric: this.metrics.cursorLagSeconds,
      threshold: stuckAfter,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No data means no controller ran: that is the failure this alarm exists for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    rememberThreshold(this.stuckCursorAlarm, stuckAfter);
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Joins of ${props.eventId} could not be recorded and wait in the dead-letter queue.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [this.stuckCursorAlarm, this.deadLetterAlarm];
    for (const alarm of this.alarms) {
      if (props.alarmAction) {
        alarm.addAlarmAction(props.alarmAction);
        alarm.addOkAction(props.alarmAction);
      } else {
        const reason =
          'No action of its own by design of the construct: it is exposed in `alarms` for the caller to route (Rempart adds it to the Region alert topic), and the stuck-cursor alarm also drives the fail-open switch through EventBridge.';
        acknowledge(
          alarm,
          { id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason },
          { id: 'HIPAA.Security-CloudWatchAlarmAction', reason },
        );
      }
    }
    this.failOpenSignals = [this.stuckCursorAlarm.alarmArn, ...(props.regionUnhealthyAlarmArns ?? [])];
    this.failOpenRegion = {
      region: stack.region,
      stuckCursorAlarmArn: this.stuckCursorAlarm.alarmArn,
      healthAlarmArns: [...(props.regionUnhealthyAlarmArns ?? [])],
    };
    if (props.failOpenEventBusArn) {
      this.failOpenRule = new events.Rule(this, 'FailOpenSignals', {
        description: `Forwards the waiting room's fail-open signals of ${stack.region} to the edge switch`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          resources: [...this.failOpenSignals],
        },
        targets: [
          new targets.EventBus(events.EventBus.fromEventBusArn(this, 'EdgeBus', props.failOpenEventBusArn)),
        ],
      });
      acknowledge(this.failOpenRule, {
        id: 'Serverless-EventBusDLQ',
        reason:
          'The fail-open switch does not depend on delivery of every event: it reconciles with the alarm states (DescribeAlarms) on its own schedule (docs/waiting-room.md, "Fail-open"), so a lost state change delays a switch by at most that period; a dead-letter queue would hold stale states.',
      });
      const eventsRole = this.failOpenRule.node.tryFindChild('EventsRole');
      if (eventsRole) {
        const inlineReason =
          'Generated by CDK for this rule only: events:PutEvents on the one edge event bus, created and deleted with the rule.';
        acknowledge(
          eventsRole,
          { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlineReason },
          { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlineReason },
        );
      }
    }
    this.dashboardWidgets = admissionWidgets(
      `Waiting room ${props.eventId} (${stack.region})`,
      this.metrics,
      {
        stuckCursor: this.stuckCursorAlarm,
        others: [this.deadLetterAlarm],
      },
    );
  }

  private grantTable(fn: RempartFunction, actions: readonly string[], write: boolean): void {
    this.table.grant(fn.function, ...actions);
    const keyActions = write
      ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']
      : ['kms:Decrypt', 'kms:DescribeKey'];
    this.table.encryptionKey?.grant(fn.function, ...keyActions);
    if (write && this.table.encryptionKey) {
      const reason =
        'Granted on exactly one key ARN (the table\'s customer-managed key): DynamoDB with a customer-managed key requires the kms:GenerateDataKey* and kms:ReEncrypt* families on the writing caller (AWS documentation, "Authorizing use of your KMS key").';
      acknowledge(
        fn.role,
        { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
        { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
      );
    }
  }

  private addJoin(props: AdmissionControlProps): apigateway.Method {
    const api = props.restApi;
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'JoinIntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway sends joins of ${this.node.path} to their queue`,
    });
    new iam.ManagedPolicy(this, 'JoinIntegrationPolicy', {
      description: `Send joins of ${this.node.path} to their queue`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.queueKey.keyArn],
        }),
      ],
    });
    const model = api.addModel(`AdmissionJoinModel${Names.uniqueId(this).slice(-8)}`, {
      contentType: 'application/json',
      description: 'Body of POST /admission/join',
      schema: joinRequestSchema(this.settings.cohorts.map((c) => c.id)) as unknown as apigateway.JsonSchema,
    });
    const validator = api.addRequestValidator(`AdmissionJoinValidator${Names.uniqueId(this).slice(-8)}`, {
      validateRequestBody: true,
      validateRequestParameters: false,
    });
    const retryAfter = 5;
    const accepted = joinResponseTemplate(this.settings.retentionHours * 3600, retryAfter);
    const noStore = { 'method.response.header.Cache-Control': "'no-store'" };
    const integration = new apigateway.AwsIntegration({
      service: 'sqs',
      path: `${stack.account}/${this.queue.queueName}`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        requestTemplates: joinRequestTemplates(),
        integrationResponses: [
          {
            statusCode: '202',
            selectionPattern: '2\\d{2}',
            responseParameters: noStore,
            responseTemplates: { 'application/json': accepted, 'text/html': accepted },
          },
          {
            statusCode: '503',
            selectionPattern: '[45]\\d{2}',
            responseParameters: { ...noStore, 'method.response.header.Retry-After': `'${retryAfter}'` },
            responseTemplates: {
              'application/json': JSON.stringify({
                message: 'The join was not accepted. Please retry shortly.',
                retryAfterSeconds: retryAfter,
              }),
            },
          },
        ],
      },
    });
    const headers = {
      'method.response.header.Cache-Control': true,
      'method.response.header.Retry-After': true,
      'method.response.header.Set-Cookie': true,
      'method.response.header.Location': true,
    };
    return this.apiResource.addResource('join').addMethod('POST', integration, {
      requestModels: { 'application/json': model },
      requestValidator: validator,
      methodResponses: [
        { statusCode: '202', responseParameters: headers },
        { statusCode: '303', responseParameters: headers },
        { statusCode: '503', responseParameters: headers },
      ],
    });
  }

  /** Method throttles on the API's stage, added to the settings the API already has. */
  private throttle(api: apigateway.RestApi, byPath: Record<string, ThrottleProps>): void {
    const cfn = api.deploymentStage.node.defaultChild as apigateway.CfnStage;
    const existing = Array.isArray(cfn.methodSettings) ? cfn.methodSettings : [];
    const added = Object.entries(byPath).map(([path, t]) => {
      const parts = path.split('/');
      const httpMethod = parts.pop() ?? 'POST';
      // CloudFormation's form (as CDK writes it): "/", then the resource path with every "/" as "~1".
      return {
        resourcePath: `/${parts.join('/').replace(/\//g, '~1')}`,
        httpMethod,
        throttlingRateLimit: t.rateLimit,
        throttlingBurstLimit: t.burstLimit,
        dataTraceEnabled: false,
        metricsEnabled: true,
      };
    });
    cfn.methodSettings = [...existing, ...added];
  }
}
