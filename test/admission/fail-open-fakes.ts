/**
 * In-memory stand-ins for the two AWS APIs the fail-open switch calls, behind the switch's real
 * adapters: CloudWatch DescribeAlarms (per Region, with its pagination and its habit of returning
 * composite alarms only when asked) and the CloudFront KeyValueStore API (store-wide ETag,
 * conditional UpdateKeys, ResourceNotFound on a missing key). The store shares its entries with the
 * CloudFront Functions runtime stand-in, so a test can run the real gate against what the switch wrote.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import {
  ConflictException,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  ResourceNotFoundException,
  UpdateKeysCommand,
  type CloudFrontKeyValueStoreClient,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { AlarmState } from '../../lambda/admission-edge/domain/fail-open';
import { KeyValueStoreStandIn } from '../helpers/cloudfront-runtime';

export const ACCOUNT = '111111111111';
export const alarmArn = (region: string, name: string) =>
  `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`;

interface FakeAlarm {
  readonly type: 'MetricAlarm' | 'CompositeAlarm';
  state: AlarmState;
}

/** CloudWatch in several Regions: alarms by name, Regions that can be made unreachable. */
export class FakeCloudWatch {
  private readonly regions = new Map<string, Map<string, FakeAlarm>>();
  /** Regions whose API does not answer (the call fails as a network timeout would). */
  public readonly down = new Set<string>();
  /** Every DescribeAlarms call, by Region. */
  public readonly calls: { region: string; input: DescribeAlarmsCommand['input'] }[] = [];

  public define(region: string, name: string, type: FakeAlarm['type'], state: AlarmState = 'OK'): string {
    if (!this.regions.has(region)) this.regions.set(region, new Map());
    this.regions.get(region)?.set(name, { type, state });
    return alarmArn(region, name);
  }

  public set(arn: string, state: AlarmState): void {
    const [, , , region, , , name] = arn.split(':');
    const alarm = this.regions.get(region)?.get(name);
    if (!alarm) throw new Error(`no alarm ${arn} in the fake`);
    alarm.state = state;
  }

  /** A client for one Region, as the adapter's factory makes them. */
  public clientFor = (region: string): CloudWatchClient =>
    ({
      send: (command: unknown) => {
        if (!(command instanceof DescribeAlarmsCommand)) {
          return Promise.reject(new Error(`the switch only calls DescribeAlarms, not ${String(command)}`));
        }
        this.calls.push({ region, input: command.input });
        if (this.down.has(region)) {
          return Promise.reject(
            Object.assign(new Error(`connect ETIMEDOUT monitoring.${region}`), { name: 'TimeoutError' }),
          );
        }
        return Promise.resolve(this.describe(region, command.input));
      },
    }) as unknown as CloudWatchClient;

  private describe(region: string, input: DescribeAlarmsCommand['input']): DescribeAlarmsCommandOutput {
    // As the API does: no AlarmTypes means metric alarms only.
    const types = input.AlarmTypes ?? ['MetricAlarm'];
    const found = [...(this.regions.get(region) ?? new Map<string, FakeAlarm>()).entries()]
      .filter(([name, a]) => (input.AlarmNames ?? []).includes(name) && types.includes(a.type))
      .sort(([x], [y]) => x.localeCompare(y));
    const pageSize = Math.min(input.MaxRecords ?? 50, 2); // small pages, so that pagination is exercised
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = found.slice(start, start + pageSize);
    const alarm = ([name, a]: [string, FakeAlarm]) => ({
      AlarmName: name,
      AlarmArn: alarmArn(region, name),
      StateValue: a.state,
    });
    return {
      $metadata: {},
      MetricAlarms: page.filter(([, a]) => a.type === 'MetricAlarm').map(alarm),
      CompositeAlarms: page.filter(([, a]) => a.type === 'CompositeAlarm').map(alarm),
      NextToken: start + pageSize < found.length ? String(start + pageSize) : undefined,
    };
  }
}

/**
 * The KeyValueStore API over a runtime stand-in's entries: one ETag for the whole store, changed by
 * every write, and UpdateKeys refused with ConflictException unless IfMatch is the current ETag.
 */
export class FakeKeyValueStoreApi {
  private version = 1;
  /** Keys written by UpdateKeys, one list per accepted call. */
  public readonly updates: string[][] = [];
  public rejectedUpdates = 0;
  /** Runs just before an UpdateKeys is checked: lets a test slip in another writer. */
  public beforeUpdate?: () => void;

  constructor(
    public readonly kvsArn: string,
    public readonly store: KeyValueStoreStandIn = new KeyValueStoreStandIn(),
  ) {}

  public get etag(): string {
    return `ETAG${this.version}`;
  }

  /** Someone else's write (an operator's put-key, a deployment): the ETag moves. */
  public putByHand(key: string, value: string): void {
    this.store.entries.set(key, value);
    this.version++;
  }

  public client = {
    send: (command: unknown): Promise<unknown> => {
      if (command instanceof DescribeKeyValueStoreCommand) {
        this.check(command.input.KvsARN);
        return Promise.resolve({
          $metadata: {},
          ETag: this.etag,
          KvsARN: this.kvsArn,
          ItemCount: this.store.entries.size,
        });
      }
      if (command instanceof GetKeyCommand) {
        this.check(command.input.KvsARN);
        const value = this.store.entries.get(command.input.Key ?? '');
        if (value === undefined) {
          return Promise.reject(new ResourceNotFoundException({ message: 'Key not found', $metadata: {} }));
        }
        return Promise.resolve({ $metadata: {}, Key: command.input.Key, Value: value });
      }
      if (command instanceof UpdateKeysCommand) {
        this.check(command.input.KvsARN);
        this.beforeUpdate?.();
        if (command.input.IfMatch !== this.etag) {
          this.rejectedUpdates++;
          return Promise.reject(
            new ConflictException({ message: 'Resource is not in expected state', $metadata: {} }),
          );
        }
        for (const p of command.input.Puts ?? []) this.store.entries.set(p.Key ?? '', p.Value ?? '');
        for (const d of command.input.Deletes ?? []) this.store.entries.delete(d.Key ?? '');
        this.updates.push((command.input.Puts ?? []).map((p) => p.Key ?? ''));
        this.version++;
        return Promise.resolve({ $metadata: {}, ETag: this.etag });
      }
      return Promise.reject(new Error(`the switch does not call ${String(command)}`));
    },
  } as unknown as CloudFrontKeyValueStoreClient;

  private check(arn: string | undefined): void {
    if (arn !== this.kvsArn) throw new Error(`wrong store ${String(arn)}`);
  }
}

/** A "CloudWatch Alarm State Change" event as EventBridge delivers it (AWS CloudWatch User Guide). */
export function alarmStateChange(
  arn: string,
  state: AlarmState,
  previous: AlarmState,
  options: { readonly composite?: boolean; readonly time?: string } = {},
): Record<string, unknown> {
  const [, , , region, account, , name] = arn.split(':');
  const time = options.time ?? '2027-01-14T09:05:40Z';
  const reason =
    state === 'ALARM'
      ? 'Threshold Crossed: 2 datapoints were greater than the threshold'
      : 'Threshold Crossed: no datapoint was greater than the threshold';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time,
    region,
    resources: [arn],
    detail: {
      alarmName: name,
      state: { value: state, reason, timestamp: '2027-01-14T09:05:40.985+0000' },
      previousState: { value: previous, reason: 'previous', timestamp: '2027-01-14T09:03:40.985+0000' },
      configuration: options.composite
        ? { alarmRule: 'ALARM("a") OR ALARM("b")', description: 'Region health' }
        : {
            description: 'stuck cursor',
            metrics: [
              {
                id: 'm1',
                metricStat: {
                  metric: {
                    namespace: 'Rempart/Admission',
                    name: 'CursorLagSeconds',
                    dimensions: { service: 'admission', EventId: 'opening-2027-01-14' },
                  },
                  period: 60,
                  stat: 'Maximum',
                },
                returnData: true,
              },
            ],
          },
    },
  };
}

/** The reconcile schedule's event (EventBridge "Scheduled Event"). */
export function scheduledEvent(ruleArn: string): Record<string, unknown> {
  return {
    version: '0',
    id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: '2027-01-14T09:06:00Z',
    region: 'us-east-1',
    resources: [ruleArn],
    detail: {},
  };
}
