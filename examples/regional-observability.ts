// RegionalObservability: one Region's alarms, dashboard, encrypted alert topic, and the composite
// "Region healthy" alarm, from the signals you give it.
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { DataKey, GlobalTableStore, InvocationKind, RegionalObservability, RempartFunction } from '../lib'; // in your app: from 'rempart'
import { ALARM_THRESHOLDS } from './alarm-thresholds';

export function regionalObservabilityExample(app: App): Stack {
  const stack = new Stack(app, 'RegionalObservabilityExample', { env: { region: 'eu-west-3' } });
  const timeout = Duration.seconds(10);
  const reader = new RempartFunction(stack, 'Reader', {
    entry: path.join(__dirname, 'handlers/hello.ts'),
    description: 'Reads appointments',
    invocation: InvocationKind.SYNCHRONOUS,
    reservedConcurrentExecutions: 20,
    timeout,
  });
  const keyAlias = 'alias/my-service/data';
  const appointments = new GlobalTableStore(stack, 'Appointments', {
    tableName: 'my-service-appointments',
    encryptionKey: new DataKey(stack, 'DataKey', { description: 'Appointments', alias: keyAlias }).key,
    replicaRegions: ['eu-central-1'],
    replicaKeyArns: { 'eu-central-1': GlobalTableStore.keyAliasArn(stack, 'eu-central-1', keyAlias) },
  });
  // Its `criticalAlarms.Appointments` and the composite `regionHealth` are the verdict to give
  // RegionalFailover (DNS), ChaosExperiments (stop condition) or Shield health-based detection.
  new RegionalObservability(stack, 'Observability', {
    // Alarm names start with it: they are the contract with Route 53, FIS and the runbooks.
    namePrefix: 'MyService-eu-west-3',
    thresholds: ALARM_THRESHOLDS,
    alertEmail: 'oncall@example.fr',
    // The function's timeout: its p99 duration is alarmed at a share of it.
    functions: [{ workload: 'Appointments', label: 'Reader', function: reader.function, timeout }],
    // Replication latency towards each replica Region is alarmed too.
    tables: [
      {
        workload: 'Appointments',
        label: 'Appointments',
        table: appointments.table,
        replicaRegions: ['eu-central-1'],
      },
    ],
  });
  return stack;
}
