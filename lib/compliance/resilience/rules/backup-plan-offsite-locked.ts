import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import {
  asArray,
  cfnOf,
  type CfnView,
  field,
  flatten,
  logicalIdOf,
  mentions,
  regionOf,
  resourcesOfType,
} from '../private/cfn';

// The account may be a literal or, in an environment-agnostic app, the flattened `<AWS::AccountId>`.
const VAULT_ARN = /:backup:([a-z]{2}(?:-[a-z]+)+-\d):(?:<[^>]*>|[^:]*):backup-vault:([^:]+)$/;

/**
 * Every backup plan keeps its recovery points where one fire cannot reach them (the Strasbourg
 * lesson): each rule copies to a vault in another Region, the plan's own vault has a Vault Lock,
 * and the copy target is a locked vault (or a logically air-gapped one) that this app defines, so
 * that the lock can be read in the templates. Plans and vaults are found by CloudFormation type.
 * Granular findings: `[CrossRegionCopy]`, `[TargetVaultLock]`, `[CopyVaultLock]`.
 */
export function BackupPlanOffsiteLocked(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Backup::BackupPlan') return NagRuleCompliance.NOT_APPLICABLE;
  const rules = asArray(field(field(cfnOf(node).properties, 'BackupPlan'), 'BackupPlanRule'));
  const home = regionOf(node);
  const vaults = resourcesOfType(node, 'AWS::Backup::BackupVault', node);
  const airGapped = resourcesOfType(node, 'AWS::Backup::LogicallyAirGappedBackupVault', node);
  const findings = new Set<string>();
  if (rules.length === 0) findings.add('CrossRegionCopy');

  for (const rule of rules) {
    const target = flatten(field(rule, 'TargetBackupVault'));
    const ownVault = vaults.find(
      (v) =>
        v.node.stack === node.stack && (mentions(target, logicalIdOf(v.node)) || vaultName(v) === target),
    );
    if (!ownVault || !isLocked(ownVault)) findings.add('TargetVaultLock');

    const offsite = asArray(field(rule, 'CopyActions'))
      .map((copy) => VAULT_ARN.exec(flatten(field(copy, 'DestinationBackupVaultArn'))))
      .filter((m): m is RegExpExecArray => m !== null && (home === undefined || m[1] !== home));
    if (offsite.length === 0) {
      findings.add('CrossRegionCopy');
      continue;
    }
    const lockedCopy = offsite.some(
      ([, region, name]) =>
        vaults.some((v) => regionOf(v.node) === region && vaultName(v) === name && isLocked(v)) ||
        airGapped.some((v) => regionOf(v.node) === region && vaultName(v) === name),
    );
    if (!lockedCopy) findings.add('CopyVaultLock');
  }
  return findings.size ? [...findings] : NagRuleCompliance.COMPLIANT;
}

function vaultName(vault: CfnView): unknown {
  return field(vault.properties, 'BackupVaultName');
}

function isLocked(vault: CfnView): boolean {
  return typeof field(field(vault.properties, 'LockConfiguration'), 'MinRetentionDays') === 'number';
}
