import { KVS_FAIL_OPEN, KVS_FAIL_OPEN_VERDICT } from '../../lib/constructs/admission-control/contract';
import {
  decideFailOpen,
  effectiveFailOpen,
  failOpenSettingsProblems,
  parseAlarmArn,
  parseFailOpenSettings,
  parseTrigger,
  planSwitch,
  type AlarmReading,
  type FailOpenSettings,
  type RegionReading,
  type Verdict,
} from '../../lambda/admission-edge/domain/fail-open';
import { alarmArn, alarmStateChange, scheduledEvent } from './fail-open-fakes';

const region = (
  name: string,
  stuckCursor: AlarmReading,
  health: AlarmReading[] = ['OK'],
  reachable = true,
): RegionReading => ({ region: name, reachable, stuckCursor, health });
const down = (name: string) => region(name, 'MISSING', ['MISSING'], false);
const P = 'eu-west-3';
const F = 'eu-central-1';

const ON_STUCK: Verdict = { failOpen: true, cause: 'cursor-stuck' };
const ON_UNHEALTHY: Verdict = { failOpen: true, cause: 'every-region-unhealthy' };
const OFF: Verdict = { failOpen: false };

describe('decideFailOpen', () => {
  it.each<[string, RegionReading[], Verdict | undefined]>([
    ['everything OK', [region(P, 'OK'), region(F, 'OK')], OFF],
    // The cursor is global: every controller that runs sees the same lag.
    ['both controllers see the cursor stuck', [region(P, 'ALARM'), region(F, 'ALARM')], ON_STUCK],
    // A dead controller is ALARM (missing data breaches) while the other keeps stepping: not stuck.
    [
      "one Region's controller silent, the other sees the cursor move",
      [region(P, 'ALARM'), region(F, 'OK')],
      OFF,
    ],
    ['the same, the other way round', [region(P, 'OK'), region(F, 'ALARM')], OFF],
    [
      'the only witness says stuck (other alarm not evaluated yet)',
      [region(P, 'ALARM'), region(F, 'INSUFFICIENT_DATA')],
      ON_STUCK,
    ],
    ['the only witness says stuck (other Region unreachable)', [region(P, 'ALARM'), down(F)], ON_STUCK],
    ['the only witness says it moves (other Region unreachable)', [down(P), region(F, 'OK')], OFF],
    [
      'no witness: both alarms just created',
      [region(P, 'INSUFFICIENT_DATA'), region(F, 'INSUFFICIENT_DATA')],
      OFF,
    ],
    ['no witness: stuck-cursor alarms missing (misnamed)', [region(P, 'MISSING'), region(F, 'MISSING')], OFF],
    ['a missing alarm does not outvote a witness', [region(P, 'ALARM'), region(F, 'MISSING')], ON_STUCK],
    ['single-Region deployment, stuck', [region(P, 'ALARM')], ON_STUCK],
    ['single-Region deployment, moving', [region(P, 'OK')], OFF],
    ["one Region's health in ALARM only", [region(P, 'OK', ['ALARM']), region(F, 'OK', ['OK'])], OFF],
    ['every Region unhealthy', [region(P, 'OK', ['ALARM']), region(F, 'OK', ['ALARM'])], ON_UNHEALTHY],
    [
      'a Region is unhealthy if any of its health alarms is',
      [region(P, 'OK', ['OK', 'ALARM']), region(F, 'OK', ['ALARM'])],
      ON_UNHEALTHY,
    ],
    [
      'one Region unhealthy, the other health alarm not evaluated',
      [region(P, 'OK', ['ALARM']), region(F, 'OK', ['INSUFFICIENT_DATA'])],
      OFF,
    ],
    [
      'one Region unhealthy, the other health alarm missing',
      [region(P, 'OK', ['ALARM']), region(F, 'OK', ['MISSING'])],
      OFF,
    ],
    [
      'a Region without health alarms never counts unhealthy',
      [region(P, 'OK', ['ALARM']), region(F, 'OK', [])],
      OFF,
    ],
    // A Region whose CloudWatch does not answer the edge is counted impaired.
    ['one Region unhealthy, the other unreachable', [region(P, 'OK', ['ALARM']), down(F)], ON_UNHEALTHY],
    ['one Region healthy, the other unreachable', [region(P, 'OK', ['OK']), down(F)], OFF],
    [
      'stuck wins over health in the cause',
      [region(P, 'ALARM', ['ALARM']), region(F, 'ALARM', ['ALARM'])],
      ON_STUCK,
    ],
    ['nothing readable: no verdict (hold)', [down(P), down(F)], undefined],
    ['no Region at all: no verdict', [], undefined],
  ])('%s', (_name, readings, expected) => {
    expect(decideFailOpen(readings)).toEqual(expected);
  });
});

describe('planSwitch', () => {
  const put = (key: string, value: 'on' | 'off') => ({ key, value });

  it.each<
    [string, Verdict | undefined, { value?: string; lastVerdict?: string }, ReturnType<typeof planSwitch>]
  >([
    ['first run after deploy, verdict off', OFF, { value: 'off' }, [put(KVS_FAIL_OPEN_VERDICT, 'off')]],
    [
      'first run after deploy, verdict on',
      ON_STUCK,
      { value: 'off' },
      [put(KVS_FAIL_OPEN, 'on'), put(KVS_FAIL_OPEN_VERDICT, 'on')],
    ],
    [
      'verdict turns on',
      ON_UNHEALTHY,
      { value: 'off', lastVerdict: 'off' },
      [put(KVS_FAIL_OPEN, 'on'), put(KVS_FAIL_OPEN_VERDICT, 'on')],
    ],
    [
      'verdict turns off',
      OFF,
      { value: 'on', lastVerdict: 'on' },
      [put(KVS_FAIL_OPEN, 'off'), put(KVS_FAIL_OPEN_VERDICT, 'off')],
    ],
    ['unchanged on: no write', ON_STUCK, { value: 'on', lastVerdict: 'on' }, []],
    ['unchanged off: no write', OFF, { value: 'off', lastVerdict: 'off' }, []],
    // An operator forced a value: it holds until the alarms' verdict changes.
    ['forced on by hand, verdict still off', OFF, { value: 'on', lastVerdict: 'off' }, []],
    ['forced off by hand, verdict still on', ON_STUCK, { value: 'off', lastVerdict: 'on' }, []],
    [
      'forced on by hand, then the verdict turns on',
      ON_STUCK,
      { value: 'on', lastVerdict: 'off' },
      [put(KVS_FAIL_OPEN_VERDICT, 'on')],
    ],
    // A key the edge cannot use is repaired whatever the memory says.
    ['adm:failopen deleted', OFF, { lastVerdict: 'off' }, [put(KVS_FAIL_OPEN, 'off')]],
    ['adm:failopen garbage', ON_STUCK, { value: 'yes', lastVerdict: 'on' }, [put(KVS_FAIL_OPEN, 'on')]],
    ['no verdict: never write', undefined, { value: 'yes' }, []],
  ])('%s', (_name, verdict, snapshot, expected) => {
    expect(planSwitch(verdict, snapshot)).toEqual(expected);
  });
});

describe('effectiveFailOpen (what the gate does with the value)', () => {
  it.each<[string | undefined, boolean]>([
    ['on', true],
    ['off', false],
    // The gate compares with "on": anything else gates.
    ['ON', false],
    // A missing key fails the gate's read, and a failed read opens fail-open classes.
    [undefined, true],
  ])('%s → %s', (value, expected) => {
    expect(effectiveFailOpen(value)).toBe(expected);
  });
});

describe('parseTrigger', () => {
  const stuck = alarmArn(P, 'Rempart-Booking-Api-eu-west-3-AdmissionStuckCursorAlarm-1A2B3C');

  it('reads a real-shaped CloudWatch Alarm State Change event', () => {
    expect(parseTrigger(alarmStateChange(stuck, 'ALARM', 'OK'))).toEqual({
      kind: 'alarm',
      alarmArn: stuck,
      state: 'ALARM',
      previousState: 'OK',
    });
  });

  it('reads the reconcile schedule', () => {
    expect(parseTrigger(scheduledEvent('arn:aws:events:us-east-1:111111111111:rule/x'))).toEqual({
      kind: 'schedule',
    });
  });

  it('takes anything else as an operator invocation', () => {
    expect(parseTrigger({})).toEqual({ kind: 'other' });
    expect(parseTrigger(null)).toEqual({ kind: 'other' });
  });

  it('refuses a state-change event CloudWatch would not send', () => {
    const noArn = { ...alarmStateChange(stuck, 'ALARM', 'OK'), resources: [] };
    expect(() => parseTrigger(noArn)).toThrow(/alarm ARN/);
    const badState = alarmStateChange(stuck, 'ALARM', 'OK');
    (badState.detail as { state: { value: string } }).state.value = 'PANIC';
    expect(() => parseTrigger(badState)).toThrow(/detail.state.value/);
  });
});

describe('fail-open settings', () => {
  const good: FailOpenSettings = {
    eventId: 'opening-2027-01-14',
    kvsArn: 'arn:aws:cloudfront::111111111111:key-value-store/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    regions: [
      {
        region: P,
        stuckCursorAlarmArn: alarmArn(P, 'stuck'),
        healthAlarmArns: [alarmArn(P, 'Rempart-eu-west-3-RegionHealth')],
      },
      { region: F, stuckCursorAlarmArn: alarmArn(F, 'stuck'), healthAlarmArns: [] },
    ],
  };

  it('round-trips through JSON', () => {
    expect(parseFailOpenSettings(JSON.stringify(good))).toEqual(good);
  });

  it('parses alarm ARNs, names with colons included', () => {
    expect(parseAlarmArn(alarmArn(P, 'a:b'))).toEqual({ region: P, name: 'a:b' });
    expect(parseAlarmArn('arn:aws:sns:eu-west-3:111111111111:topic')).toBeUndefined();
  });

  it.each<[string, FailOpenSettings, RegExp]>([
    ['event id', { ...good, eventId: 'a.b' }, /eventId is "a\.b"\. Fix/],
    ['store ARN', { ...good, kvsArn: 'arn:aws:s3:::bucket' }, /kvsArn is "arn:aws:s3:::bucket"\. Fix/],
    ['no Region', { ...good, regions: [] }, /regions is empty\. Fix/],
    [
      'Region name',
      { ...good, regions: [{ ...good.regions[0], region: 'paris' }] },
      /regions\[0\]\.region is "paris"\. Fix/,
    ],
    [
      'Region twice',
      { ...good, regions: [good.regions[0], good.regions[0]] },
      /regions\[1\]\.region eu-west-3 is listed twice\. Fix/,
    ],
    [
      'not an alarm ARN',
      { ...good, regions: [{ ...good.regions[0], stuckCursorAlarmArn: 'stuck' }] },
      /regions\[0\]\.stuckCursorAlarmArn is "stuck", not a CloudWatch alarm ARN\. Fix/,
    ],
    [
      'alarm of another Region',
      { ...good, regions: [{ ...good.regions[0], healthAlarmArns: [alarmArn(F, 'h')] }] },
      /regions\[0\]\.healthAlarmArns\[0\] names an alarm of eu-central-1, but the entry is for eu-west-3\. Fix/,
    ],
    [
      'more alarms than DescribeAlarms reads at once',
      {
        ...good,
        regions: [
          {
            ...good.regions[0],
            healthAlarmArns: Array.from({ length: 100 }, (_, i) => alarmArn(P, `h${i}`)),
          },
        ],
      },
      /regions\[0\] lists 101 alarms, over the 100 DescribeAlarms reads at once\. Fix/,
    ],
  ])('refuses a bad %s, naming the field and the fix', (_name, settings, message) => {
    expect(failOpenSettingsProblems(settings)).toEqual([expect.stringMatching(message)]);
    expect(() => parseFailOpenSettings(JSON.stringify(settings))).toThrow(message);
  });

  it('refuses settings that are not JSON', () => {
    expect(() => parseFailOpenSettings('{')).toThrow(/FAIL_OPEN_SETTINGS is not JSON/);
  });

  it('skips values the caller cannot know yet', () => {
    const token = '${Token[TOKEN.1]}';
    const unresolved = {
      ...good,
      kvsArn: token,
      regions: [{ ...good.regions[0], stuckCursorAlarmArn: token }],
    };
    expect(failOpenSettingsProblems(unresolved, (v) => v === token)).toEqual([]);
  });
});
