export * from './default-config';
export * from './load-config';
export * from './schema';
export type { EdgeSection, WorkloadEdgeSection } from './sections/edge';
export type { RecoveryObjectives, ResilienceSection } from './sections/resilience';
export { failoverDetectionSeconds, objectivesInSeconds } from './sections/resilience';
