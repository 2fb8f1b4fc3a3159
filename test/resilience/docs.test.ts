import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  failoverDetectionSeconds,
  HEALTH_CHECK_PROPAGATION_SECONDS,
  METRIC_PUBLICATION_SECONDS,
  probeDetectionBudget,
  ratioDetectionBudget,
} from '../../lib/config/sections/resilience';
import { testConfig } from '../helpers/synth';

// The numbers an auditor reads in docs/resilience.md must be the ones the templates are built from.
// Table cells are compared without their padding, so that reformatting the Markdown does not matter.
const cells = (text: string) => text.replace(/[ \t]*\|[ \t]*/g, '|');
const doc = cells(readFileSync(join(__dirname, '../../docs/resilience.md'), 'utf8'));
const contains = (text: string) => expect(doc).toContain(cells(text));
const r = testConfig().resilience;

describe('docs/resilience.md matches the default configuration', () => {
  it('states each declared RTO/RPO', () => {
    const rows = {
      'Availability Zone (AZ)': r.objectives.az,
      'Infrastructure (Hardware)': r.objectives.infrastructure,
      'Software (Software)': r.objectives.software,
      'Region (Region)': r.objectives.region,
    };
    for (const [label, o] of Object.entries(rows)) {
      contains(`| ${label} | ${o.rtoMinutes} min | ${o.rpoMinutes} min |`);
    }
    contains(`Tier: \`${r.resilienceHub.tier}\``);
  });

  it('states the failover time and its parts, step by step as the configuration computes them', () => {
    for (const step of probeDetectionBudget(r))
      contains(`| ${step.step} | ${step.seconds} | ${step.setting.includes('fixed') ? '' : '`'}`);
    contains(`| metric publication | ${METRIC_PUBLICATION_SECONDS} |`);
    contains(`| Route 53 acting on the health status | ${HEALTH_CHECK_PROPAGATION_SECONDS} |`);
    contains(`| record TTL | ${r.failover.recordTtlSeconds} |`);
    contains(
      `| **total** | **${failoverDetectionSeconds(r)}** | must fit in the Region RTO (${r.objectives.region.rtoMinutes * 60} s)`,
    );
    const ratio = ratioDetectionBudget(r).reduce((a, s) => a + s.seconds, 0);
    contains(`${r.alarms.periodSeconds * r.alarms.evaluationPeriods} s of alarm periods`);
    contains(`= ${ratio} s`);
    expect(failoverDetectionSeconds(r)).toBeLessThanOrEqual(r.objectives.region.rtoMinutes * 60);
  });

  it('states retention, lock, alarm thresholds and drill durations', () => {
    contains(
      `Vault Lock min ${r.vaultLock.minRetentionDays} / max ${r.vaultLock.maxRetentionDays} days, immutable after ${r.vaultLock.changeableForDays} days`,
    );
    contains(`Retention of snapshots and copies: ${r.backupRetentionDays} days`);
    contains(`continuous backup, ${r.backup.continuousRetentionDays} days`);
    contains(`daily snapshot at 0${r.backup.dailyHourUtc}:00 UTC`);
    contains(`alarmed at ${r.alarms.tableReplicationLatencyMs / 1000} s`);
    contains(`oldest-message alarm fires at ${r.alarms.queueOldestMessageAgeSeconds} s`);
    contains(`| \`<service>-<region>-AzPowerInterruption\` | ${r.drills.azPowerInterruptionMinutes} min |`);
    contains(`| \`<service>-<region>-RegionIsolation\` | ${r.drills.regionIsolationMinutes} min |`);
    contains(
      `faults (${r.drills.functionFaultPercent}%) | \`<service>-<region>-FunctionFault\` | ${r.drills.functionFaultMinutes} min |`,
    );
    contains(
      `impairment (${r.drills.queueImpairmentDelayMs} ms delay) | \`<service>-<region>-QueueImpairment\` | ${r.drills.queueImpairmentMinutes} min |`,
    );
  });
});
