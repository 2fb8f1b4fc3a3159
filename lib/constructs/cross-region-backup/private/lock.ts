import { Duration, Token } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type { VaultLockDays } from '../offsite-backup-vault';

export function lockConfiguration(lock: VaultLockDays): backup.LockConfiguration {
  return {
    minRetention: Duration.days(lock.minRetentionDays),
    maxRetention: Duration.days(lock.maxRetentionDays),
    changeableFor: Duration.days(lock.changeableForDays),
  };
}

export function validateLock(path: string, lock: VaultLockDays): void {
  const problems: string[] = [];
  const { minRetentionDays: min, maxRetentionDays: max, changeableForDays: grace } = lock;
  if (![min, max, grace].some((n) => Token.isUnresolved(n))) {
    if (min < 1) problems.push(`lock.minRetentionDays is ${min}. Fix: use at least 1`);
    if (max < min)
      problems.push(`lock.maxRetentionDays (${max}) is below minRetentionDays (${min}). Fix: raise it`);
    if (grace < 3) {
      problems.push(
        `lock.changeableForDays is ${grace}. Fix: use at least 3 (AWS Backup's 72-hour grace period)`,
      );
    }
  }
  if (problems.length) throw new Error(`${path}: ${problems.join('; ')}`);
}
