import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  FAIL_OPEN_SETTINGS_ENV,
  failOpenSettingsProblems,
  type FailOpenSettings,
} from '../../../../lambda/admission-edge/domain/fail-open';
import { EDGE_REGION } from '../../../aws-facts';
import { acknowledge } from '../../../compliance/acknowledge';
import { lambdaEntry } from '../../../lambda-entry';
import { InvocationKind, RempartFunction } from '../../rempart-function/rempart-function';
import type { AdmissionEdgeGate } from './admission-edge-gate';

/** The fail-open signals of one application Region (`AdmissionControl.failOpenRegion` gives them). */
export interface FailOpenRegionSignals {
  /** The application Region, e.g. "eu-west-3". */
  readonly region: string;
  /** ARN of the Region's stuck-cursor alarm (`AdmissionControl.stuckCursorAlarm`). */
  readonly stuckCursorAlarmArn: string;
  /**
   * ARNs of the Region's health alarms, metric or composite (ALARM = the Region cannot serve).
   * @default [] - the Region never counts as unhealthy, so the "every Region unhealthy" rule never fires
   */
  readonly healthAlarmArns?: readonly string[];
}

/**
 * Props of `AdmissionFailOpenSwitch`: the gate it drives and the alarms it reads. The switch lives in
 * the edge Region with the gate; `admissionFailOpenSwitchPropsProblems` checks these props.
 */
export interface AdmissionFailOpenSwitchProps {
  /** The edge gate whose `adm:failopen` the switch writes (its store, its event id). */
  readonly gate: AdmissionEdgeGate;
  /**
   * Every application Region, with its alarms. The forwarding rules of the Regions
   * (`AdmissionControl` with `failOpenEventBusArn` = this switch's `eventBusArn`) must forward the
   * same alarms: the switch's rule accepts exactly these ARNs.
   */
  readonly regions: readonly FailOpenRegionSignals[];
  /**
   * Name of the event bus the Regions forward their alarm state changes to. Give it when the
   * Regions' stacks deploy before this one and must build the bus ARN from the name.
   * @default - a name unique to this construct
   */
  readonly eventBusName?: string;
  /**
   * How often the switch reads every alarm whatever the events: the longest a lost or refused event
   * can delay the switch. Whole minutes, 1 to 60.
   * @default Duration.minutes(1)
   */
  readonly reconcileEvery?: Duration;
  /**
   * What the switch's error alarm does (it fires when the switch keeps failing: blind, or unable to
   * write the store).
   * @default - none: the alarm is exposed as `errorAlarm` for the caller to route
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Key of the function's log group. @default - a new customer-managed key with rotation */
  readonly logEncryptionKey?: kms.IKey;
}

/** EventBridge custom event bus names: 1-256 of [.-_A-Za-z0-9], not "default", not starting with "aws.". */
const EVENT_BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;

/**
 * Every problem with the props, each naming the prop, the value and the fix; empty when they hold.
 * Exported so that a configuration schema reports the same messages at load time. Tokens (ARNs
 * imported from other stacks) are not checked.
 */
export function admissionFailOpenSwitchPropsProblems(
  props: AdmissionFailOpenSwitchProps,
  stackRegion?: string,
): string[] {
  const problems = failOpenSettingsProblems(
    {
      eventId: props.gate.eventId,
      kvsArn: props.gate.keyValueStore.keyValueStoreArn,
      regions: props.regions.map((r) => ({ ...r, healthAlarmArns: r.healthAlarmArns ?? [] })),
    },
    (v) => Token.isUnresolved(v),
  );
  if (stackRegion !== undefined && !Token.isUnresolved(stackRegion) && stackRegion !== EDGE_REGION) {
    problems.push(
      `the stack is in ${stackRegion}. Fix: create AdmissionFailOpenSwitch in the ${EDGE_REGION} stack of the edge gate`,
    );
  }
  const name = props.eventBusName;
  if (
    name !== undefined &&
    !Token.isUnresolved(name) &&
    (!EVENT_BUS_NAME.test(name) || name === 'default' || name.startsWith('aws.'))
  ) {
    problems.push(
      `eventBusName is "${name}". Fix: use 1-256 of [A-Za-z0-9._-], neither "default" nor starting with "aws."`,
    );
  }
  const every = props.reconcileEvery;
  if (every && !every.isUnresolved()) {
    const minutes = every.toSeconds() / 60;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
      problems.push(
        `reconcileEvery is ${every.toSeconds()} s. Fix: use whole minutes from 1 to 60 (EventBridge schedules count in minutes)`,
      );
    }
  }
  return problems;
}

/**
 * The waiting room's alarm-driven fail-open switch, in the edge Region next to the gate
 * (docs/waiting-room.md, "Fail-open, deliberately"). A function reads the stuck-cursor and health
 * alarms of every application Region (DescribeAlarms), decides, and sets `adm:failopen` in the
 * gate's KeyValueStore with a conditional write when the verdict changes; it publishes FailOpen
 * (1 on, 0 off). It runs on every state change the Regions forward to `eventBus`, and on a schedule,
 * so a lost event only delays it. Events are only a trigger: the function trusts no event content.
 *
 * Same-account delivery to the bus needs no bus policy: the forwarding rule's role (CDK's
 * EventsRole, `events:PutEvents` on this bus) is the permission, and the bus has no resource policy,
 * so no other account can send to it.
 */
export class AdmissionFailOpenSwitch extends Construct {
  /** Bus receiving the Regions' forwarded alarm state changes. */
  public readonly eventBus: events.EventBus;
  /** `eventBus`'s ARN: `failOpenEventBusArn` of each Region's `AdmissionControl`. */
  public readonly eventBusArn: string;
  /** The switch itself: reads the alarms, writes `adm:failopen`, publishes FailOpen. */
  public readonly function: RempartFunction;
  /** Rule on `eventBus` invoking the function on a state change of exactly `signals`. */
  public readonly alarmRule: events.Rule;
  /** Schedule reconciling every `reconcileEvery`. */
  public readonly reconcileRule: events.Rule;
  /** Fires when the switch keeps failing (three failed minutes in five). */
  public readonly errorAlarm: cloudwatch.Alarm;
  /** Every alarm ARN the switch reads and accepts events of. */
  public readonly signals: readonly string[];

  constructor(scope: Construct, id: string, props: AdmissionFailOpenSwitchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = admissionFailOpenSwitchPropsProblems(props, stack.region);
    if (problems.length) throw new Error(`AdmissionFailOpenSwitch ${this.node.path}: ${problems.join('; ')}`);

    const settings: FailOpenSettings = {
      eventId: props.gate.eventId,
      kvsArn: props.gate.keyValueStore.keyValueStoreArn,
      regions: props.regions.map((r) => ({
        region: r.region,
        stuckCursorAlarmArn: r.stuckCursorAlarmArn,
        healthAlarmArns: [...(r.healthAlarmArns ?? [])],
      })),
    };
    this.signals = settings.regions.flatMap((r) => [r.stuckCursorAlarmArn, ...r.healthAlarmArns]);

    this.eventBus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: `Alarm state changes forwarded to the waiting room's fail-open switch of ${props.gate.eventId}`,
    });
    this.eventBusArn = this.eventBus.eventBusArn;

    this.function = new RempartFunction(this, 'Switch', {
      entry: lambdaEntry('admission-edge/handlers/fail-open-switch'),
      description: "Sets the waiting room's adm:failopen from the application Regions' alarms",
      // Every invocation, event or schedule, reads every alarm afresh: the next run supersedes a lost one.
      invocation: InvocationKind.SCHEDULED,
      // One at a time: runs never race each other for the store's ETag.
      reservedConcurrentExecutions: 1,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logEncryptionKey: props.logEncryptionKey,
      // The runtime's SDK may lack the KeyValueStore client and the SigV4A signer it needs.
      bundleAwsSdk: true,
      environment: { [FAIL_OPEN_SETTINGS_ENV]: stack.toJsonString(settings) },
    });
    props.gate.grantSwitch(this.function.role);

    // DescribeAlarms returns composite alarms (Region health is one) only to a caller allowed on "*"
    // (CloudWatch API reference, DescribeAlarms); the Regions named are the only narrowing IAM offers.
    const regionNames = settings.regions.map((r) => r.region);
    const readAlarms = new iam.Policy(this, 'ReadAlarms', {
      roles: [this.function.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': regionNames } },
        }),
      ],
    });
    acknowledge(
      readAlarms,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `cloudwatch:DescribeAlarms (read-only) on "*", limited by aws:RequestedRegion to the application Regions (${regionNames.join(', ')}): CloudWatch returns composite alarms, such as each Region's health alarm, only to a caller allowed on "*" (CloudWatch API reference, DescribeAlarms).`,
      },
      {
        id: 'iam-inline-policy-per-role',
        reason:
          "One read-only statement attached to the fail-open switch's role only, created and deleted with it.",
      },
    );

    this.alarmRule = new events.Rule(this, 'AlarmStateChanges', {
      eventBus: this.eventBus,
      description: `Runs the fail-open switch of ${props.gate.eventId} when one of its alarms changes state`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [...this.signals],
      },
      targets: [
        new targets.LambdaFunction(this.function.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
        }),
      ],
    });
    const every = props.reconcileEvery ?? Duration.minutes(1);
    this.reconcileRule = new events.Rule(this, 'Reconcile', {
      description: `Runs the fail-open switch of ${props.gate.eventId} every ${every.toHumanString()}, whatever the events`,
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 0 })],
    });
    const dlqReason = `The switch reads every alarm's state itself on each run and runs every ${every.toHumanString()} on its schedule: an event or run that cannot be delivered delays the switch by at most that period, and a dead-letter queue would keep triggers nobody should replay.`;
    for (const rule of [this.alarmRule, this.reconcileRule])
      acknowledge(rule, { id: 'Serverless-EventBusDLQ', reason: dlqReason });

    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: `The waiting room's fail-open switch of ${props.gate.eventId} keeps failing: it cannot read any Region's alarms or cannot write the KeyValueStore, so adm:failopen no longer follows the alarms. See docs/runbooks/opening-day.md.`,
      metric: this.function.function.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) {
      this.errorAlarm.addAlarmAction(props.alarmAction);
      this.errorAlarm.addOkAction(props.alarmAction);
    } else {
      const reason =
        'No action of its own by design of the construct: it is exposed as `errorAlarm` for the caller to route (Rempart routes it to the edge alarm topic).';
      acknowledge(
        this.errorAlarm,
        { id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason },
        { id: 'HIPAA.Security-CloudWatchAlarmAction', reason },
      );
    }
  }
}
