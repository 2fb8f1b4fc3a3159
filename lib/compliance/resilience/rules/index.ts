export { BackupPlanOffsiteLocked } from './backup-plan-offsite-locked';
export { DynamoDBGlobalTableDurable } from './dynamodb-global-table-durable';
export { PublicEntryWebACL } from './public-entry-web-acl';
export { SQSDLQAlarm } from './sqs-dlq-alarm';
export { WAFRateLimit } from './waf-rate-limit';
