// ChaosExperiments: AWS FIS experiment templates for the drills (AZ power interruption, Region
// isolation, and, with the FIS Lambda extension on the workers, function faults and queue
// impairment), each bounded in time and stopped by alarms. FaultConfigBucket is where FIS writes
// the Lambda faults for the workers' extension to read.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ChaosExperiments, FaultConfigBucket } from '../lib'; // in your app: from 'rempart'

export function chaosExperimentsExample(app: App): Stack {
  const stack = new Stack(app, 'ChaosExperimentsExample', { env: { region: 'eu-west-3' } });
  // e.g. RegionalObservability.regionHealth: a drill that really hurts stops at once.
  const regionUnhealthy = cloudwatch.Alarm.fromAlarmName(
    stack,
    'RegionHealth',
    'MyService-eu-west-3-RegionHealth',
  );
  const drill = (minutes: number) => ({
    duration: Duration.minutes(minutes),
    stopConditions: [regionUnhealthy],
  });
  const faultConfig = new FaultConfigBucket(stack, 'FaultConfig');
  new ChaosExperiments(stack, 'Drills', {
    namePrefix: 'MyService-eu-west-3',
    // Targets are found by tag, never by "every resource of the type".
    targets: {
      subnets: { 'my-service:workload': 'portal' },
      tasks: { 'my-service:workload': 'portal' },
      globalTables: { 'my-service:service': 'MyService' },
      workerFunctions: { 'my-service:fis-target': 'queue-worker' },
    },
    availabilityZone: 'eu-west-3a',
    azPowerInterruption: drill(10),
    regionIsolation: drill(15),
    functionFault: { ...drill(10), invocationPercentage: 20 },
    // Give each worker the same location: RempartFunction's faultInjection.configLocation.
    lambdaFaultConfigLocationArn: faultConfig.locationArn,
  });
  return stack;
}
