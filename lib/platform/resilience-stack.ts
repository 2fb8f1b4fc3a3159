import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../config/schema';
import { objectivesInSeconds } from '../config/sections/resilience';
import { ChaosExperiments } from '../constructs/chaos-experiments/chaos-experiments';
import { CrossRegionBackup } from '../constructs/cross-region-backup/cross-region-backup';
import { OffsiteBackupVault } from '../constructs/cross-region-backup/offsite-backup-vault';
import { RegionalObservability } from '../constructs/observability/regional-observability';
import { RegionalFailover, RegionalRouting } from '../constructs/regional-failover/regional-failover';
import { ResiliencePolicy } from '../constructs/resilience-policy/resilience-policy';
import { RempartStack, type RempartStackProps } from './rempart-stack';
import type { WorkloadRegion, WorkloadResilience } from './workload';

/** Tag keys by which backups and drills find their resources (no cross-stack reference needed). */
export const RESILIENCE_TAG_KEYS = {
  /** "booking" or "ent" on every resource of a workload stack. */
  workload: 'rempart:workload',
  /** "queue-worker" on the functions that drain a queue: targets of the Lambda drills. */
  fisTarget: 'rempart:fis-target',
  /** "true" on the stacks whose subnets and tasks the AZ power-interruption drill cuts. */
  azDrill: 'rempart:fis-az-drill',
} as const;

/**
 * Value of the `RESILIENCE_TAG_KEYS.fisTarget` tag on queue workers: the Lambda drills select their
 * targets by it, so a drill written by hand can find the same functions.
 */
export const QUEUE_WORKER_TAG_VALUE = 'queue-worker';

/** Physical name of the off-site vault in the witness Region; application Regions copy into it. */
export function offsiteVaultName(config: RempartConfig): string {
  return `${config.service.name}-Offsite`;
}

/** Props of {@link ResilienceStack}, one per application Region. */
export interface ResilienceStackProps extends RempartStackProps {
  /** The other application Region (replicas there are alarmed for replication latency). */
  readonly peerRegion: string;
  /** What each workload of this Region asks to be watched, routed and drilled, by workload id. */
  readonly workloads: readonly { readonly id: string; readonly resilience: WorkloadResilience }[];
  /** Stacks of this Region that Resilience Hub assesses (their StackId is exported once; it never changes). */
  readonly assessedStacks: readonly { readonly stackId: string }[];
  /** AZ cut in the AZ power interruption drill. @default "<region>a" */
  readonly drillAvailabilityZone?: string;
}

/**
 * Everything that makes one application Region survivable and provable, apart from the workloads
 * themselves: dashboard and alarms, alert topic, Route 53 health checks and origin records, AWS
 * Backup plans copying to the locked off-site vault, FIS drills and the Resilience Hub policy/app.
 * Workload resources are found by tag (backups, drills) or read from the workload stacks passed in.
 */
export class ResilienceStack extends RempartStack {
  /** Alarms, dashboard, alert topic and the Region health verdict of every workload. */
  public readonly observability: RegionalObservability;
  /** Backup plans of the Region's tagged resources, copied to the off-site vault. */
  public readonly backup: CrossRegionBackup;
  /** Per workload ("Booking", "Ent"): alarm-driven health checks and, where owned here, the origin record. */
  public readonly failovers: Record<string, RegionalFailover> = {};
  /** The FIS drill templates; undefined when the Region has no workload. */
  public readonly drills?: ChaosExperiments;
  /** The Region's recovery objectives and their Resilience Hub app over `assessedStacks`. */
  public readonly resilienceHub: ResiliencePolicy;
  /** Composite alarms paging the alert topic on the workloads' own alarms (`WorkloadResilience.paged`). */
  public readonly pagedAlarms: cloudwatch.CompositeAlarm[] = [];

  constructor(scope: Construct, id: string, props: ResilienceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const r = config.resilience;
    const region = this.region;
    const prefix = `${config.service.name}-${region}`;
    const all = props.workloads.map((w) => w.resilience);

    this.observability = new RegionalObservability(this, 'Observability', {
      namePrefix: prefix,
      thresholds: r.alarms,
      alertEmail: config.alerts.email,
      apis: all.flatMap((w) => w.apis ?? []),
      queues: all.flatMap((w) => w.queues ?? []),
      functions: all.flatMap((w) => w.functions ?? []),
      tables: all.flatMap((w) => w.tables ?? []),
      webServices: all.flatMap((w) => w.webServices ?? []),
      probes: all.flatMap((w) => w.probes ?? []),
      probeTiming: {
        rate: Duration.minutes(r.probes.rateMinutes),
        alarmPeriod: Duration.minutes(r.probes.periodMinutes),
        evaluationPeriods: r.probes.evaluationPeriods,
      },
    });

    // Workload alarms paged outside the Region-health verdict: one composite each, here, so that the
    // workload stack (deployed first) needs no reference to this stack's topic.
    const page = new actions.SnsAction(this.observability.topic);
    for (const w of props.workloads) {
      for (const paged of w.resilience.paged ?? []) {
        if (!/^[A-Z][A-Za-z0-9]{0,63}$/.test(paged.label) || paged.alarms.length === 0) {
          throw new Error(
            `ResilienceStack ${id}: workload ${w.id} pages "${paged.label}" with ${paged.alarms.length} alarm(s). Fix: use a PascalCase label and at least one alarm`,
          );
        }
        const composite = new cloudwatch.CompositeAlarm(this, `${w.id}${paged.label}Alarm`, {
          compositeAlarmName: `${prefix}-${w.id}${paged.label}`,
          alarmDescription: `ALARM: ${w.id} ${paged.label} in ${region}: at least one of its alarms fired (see the dashboard). Not a Region-health signal.`,
          alarmRule: cloudwatch.AlarmRule.anyOf(
            ...paged.alarms.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM)),
          ),
        });
        composite.addAlarmAction(page);
        composite.addOkAction(page);
        this.pagedAlarms.push(composite);
        if (paged.widgets?.length) this.observability.dashboard.addWidgets(...paged.widgets);
      }
    }

    const copyTargets = [OffsiteBackupVault.vaultArn(this, config.regions.witness, offsiteVaultName(config))];
    if (r.backup.airGappedVault.enabled) {
      copyTargets.push(
        OffsiteBackupVault.vaultArn(
          this,
          config.regions.witness,
          OffsiteBackupVault.airGappedVaultName(offsiteVaultName(config)),
        ),
      );
    }
    this.backup = new CrossRegionBackup(this, 'Backup', {
      selectionTag: { key: r.backup.selectionTagKey, value: r.backup.selectionTagValue },
      copyTargetVaultArns: copyTargets,
      retention: Duration.days(r.backupRetentionDays),
      continuousRetention: Duration.days(r.backup.continuousRetentionDays),
      lock: r.vaultLock,
      dailyHourUtc: r.backup.dailyHourUtc,
      // The backup role reads only what the workloads back up, not every table and bucket of the account.
      protectedResources: {
        tableNames: props.workloads.flatMap((w) => w.resilience.backedUp?.tableNames ?? []),
        bucketNames: props.workloads.flatMap((w) => w.resilience.backedUp?.bucketNames ?? []),
      },
    });

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    // One calculated health check per workload, always (Shield health-based detection and ARC can use
    // it); a record only where the workload asks this stack to own its origin name. It follows the
    // workload's health signals only: each says what missing data means (docs/resilience.md).
    for (const w of props.workloads) {
      const signals = this.observability.healthSignals[w.id] ?? [];
      if (signals.length === 0) continue;
      const record = w.resilience.originRecord;
      this.failovers[w.id] = new RegionalFailover(this, `${w.id}Failover`, {
        hostedZone: zone,
        healthSignals: signals,
        records: record ? [record] : [],
        routing: r.failover.routing === 'latency' ? RegionalRouting.LATENCY : RegionalRouting.FAILOVER,
        primary: r.failover.routing === 'failover' ? region === config.regions.primary : undefined,
        ttl: Duration.seconds(r.failover.recordTtlSeconds),
        evacuated: r.failover.evacuatedRegions.includes(region),
      });
    }

    const workerTag = { [RESILIENCE_TAG_KEYS.fisTarget]: QUEUE_WORKER_TAG_VALUE };
    const azDrillTag = { [RESILIENCE_TAG_KEYS.azDrill]: 'true' };
    const guard = this.observability.deadLetterAlarms.slice(0, 5);
    const minutes = (m: number) => Duration.minutes(m);
    const lambdaFaultConfigLocationArn = props.workloads.find((w) => w.resilience.faultConfigLocationArn)
      ?.resilience.faultConfigLocationArn;
    if (props.workloads.length > 0) {
      this.drills = new ChaosExperiments(this, 'Drills', {
        namePrefix: prefix,
        availabilityZone: props.drillAvailabilityZone ?? `${region}a`,
        targets: {
          subnets: azDrillTag,
          tasks: azDrillTag,
          globalTables: { 'rempart:service': config.service.name },
          workerFunctions: workerTag,
        },
        // Losing one AZ must not make the Region unhealthy: that is the abort signal.
        azPowerInterruption: {
          duration: minutes(r.drills.azPowerInterruptionMinutes),
          stopConditions: [this.observability.regionHealth],
        },
        // The Region is expected to go unhealthy here; a message given up on (DLQ) is the abort signal.
        regionIsolation: {
          duration: minutes(r.drills.regionIsolationMinutes),
          stopConditions: guard.length ? guard : [this.observability.regionHealth],
        },
        // FIS Lambda actions need the FIS extension on the targeted workers: without its location
        // (no layer ARN configured for this Region) the templates could only fail at start, so
        // they are not made (docs/runbooks/drill-function-fault.md).
        ...(lambdaFaultConfigLocationArn
          ? {
              lambdaFaultConfigLocationArn,
              functionFault: {
                duration: minutes(r.drills.functionFaultMinutes),
                invocationPercentage: r.drills.functionFaultPercent,
                stopConditions: guard.length ? guard : [this.observability.regionHealth],
              },
              queueImpairment: {
                duration: minutes(r.drills.queueImpairmentMinutes),
                startupDelay: Duration.millis(r.drills.queueImpairmentDelayMs),
                stopConditions: guard.length ? guard : [this.observability.regionHealth],
              },
            }
          : {}),
      });
    }

    this.resilienceHub = new ResiliencePolicy(this, 'ResilienceHub', {
      name: prefix,
      tier: r.resilienceHub.tier,
      assessmentSchedule: r.resilienceHub.assessmentSchedule,
      az: objectivesInSeconds(r.objectives.az),
      infrastructure: objectivesInSeconds(r.objectives.infrastructure),
      software: objectivesInSeconds(r.objectives.software),
      region: objectivesInSeconds(r.objectives.region),
      stackArns: [...props.assessedStacks.map((s) => s.stackId), this.stackId],
    });
  }
}

/**
 * Tags the selections of backups and drills rely on. Called by the app on each workload's stacks, so
 * the workload stacks need no knowledge of backup or FIS.
 */
export function applyResilienceTags(config: RempartConfig, tag: string, region: WorkloadRegion): void {
  const { selectionTagKey, selectionTagValue } = config.resilience.backup;
  for (const stateful of region.statefulStacks) Tags.of(stateful).add(selectionTagKey, selectionTagValue);
  for (const s of region.stacks) {
    Tags.of(s).add(RESILIENCE_TAG_KEYS.workload, tag);
    if (region.resilience.availabilityZones?.length) Tags.of(s).add(RESILIENCE_TAG_KEYS.azDrill, 'true');
  }
  for (const w of region.resilience.queueWorkers ?? [])
    Tags.of(w).add(RESILIENCE_TAG_KEYS.fisTarget, QUEUE_WORKER_TAG_VALUE);
}
