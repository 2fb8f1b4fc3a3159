import { App, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import { NagRuleCompliance } from 'cdk-nag';
import { BackupPlanOffsiteLocked } from '../../../lib/compliance/resilience/rules';
import { testApp } from '../../helpers/synth';

const lock = {
  minRetention: Duration.days(7),
  maxRetention: Duration.days(400),
  changeableFor: Duration.days(3),
};

function plan(options: {
  localLock: boolean;
  copyRegion?: string;
  remoteLock?: boolean;
  airGapped?: boolean;
  unresolvedAccount?: boolean;
}) {
  const app: App = testApp();
  const env = (region: string) => ({
    account: options.unresolvedAccount ? undefined : '111111111111',
    region,
  });
  const remote = new Stack(app, 'Remote', { env: env('eu-west-1') });
  if (options.airGapped) {
    new backup.CfnLogicallyAirGappedBackupVault(remote, 'AirGapped', {
      backupVaultName: 'Offsite',
      minRetentionDays: 7,
      maxRetentionDays: 400,
    });
  } else {
    new backup.BackupVault(remote, 'Offsite', {
      backupVaultName: 'Offsite',
      lockConfiguration: options.remoteLock === false ? undefined : lock,
    });
  }
  const home = new Stack(app, 'Home', { env: env('eu-west-3') });
  const vault = new backup.BackupVault(home, 'Vault', {
    lockConfiguration: options.localLock ? lock : undefined,
  });
  const copyTarget = backup.BackupVault.fromBackupVaultArn(
    home,
    'CopyTarget',
    home.formatArn({
      service: 'backup',
      region: options.copyRegion ?? 'eu-west-1',
      resource: 'backup-vault',
      resourceName: 'Offsite',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  const p = new backup.BackupPlan(home, 'Plan', { backupVault: vault });
  p.addRule(
    new backup.BackupPlanRule({
      scheduleExpression: events.Schedule.cron({ hour: '2', minute: '0' }),
      deleteAfter: Duration.days(35),
      copyActions:
        options.copyRegion === 'none'
          ? []
          : [{ destinationBackupVault: copyTarget, deleteAfter: Duration.days(35) }],
    }),
  );
  return p.node.defaultChild as backup.CfnBackupPlan;
}

describe('RempartResilience-BackupPlanOffsiteLocked', () => {
  it('passes a plan in a locked vault that copies to a locked vault in another Region', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true }))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('passes when the account is left unresolved (offline synth)', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true, unresolvedAccount: true }))).toBe(
      NagRuleCompliance.COMPLIANT,
    );
  });

  it('passes a copy into a logically air-gapped vault', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true, airGapped: true }))).toBe(
      NagRuleCompliance.COMPLIANT,
    );
  });

  it('fires [CrossRegionCopy] without a copy action', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true, copyRegion: 'none' }))).toEqual([
      'CrossRegionCopy',
    ]);
  });

  it('fires [CrossRegionCopy] when the copy stays in the same Region', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true, copyRegion: 'eu-west-3' }))).toEqual([
      'CrossRegionCopy',
    ]);
  });

  it('fires [TargetVaultLock] when the plan vault is not locked', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: false }))).toEqual(['TargetVaultLock']);
  });

  it('fires [CopyVaultLock] when the off-site vault is not locked', () => {
    expect(BackupPlanOffsiteLocked(plan({ localLock: true, remoteLock: false }))).toEqual(['CopyVaultLock']);
  });

  it('does not apply to a vault', () => {
    const p = plan({ localLock: true });
    const vault = p.stack.node
      .findAll()
      .find((c) => c instanceof backup.CfnBackupVault) as backup.CfnBackupVault;
    expect(BackupPlanOffsiteLocked(vault)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
