import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { lockConfiguration, validateLock } from './private/lock';

/** AWS Backup Vault Lock settings, in days. */
export interface VaultLockDays {
  /** Recovery points cannot be deleted before this many days. */
  readonly minRetentionDays: number;
  /** Jobs asking to keep points longer are refused. */
  readonly maxRetentionDays: number;
  /**
   * Grace period after which the lock is immutable (compliance mode): nobody, the root user
   * included, can then delete recovery points early or remove the lock. At least 3.
   */
  readonly changeableForDays: number;
}

/** Props of {@link OffsiteBackupVault}. */
export interface OffsiteBackupVaultProps {
  /** Physical name; application Regions build the copy-target ARN from it, so it is part of the contract. */
  readonly vaultName: string;
  /** Customer-managed key of this Region. */
  readonly encryptionKey: kms.IKey;
  /** Vault Lock of both vaults; the air-gapped vault takes its min and max retention. */
  readonly lock: VaultLockDays;
  /**
   * Also create a logically air-gapped vault (recovery points held in an AWS-owned account, shared
   * back for restore through AWS RAM), named `<vaultName>-AirGapped`. @default false
   */
  readonly airGapped?: boolean;
}

/**
 * The vault that receives copies from the application Regions, in a third Region so that one fire
 * cannot take the data and its backups (Strasbourg, 10 March 2021). Vault Lock in compliance mode,
 * retained when its stack is deleted.
 */
export class OffsiteBackupVault extends Construct {
  /** Deterministic ARN of a vault, for copy actions in other Regions (no cross-Region reference). */
  public static vaultArn(scope: Construct, region: string, vaultName: string): string {
    return Stack.of(scope).formatArn({
      service: 'backup',
      region,
      resource: 'backup-vault',
      resourceName: vaultName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Name of the air-gapped vault that goes with `vaultName`, so that copy rules in other Regions
   * can name it without a cross-Region reference.
   */
  public static airGappedVaultName(vaultName: string): string {
    return `${vaultName}-AirGapped`;
  }

  /** The locked vault named `vaultName`. */
  public readonly vault: backup.BackupVault;
  /** The logically air-gapped vault; undefined unless `airGapped` is true. */
  public readonly airGappedVault?: backup.CfnLogicallyAirGappedBackupVault;

  constructor(scope: Construct, id: string, props: OffsiteBackupVaultProps) {
    super(scope, id);
    validateLock(this.node.path, props.lock);
    this.vault = new backup.BackupVault(this, 'Resource', {
      backupVaultName: props.vaultName,
      encryptionKey: props.encryptionKey,
      lockConfiguration: lockConfiguration(props.lock),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.airGapped) {
      this.airGappedVault = new backup.CfnLogicallyAirGappedBackupVault(this, 'AirGapped', {
        backupVaultName: OffsiteBackupVault.airGappedVaultName(props.vaultName),
        minRetentionDays: props.lock.minRetentionDays,
        maxRetentionDays: props.lock.maxRetentionDays,
      });
      this.airGappedVault.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}
