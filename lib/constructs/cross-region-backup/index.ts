export * from './cross-region-backup';
export * from './offsite-backup-vault';
