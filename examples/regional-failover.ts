// RegionalFailover: a Region leaves DNS when any of its health alarms fires (or when an operator
// evacuates it), through Route 53 metric health checks combined into one calculated check.
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { RegionalFailover, RegionalRouting } from '../lib'; // in your app: from 'rempart'

export function regionalFailoverExample(app: App): Stack {
  const stack = new Stack(app, 'RegionalFailoverExample', { env: { region: 'eu-central-1' } });
  // e.g. RegionalObservability's alarms of this Region, imported here by name.
  const alarm = (name: string) =>
    cloudwatch.Alarm.fromAlarmName(stack, name, `MyService-eu-central-1-${name}`);
  new RegionalFailover(stack, 'Failover', {
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.fr',
    }),
    // Route 53 reads each alarm's metric, not its state, so say what missing data means.
    healthSignals: [
      // A probe runs every minute whatever the traffic: no data means the Region stopped answering.
      {
        alarm: alarm('Registrations-Probe'),
        whenMissing: route53.InsufficientDataHealthStatusEnum.UNHEALTHY,
      },
      // API errors exist only with traffic: an idle Region is not an unhealthy one.
      {
        alarm: alarm('Registrations-ServerErrors'),
        whenMissing: route53.InsufficientDataHealthStatusEnum.HEALTHY,
      },
    ],
    records: [
      { recordName: 'origin.rdv.example.fr', target: 'abc123.execute-api.eu-central-1.amazonaws.com' },
    ],
    // Both Regions serve; the nearest healthy one answers. FAILOVER makes one of them primary.
    routing: RegionalRouting.LATENCY,
    // Set to true (and deploy) to drain this Region while everything in it keeps running.
    evacuated: false,
  });
  return stack;
}
