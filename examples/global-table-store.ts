// GlobalTableStore and DataKey: a DynamoDB global table (TableV2) with replicas in Paris and
// Frankfurt and a witness in Ireland, point-in-time recovery, deletion protection, and one
// customer-managed key per Region under the same alias.
import { App, Stack } from 'aws-cdk-lib';
import { DataKey, GlobalTableConsistency, GlobalTableStore } from '../lib'; // in your app: from 'rempart'

const KEY_ALIAS = 'alias/my-service/data';

export function globalTableStoreExample(app: App): { paris: Stack; frankfurt: Stack } {
  // Frankfurt holds a replica, so it needs its key first; the Paris stack finds it by alias.
  const frankfurt = new Stack(app, 'GlobalTableStoreExample-eu-central-1', {
    env: { region: 'eu-central-1' },
  });
  new DataKey(frankfurt, 'DataKey', { description: 'Appointments (Frankfurt)', alias: KEY_ALIAS });

  const paris = new Stack(app, 'GlobalTableStoreExample-eu-west-3', { env: { region: 'eu-west-3' } });
  const key = new DataKey(paris, 'DataKey', { description: 'Appointments (Paris)', alias: KEY_ALIAS });
  new GlobalTableStore(paris, 'Appointments', {
    tableName: 'my-service-appointments',
    encryptionKey: key.key,
    // Strong consistency: a write is acknowledged once a second Region holds it (RPO zero). No
    // transactions and no TTL in this mode: design the writes as single-item conditional writes.
    consistency: GlobalTableConsistency.STRONG,
    replicaRegions: ['eu-central-1'],
    witnessRegion: 'eu-west-1',
    // By alias ARN, not by reference: no cross-Region export between the two stacks.
    replicaKeyArns: { 'eu-central-1': GlobalTableStore.keyAliasArn(paris, 'eu-central-1', KEY_ALIAS) },
    // Announced opening: absorb this from the first second instead of doubling from ~4,000 writes/s.
    warmThroughput: { readUnitsPerSecond: 15_000, writeUnitsPerSecond: 16_000 },
  });
  paris.addStackDependency(frankfurt);
  // In another stack of the Frankfurt Region: GlobalTableStore.replicaOf(scope, 'Appointments', {...}).
  return { paris, frankfurt };
}
