/**
 * The waiting room's alarm-driven fail-open switch, as pure functions (no AWS SDK, no I/O): which
 * alarm states open the gate, what to write into the edge KeyValueStore, how to read the settings
 * the construct passes and the events that wake the switch. docs/waiting-room.md, "Fail-open,
 * deliberately", explains the rules; test/admission/fail-open-domain.test.ts pins them case by case.
 */
import {
  ADMISSION_ID_PATTERN,
  KVS_FAIL_OPEN,
  KVS_FAIL_OPEN_VERDICT,
} from '../../../lib/constructs/admission-control/contract';

// ------------------------------------------------------------------------------------------------
// Alarm states
// ------------------------------------------------------------------------------------------------

/** CloudWatch's alarm states (DescribeAlarms `StateValue`, alarm events `detail.state.value`). */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** One alarm as the switch found it: its state, or MISSING when its Region answered without it. */
export type AlarmReading = AlarmState | 'MISSING';

/** What the switch read in one application Region. */
export interface RegionReading {
  readonly region: string;
  /** False when the Region's CloudWatch API did not answer: then no alarm of it was read. */
  readonly reachable: boolean;
  /** The Region's stuck-cursor alarm (its controller's view of the one global cursor). */
  readonly stuckCursor: AlarmReading;
  /** The Region's health alarms (ALARM = the Region cannot serve). */
  readonly health: readonly AlarmReading[];
}

export type FailOpenCause = 'cursor-stuck' | 'every-region-unhealthy';

/** The alarms' verdict: open the fail-open path classes, or gate them. */
export type Verdict =
  { readonly failOpen: true; readonly cause: FailOpenCause } | { readonly failOpen: false };

/**
 * The verdict, or `undefined` when no Region could be read at all (then nothing is known and the
 * switch keeps what the store holds).
 *
 * - **The cursor is stuck** when every Region that testifies says so: a reachable Region whose
 *   stuck-cursor alarm is ALARM or OK is a witness, and at least one witness is needed. The cursor is
 *   global and every running controller publishes its lag, so one controller that sees it move (OK)
 *   proves it moves; a Region whose controller died is in ALARM (the alarm treats missing data as
 *   breaching) while the other Region keeps stepping, and must not open the gate for everyone.
 *   INSUFFICIENT_DATA does not testify: with missing data breaching, a silent controller shows as
 *   ALARM, so INSUFFICIENT_DATA only means an alarm not evaluated yet (just created or updated).
 *   A MISSING alarm (misnamed, not deployed) does not testify either.
 * - **Every Region is unhealthy** when each one has a health alarm in ALARM, or could not be read
 *   at all: a Region whose CloudWatch does not answer the edge Region is counted as impaired. At
 *   least one Region was read (or there would be no verdict), so at least one ALARM is seen.
 *   INSUFFICIENT_DATA and MISSING health alarms are not evidence of an unhealthy Region.
 */
export function decideFailOpen(readings: readonly RegionReading[]): Verdict | undefined {
  if (!readings.some((r) => r.reachable)) return undefined;
  const witnesses = readings
    .filter((r) => r.reachable)
    .map((r) => r.stuckCursor)
    .filter((s) => s === 'OK' || s === 'ALARM');
  if (witnesses.length > 0 && witnesses.every((s) => s === 'ALARM')) {
    return { failOpen: true, cause: 'cursor-stuck' };
  }
  if (readings.every((r) => !r.reachable || r.health.includes('ALARM'))) {
    return { failOpen: true, cause: 'every-region-unhealthy' };
  }
  return { failOpen: false };
}

// ------------------------------------------------------------------------------------------------
// The store
// ------------------------------------------------------------------------------------------------

export type SwitchValue = 'on' | 'off';

/** The two keys the switch reads, as found in the store (undefined: key absent). */
export interface SwitchSnapshot {
  /** `adm:failopen`: what the edge applies. */
  readonly value?: string;
  /** `adm:failopen:verdict`: the verdict the switch last applied. */
  readonly lastVerdict?: string;
}

export interface KeyPut {
  readonly key: string;
  readonly value: SwitchValue;
}

/**
 * What to write so that the store follows the verdict: nothing when the verdict is the one last
 * applied (a value forced by hand holds until the verdict changes) and `adm:failopen` holds a value
 * the edge understands; otherwise the keys whose value differs. No verdict, no write.
 */
export function planSwitch(verdict: Verdict | undefined, snapshot: SwitchSnapshot): KeyPut[] {
  if (!verdict) return [];
  const next: SwitchValue = verdict.failOpen ? 'on' : 'off';
  const valid = snapshot.value === 'on' || snapshot.value === 'off';
  if (snapshot.lastVerdict === next && valid) return [];
  const puts: KeyPut[] = [];
  if (snapshot.value !== next) puts.push({ key: KVS_FAIL_OPEN, value: next });
  if (snapshot.lastVerdict !== next) puts.push({ key: KVS_FAIL_OPEN_VERDICT, value: next });
  return puts;
}

/**
 * Whether the edge lets fail-open classes through with this `adm:failopen` value. The gate compares
 * with "on"; a missing key fails its read, and a failed read applies each class's own policy, which
 * opens the fail-open classes too.
 */
export function effectiveFailOpen(value: string | undefined): boolean {
  return value === undefined || value === 'on';
}

// ------------------------------------------------------------------------------------------------
// Settings (one JSON environment variable, written by AdmissionFailOpenSwitch)
// ------------------------------------------------------------------------------------------------

/** The alarms one application Region contributes. */
export interface FailOpenRegionSetting {
  readonly region: string;
  /** ARN of the Region's stuck-cursor alarm (`AdmissionControl.stuckCursorAlarm`). */
  readonly stuckCursorAlarmArn: string;
  /** ARNs of the Region's health alarms, metric or composite (ALARM = unhealthy). */
  readonly healthAlarmArns: readonly string[];
}

export interface FailOpenSettings {
  /** Event of the gate: the `EventId` dimension of the FailOpen metric. */
  readonly eventId: string;
  /** The edge gate's KeyValueStore. */
  readonly kvsArn: string;
  /** Every application Region, each with its alarms. */
  readonly regions: readonly FailOpenRegionSetting[];
}

export const FAIL_OPEN_SETTINGS_ENV = 'FAIL_OPEN_SETTINGS';

/** DescribeAlarms takes at most this many names in one call (CloudWatch API reference). */
export const DESCRIBE_ALARMS_MAX_NAMES = 100;

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;
const KVS_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/;

/** Region and name of a CloudWatch alarm ARN, or undefined when it is not one. */
export function parseAlarmArn(arn: string): { readonly region: string; readonly name: string } | undefined {
  const m = ALARM_ARN.exec(arn);
  return m ? { region: m[1], name: m[3] } : undefined;
}

/**
 * Every problem with the settings, each naming the field, the value and the fix. Values the caller
 * cannot know yet (CDK tokens) are skipped by passing `isUnresolved`.
 */
export function failOpenSettingsProblems(
  s: FailOpenSettings,
  isUnresolved: (value: string) => boolean = () => false,
): string[] {
  const problems: string[] = [];
  if (!isUnresolved(s.eventId) && !ADMISSION_ID_PATTERN.test(s.eventId)) {
    problems.push(`eventId is "${s.eventId}". Fix: use the edge gate's event id, 1-64 of [A-Za-z0-9_-]`);
  }
  if (!isUnresolved(s.kvsArn) && !KVS_ARN.test(s.kvsArn)) {
    problems.push(`kvsArn is "${s.kvsArn}". Fix: use the edge gate's KeyValueStore ARN`);
  }
  if (s.regions.length === 0) {
    problems.push('regions is empty. Fix: list every application Region with its stuck-cursor alarm');
  }
  const seen = new Set<string>();
  s.regions.forEach((r, i) => {
    const where = `regions[${i}]`;
    if (!isUnresolved(r.region) && !REGION_NAME.test(r.region)) {
      problems.push(`${where}.region is "${r.region}". Fix: use a Region name, e.g. "eu-west-3"`);
    }
    if (seen.has(r.region)) problems.push(`${where}.region ${r.region} is listed twice. Fix: keep one`);
    seen.add(r.region);
    const arns: [string, string][] = [
      [`${where}.stuckCursorAlarmArn`, r.stuckCursorAlarmArn],
      ...r.healthAlarmArns.map((a, j): [string, string] => [`${where}.healthAlarmArns[${j}]`, a]),
    ];
    for (const [field, arn] of arns) {
      if (isUnresolved(arn)) continue;
      const parsed = parseAlarmArn(arn);
      if (!parsed) {
        problems.push(
          `${field} is "${arn}", not a CloudWatch alarm ARN. Fix: use arn:aws:cloudwatch:<region>:<account>:alarm:<name>`,
        );
      } else if (REGION_NAME.test(r.region) && parsed.region !== r.region) {
        problems.push(
          `${field} names an alarm of ${parsed.region}, but the entry is for ${r.region}. Fix: list each alarm under its own Region`,
        );
      }
    }
    if (arns.length > DESCRIBE_ALARMS_MAX_NAMES) {
      problems.push(
        `${where} lists ${arns.length} alarms, over the ${DESCRIBE_ALARMS_MAX_NAMES} DescribeAlarms reads at once. Fix: combine health alarms into a composite alarm`,
      );
    }
  });
  return problems;
}

/** The settings from their JSON, checked; throws naming what is wrong. */
export function parseFailOpenSettings(json: string): FailOpenSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(
      `${FAIL_OPEN_SETTINGS_ENV} is not JSON. Fix: deploy the function with AdmissionFailOpenSwitch`,
    );
  }
  const o = raw as Partial<Record<keyof FailOpenSettings, unknown>> | null;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const regions = Array.isArray(o?.regions) ? (o.regions as unknown[]) : undefined;
  const settings: FailOpenSettings = {
    eventId: typeof o?.eventId === 'string' ? o.eventId : '',
    kvsArn: typeof o?.kvsArn === 'string' ? o.kvsArn : '',
    regions: (regions ?? []).map((value) => {
      const r = value as Partial<Record<keyof FailOpenRegionSetting, unknown>> | null;
      return {
        region: typeof r?.region === 'string' ? r.region : '',
        stuckCursorAlarmArn: typeof r?.stuckCursorAlarmArn === 'string' ? r.stuckCursorAlarmArn : '',
        healthAlarmArns: strings(r?.healthAlarmArns) ? r.healthAlarmArns : [],
      };
    }),
  };
  const problems = failOpenSettingsProblems(settings);
  if (problems.length) throw new Error(`${FAIL_OPEN_SETTINGS_ENV}: ${problems.join('; ')}`);
  return settings;
}

// ------------------------------------------------------------------------------------------------
// What woke the switch
// ------------------------------------------------------------------------------------------------

/**
 * Why the switch runs. Whatever the trigger, it reads every alarm's state itself: an event only
 * says "look now", so a lost, late, duplicated or forged event can never decide anything.
 */
export type Trigger =
  | {
      readonly kind: 'alarm';
      readonly alarmArn: string;
      readonly state: AlarmState;
      readonly previousState?: AlarmState;
    }
  | { readonly kind: 'schedule' }
  | { readonly kind: 'other' };

const isAlarmState = (v: unknown): v is AlarmState =>
  typeof v === 'string' && (ALARM_STATES as readonly string[]).includes(v);

/**
 * The trigger of an invocation: a "CloudWatch Alarm State Change" event (forwarded from an
 * application Region), the reconcile schedule, or anything else (an operator's test invocation).
 * A state-change event without an alarm ARN or a known state is refused: it is not what CloudWatch
 * sends.
 */
export function parseTrigger(event: unknown): Trigger {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  if (e.source === 'aws.cloudwatch' && e['detail-type'] === 'CloudWatch Alarm State Change') {
    const resources = Array.isArray(e.resources) ? (e.resources as unknown[]) : [];
    const arn = resources.find((r): r is string => typeof r === 'string' && parseAlarmArn(r) !== undefined);
    const detail = (typeof e.detail === 'object' && e.detail !== null ? e.detail : {}) as Record<
      string,
      { value?: unknown } | undefined
    >;
    const state = detail.state?.value;
    const previous = detail.previousState?.value;
    if (!arn || !isAlarmState(state)) {
      throw new Error(
        'a CloudWatch Alarm State Change event without an alarm ARN in resources or a known detail.state.value',
      );
    }
    return {
      kind: 'alarm',
      alarmArn: arn,
      state,
      previousState: isAlarmState(previous) ? previous : undefined,
    };
  }
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') return { kind: 'schedule' };
  return { kind: 'other' };
}
