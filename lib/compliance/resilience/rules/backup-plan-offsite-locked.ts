import type { CfnResource } from 'aws-cdk-lib';
import { CfnBackupPlan, CfnBackupVault, CfnLogicallyAirGappedBackupVault } from 'aws-cdk-lib/aws-backup';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import {
  allResources,
  asArray,
  field,
  flatten,
  logicalIdOf,
  mentions,
  regionOf,
  resolveIn,
} from '../private/cfn';

// The account may be a literal or, in an environment-agnostic app, the flattened `<AWS::AccountId>`.
const VAULT_ARN = /:backup:([a-z]{2}(?:-[a-z]+)+-\d):(?:<[^>]*>|[^:]*):backup-vault:([^:]+)$/;

/**
 * Every backup plan keeps its recovery points where one fire cannot reach them (the Strasbourg
 * lesson): each rule copies to a vault in another Region, the plan's own vault has a Vault Lock,
 * and the copy target is a locked vault (or a logically air-gapped one) that this app defines, so
 * that the lock can be read in the templates. Granular findings: `[CrossRegionCopy]`,
 * `[TargetVaultLock]`, `[CopyVaultLock]`.
 */
export function BackupPlanOffsiteLocked(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnBackupPlan)) return NagRuleCompliance.NOT_APPLICABLE;
  const plan = resolveIn(node, node.backupPlan);
  const rules = asArray(field(plan, 'backupPlanRule'));
  const home = regionOf(node);
  const resources = allResources(node);
  const findings = new Set<string>();
  if (rules.length === 0) findings.add('CrossRegionCopy');

  for (const rule of rules) {
    const target = flatten(field(rule, 'targetBackupVault'));
    const ownVault = resources.find(
      (r): r is CfnBackupVault =>
        r instanceof CfnBackupVault &&
        r.stack === node.stack &&
        (mentions(target, logicalIdOf(r)) || resolveIn(r, r.backupVaultName) === target),
    );
    if (!ownVault || !isLocked(ownVault)) findings.add('TargetVaultLock');

    const offsite = asArray(field(rule, 'copyActions'))
      .map((copy) => VAULT_ARN.exec(flatten(field(copy, 'destinationBackupVaultArn'))))
      .filter((m): m is RegExpExecArray => m !== null && (home === undefined || m[1] !== home));
    if (offsite.length === 0) {
      findings.add('CrossRegionCopy');
      continue;
    }
    const lockedCopy = offsite.some(([, region, name]) =>
      resources.some(
        (r) =>
          regionOf(r) === region &&
          ((r instanceof CfnBackupVault && resolveIn(r, r.backupVaultName) === name && isLocked(r)) ||
            (r instanceof CfnLogicallyAirGappedBackupVault && resolveIn(r, r.backupVaultName) === name)),
      ),
    );
    if (!lockedCopy) findings.add('CopyVaultLock');
  }
  return findings.size ? [...findings] : NagRuleCompliance.COMPLIANT;
}

function isLocked(vault: CfnBackupVault): boolean {
  const lock = resolveIn(vault, vault.lockConfiguration);
  return typeof field(lock, 'minRetentionDays') === 'number';
}
