// CrossRegionBackup and OffsiteBackupVault: daily and continuous AWS Backup plans in each
// application Region, every recovery point copied to a locked vault in a third Region (the
// Strasbourg lesson: backups on the same campus burn with it).
import { App, Duration, Stack } from 'aws-cdk-lib';
import { CrossRegionBackup, DataKey, OffsiteBackupVault } from '../lib'; // in your app: from 'rempart'

const VAULT_NAME = 'MyService-Offsite';
// Compliance mode: after 3 days nobody, the root user included, can shorten it or delete early.
const LOCK = { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 };

export function crossRegionBackupExample(app: App): { offsite: Stack; paris: Stack } {
  const offsite = new Stack(app, 'OffsiteBackupVaultExample', { env: { region: 'eu-west-1' } });
  new OffsiteBackupVault(offsite, 'Vault', {
    vaultName: VAULT_NAME,
    encryptionKey: new DataKey(offsite, 'VaultKey', { description: 'Off-site backup copies' }).key,
    lock: LOCK,
  });

  const paris = new Stack(app, 'CrossRegionBackupExample', { env: { region: 'eu-west-3' } });
  new CrossRegionBackup(paris, 'Backup', {
    // Tag your tables and buckets with it: Tags.of(table).add('backup', 'daily').
    selectionTag: { key: 'backup', value: 'daily' },
    // By name, not by reference: no cross-Region export to lock the two stacks together.
    copyTargetVaultArns: [OffsiteBackupVault.vaultArn(paris, 'eu-west-1', VAULT_NAME)],
    retention: Duration.days(35),
    lock: LOCK,
  });
  paris.addStackDependency(offsite);
  return { offsite, paris };
}
