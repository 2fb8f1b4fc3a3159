// Alarm thresholds shared by the examples that use RegionalObservability: Rempart's own defaults
// (resilience.alarms.* in docs/configuration.md). Tune them to your service's traffic.
import type { AlarmThresholds } from '../lib'; // in your app: from 'rempart'

export const ALARM_THRESHOLDS: AlarmThresholds = {
  // Every alarm evaluates 60 s periods and fires after 3 breaching ones.
  periodSeconds: 60,
  evaluationPeriods: 3,
  api5xxPerPeriod: 50,
  apiLatencyP99Ms: 2_000,
  apiThrottlesPerPeriod: 1_000,
  queueDepth: 200_000,
  queueOldestMessageAgeSeconds: 900,
  functionErrorsPerPeriod: 50,
  functionThrottlesPerPeriod: 100,
  functionDurationP99PercentOfTimeout: 80,
  tableThrottlesPerPeriod: 100,
  tableReplicationLatencyMs: 60_000,
  unhealthyHosts: 1,
  serviceCpuPercent: 85,
  service5xxPerPeriod: 50,
  // Share of a health method's answers that are 5xx over the evaluation periods: the Region is unhealthy.
  serverErrorRatio: 0.05,
};
