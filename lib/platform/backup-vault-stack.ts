import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DEFAULT_BREAK_GLASS_ROLE_NAME } from '../constructs/cross-region-backup/cross-region-backup';
import { OffsiteBackupVault } from '../constructs/cross-region-backup/offsite-backup-vault';
import { DataKey } from '../constructs/data-key/data-key';
import { RempartStack, type RempartStackProps } from './rempart-stack';
import { offsiteVaultName } from './resilience-stack';

/**
 * Props of {@link BackupVaultStack}: those of every Rempart stack; its `env.region` is the witness
 * Region (`regions.witness`).
 */
export type BackupVaultStackProps = RempartStackProps;

/**
 * The witness Region: the locked vault that receives off-site backup copies, far from both
 * application Regions (the Strasbourg lesson).
 */
export class BackupVaultStack extends RempartStack {
  /**
   * Key of the off-site vault; lives in the witness Region with the copies it protects. Usable only
   * through AWS Backup; only the break-glass role may schedule its deletion or disable it.
   */
  public readonly vaultKey: kms.IKey;
  /** The locked vault (compliance mode) and, behind `resilience.backup.airGappedVault`, the air-gapped one. */
  public readonly offsite: OffsiteBackupVault;

  constructor(scope: Construct, id: string, props: BackupVaultStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    this.vaultKey = new DataKey(this, 'VaultKey', {
      description: `Rempart off-site backup vault, ${this.region}`,
      services: ['backup'],
      breakGlassRoleName: DEFAULT_BREAK_GLASS_ROLE_NAME,
    }).key;
    const r = props.config.resilience;
    this.offsite = new OffsiteBackupVault(this, 'OffsiteVault', {
      vaultName: offsiteVaultName(props.config),
      encryptionKey: this.vaultKey,
      lock: r.vaultLock,
      airGapped: r.backup.airGappedVault.enabled,
    });
  }
}
