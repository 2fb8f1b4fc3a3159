import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ALARM_STATES, type AlarmState } from '../domain/fail-open';
import type { AlarmStatePort } from '../domain/ports';

/**
 * Alarm states through DescribeAlarms, one client per application Region (the switch runs in the
 * edge Region and reads the alarms where they live). Short timeouts and one retry: a Region that
 * does not answer is itself a signal, and the next run (a minute later) asks again.
 */
export class CloudWatchAlarmStates implements AlarmStatePort {
  private readonly clients = new Map<string, CloudWatchClient>();

  constructor(private readonly clientFor: (region: string) => CloudWatchClient = defaultClient) {}

  public async readAlarmStates(
    region: string,
    names: readonly string[],
  ): Promise<ReadonlyMap<string, AlarmState>> {
    const client = this.client(region);
    const states = new Map<string, AlarmState>();
    let nextToken: string | undefined;
    do {
      const out = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: [...names],
          // Without AlarmTypes, DescribeAlarms returns metric alarms only; Region health is a composite.
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: 100,
          NextToken: nextToken,
        }),
      );
      for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        const state = alarm.StateValue;
        if (alarm.AlarmName && (ALARM_STATES as readonly string[]).includes(state ?? '')) {
          states.set(alarm.AlarmName, state as AlarmState);
        }
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return states;
  }

  private client(region: string): CloudWatchClient {
    let client = this.clients.get(region);
    if (!client) {
      client = this.clientFor(region);
      this.clients.set(region, client);
    }
    return client;
  }
}

function defaultClient(region: string): CloudWatchClient {
  return new CloudWatchClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
}
