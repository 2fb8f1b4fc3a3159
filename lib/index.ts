// Public API of Rempart as a library: reusable constructs, configuration types, compliance helpers.
export * from './config';
export * from './compliance/acknowledge';
export * from './compliance/nag-packs';
export * from './constructs/log-encryption-key/log-encryption-key';
export * from './constructs/rempart-function/rempart-function';
export * from './rempart-app';
export * from './stacks/backup-vault-stack';
export * from './stacks/booking-api-stack';
export * from './stacks/booking-data-stack';
export * from './stacks/edge-stack';
export * from './stacks/ent-data-stack';
export * from './stacks/ent-service-stack';
export * from './stacks/rempart-stack';
export * from './constructs/data-key/data-key';
export * from './lambda-entry';
