// Public API of Rempart as a library: reusable constructs, configuration, workloads, compliance helpers.
// A module re-exported whole (`export *`) is public entirely. Where a module also exports internals
// (for other modules of Rempart and for tests, which import it directly), its public part is listed
// here instead; what is left out, and why, is said next to the list. `npm run docs` (TypeDoc) fails
// on an undocumented export, and on a public signature naming a type that is not exported.
export * from './aws-facts';
// Left out: `deepMerge`, the merge step of `loadConfig()` (the merge rule is documented on
// `LoadConfigOptions.file`).
export {
  ConfigError,
  DEFAULT_CONFIG,
  failoverDetectionSeconds,
  loadConfig,
  objectivesInSeconds,
  rempartConfigSchema,
  synthesisProblem,
  validateConfig,
  type EdgeSection,
  type LoadConfigOptions,
  type RecoveryObjectives,
  type RempartConfig,
  type RempartConfigInput,
  type ResilienceSection,
  type WorkloadEdgeSection,
} from './config';
export type { BudgetInput } from './config/sections/resilience';
export * from './compliance/acknowledge';
export * from './compliance/cloudformation-validation';
export * from './compliance/control-tower';
export * from './compliance/controls';
export * from './compliance/iam-findings';
export * from './compliance/key-policy-check';
export * from './compliance/nag-packs';
export * from './compliance/resilience';
export * from './constructs/access-logs-bucket/access-logs-bucket';
// The waiting room's index lists its public part, and says what it leaves out.
export * from './constructs/admission-control';
export * from './constructs/autoscaled-web-service/autoscaled-web-service';
export * from './constructs/chaos-experiments';
export * from './constructs/cross-region-backup';
export * from './constructs/data-key/data-key';
export * from './constructs/ddos-protection';
export * from './constructs/dead-lettered-queue/dead-lettered-queue';
// Left out: `clientLimitRules`, `ORIGIN_RULE_NAME` and `PATH_TRANSFORMATIONS`, rule builders of
// private/rules.ts shared with RegionalApiOrigin; `EdgeFirewall.rateRules` shows the rules built.
export {
  EdgeFirewall,
  edgeFirewallRulesProblems,
  SECURITY_LOG_MIN_RETENTION_DAYS,
  WRITE_METHODS,
  type AntiDdosSetting,
  type BodySizeLimit,
  type BotControlSetting,
  type ClientLimit,
  type ClientLimits,
  type EdgeFirewallLogging,
  type EdgeFirewallProps,
  type EdgeFirewallRules,
  type HttpMethod,
  type ManagedGroupName,
  type ManagedGroups,
  type ManagedGroupSetting,
  type OriginVerification,
  type RateKey,
  type RateRule,
  type RateScope,
  type RequestScope,
  type SharedAddresses,
} from './constructs/edge-firewall';
export * from './constructs/global-table-store/global-table-store';
export * from './constructs/log-encryption-key/log-encryption-key';
export * from './constructs/observability';
export * from './constructs/oidc-authorizer/oidc-authorizer';
// Left out: `NOT_FOUND_PROBE` and `TOO_LARGE_PROBE`, markers between the API's request and response
// templates (private/templates.ts).
export {
  DEFAULT_ACCOUNT_BURST_QUOTA,
  DEFAULT_MAX_BODY_LENGTH,
  MAX_BODY_LENGTH_LIMIT,
  QueueBackedWriteApi,
  queueBackedWriteApiPropsProblems,
  type DeleteRouteProps,
  type QueueBackedWriteApiProps,
  type QueueWorkerProps,
  type ThrottleProps,
  type WriteAuthorizationProps,
} from './constructs/queue-backed-write-api/queue-backed-write-api';
export * from './constructs/regional-failover';
export * from './constructs/rempart-function/rempart-function';
export * from './constructs/replicated-bucket/replicated-bucket';
export * from './constructs/resilience-policy';
export * from './constructs/resilient-distribution';
export * from './lambda-entry';
export * from './platform/backup-vault-stack';
export * from './platform/edge-stack';
export * from './platform/rempart-stack';
export * from './platform/resilience-stack';
export * from './platform/workload';
export * from './rempart-app';
export * from './workloads';
// Not `./workloads/booking/section`: `bookingSectionSchema` is the booking section's zod schema (see
// ENT); the booking index leaves out the schemas of its section's parts too.
export * from './workloads/booking';
// Left out: the zod schemas of the ENT section (`entSectionSchema`, `entSurgeSchema`, …), as for
// every section: the validated configuration is read through `RempartConfig` / `EntSection`, and
// docs/configuration.md documents each field.
export {
  entCapacity,
  EntDataStack,
  entDefaults,
  entImageProblem,
  entNames,
  entOriginNames,
  entRegionProblems,
  entRegions,
  EntServiceStack,
  entWorkload,
  MIN_PRESCALE_LEAD_MINUTES,
  minutesOfDay,
  schoolMorningSchedules,
  staticStabilityFloor,
  tasksFor,
  type EntCapacity,
  type EntCapacityInput,
  type EntDataStackProps,
  type EntRegion,
  type EntSection,
  type EntServiceStackProps,
} from './workloads/ent';
