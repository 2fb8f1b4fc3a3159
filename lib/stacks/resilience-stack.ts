import { Duration, Tags } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { RempartConfig } from '../config/schema';
import { objectivesInSeconds } from '../config/sections/resilience';
import { ChaosExperiments } from '../constructs/chaos-experiments/chaos-experiments';
import { CrossRegionBackup } from '../constructs/cross-region-backup/cross-region-backup';
import { OffsiteBackupVault } from '../constructs/cross-region-backup/offsite-backup-vault';
import { RegionalObservability } from '../constructs/observability/regional-observability';
import { RegionalFailover, RegionalRouting } from '../constructs/regional-failover/regional-failover';
import { ResiliencePolicy } from '../constructs/resilience-policy/resilience-policy';
import type { BookingApiStack } from './booking-api-stack';
import type { BookingDataStack } from './booking-data-stack';
import type { EntDataStack } from './ent-data-stack';
import type { EntServiceStack } from './ent-service-stack';
import { RempartStack, type RempartStackProps } from './rempart-stack';

/** Tag keys by which backups and drills find their resources (no cross-stack reference needed). */
export const RESILIENCE_TAG_KEYS = {
  /** "booking" or "ent" on every resource of a workload stack. */
  workload: 'rempart:workload',
  /** "queue-worker" on the functions that drain a queue: targets of the Lambda drills. */
  fisTarget: 'rempart:fis-target',
} as const;

export const QUEUE_WORKER_TAG_VALUE = 'queue-worker';

/** Physical name of the off-site vault in the witness Region; application Regions copy into it. */
export function offsiteVaultName(config: RempartConfig): string {
  return `${config.service.name}-Offsite`;
}

/** What the booking workload of this Region exposes to monitoring, failover and drills. */
export interface BookingResilienceTargets {
  readonly restApi: apigw.IRestApi;
  /** @default "prod" */
  readonly stageName?: string;
  /**
   * DNS name Route 53 answers with for `<edge.booking.originLabel>.<booking domain>` in this Region.
   * The write record is made here, so that every critical alarm of the Region drives it (the API's
   * RegionalApiOrigin runs with `writeRecord: false`). @default no record
   */
  readonly apiOriginTarget?: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly worker: lambda.IFunction;
  readonly workerTimeout: Duration;
  readonly table: dynamodb.ITableV2;
  /**
   * The worker's AWS_FIS_CONFIGURATION_LOCATION (S3 ARN of bucket and prefix), set when the worker
   * runs the AWS FIS Lambda extension. @default - no function fault or queue impairment drill
   */
  readonly faultConfigLocationArn?: string;
}

/** What the ENT workload of this Region exposes to monitoring, failover and drills. */
export interface EntResilienceTargets {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly service: Pick<ecs.IBaseService, 'serviceName'> & {
    readonly cluster: Pick<ecs.ICluster, 'clusterName'>;
  };
  /** DNS name Route 53 answers with for `<edge.ent.originLabel>.<ent domain>` in this Region. @default no record */
  readonly originTarget?: string;
  readonly table?: dynamodb.ITableV2;
  readonly queue?: sqs.IQueue;
  readonly deadLetterQueue?: sqs.IQueue;
  /** Functions draining `queue`, if any. @default none */
  readonly worker?: lambda.IFunction;
  readonly workerTimeout?: Duration;
}

export interface ResilienceStackProps extends RempartStackProps {
  /** The other application Region (replicas there are alarmed for replication latency). */
  readonly peerRegion: string;
  readonly booking?: BookingResilienceTargets;
  readonly ent?: EntResilienceTargets;
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
  public readonly observability: RegionalObservability;
  public readonly backup: CrossRegionBackup;
  /** Per workload ("Booking", "Ent"): alarm-driven health checks and, where owned here, the origin record. */
  public readonly failovers: Record<string, RegionalFailover> = {};
  public readonly drills?: ChaosExperiments;
  public readonly resilienceHub: ResiliencePolicy;

  constructor(scope: Construct, id: string, props: ResilienceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const r = config.resilience;
    const region = this.region;
    const prefix = `${config.service.name}-${region}`;
    const { booking, ent } = props;

    this.observability = new RegionalObservability(this, 'Observability', {
      namePrefix: prefix,
      thresholds: r.alarms,
      alertEmail: config.alerts.email,
      apis: booking ? [{ workload: 'Booking', restApi: booking.restApi, stageName: booking.stageName }] : [],
      queues: [
        ...(booking
          ? [
              {
                workload: 'Booking',
                label: 'Bookings',
                queue: booking.queue,
                deadLetterQueue: booking.deadLetterQueue,
              },
            ]
          : []),
        ...(ent?.queue
          ? [{ workload: 'Ent', label: 'Writes', queue: ent.queue, deadLetterQueue: ent.deadLetterQueue }]
          : []),
      ],
      functions: [
        ...(booking
          ? [
              {
                workload: 'Booking',
                label: 'Worker',
                function: booking.worker,
                timeout: booking.workerTimeout,
              },
            ]
          : []),
        ...(ent?.worker
          ? [
              {
                workload: 'Ent',
                label: 'Worker',
                function: ent.worker,
                timeout: ent.workerTimeout ?? Duration.seconds(30),
              },
            ]
          : []),
      ],
      tables: [
        ...(booking
          ? [
              {
                workload: 'Booking',
                label: 'Bookings',
                table: booking.table,
                replicaRegions: [props.peerRegion],
              },
            ]
          : []),
        ...(ent?.table
          ? [{ workload: 'Ent', label: 'Sessions', table: ent.table, replicaRegions: [props.peerRegion] }]
          : []),
      ],
      webServices: ent
        ? [
            {
              workload: 'Ent',
              loadBalancer: ent.loadBalancer,
              targetGroup: ent.targetGroup,
              service: ent.service,
            },
          ]
        : [],
    });

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
    });

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    // Same names as the edge's origins: "<edge.<workload>.originLabel>.<workload domain>".
    const originName = (label: string, domain: string) => `${label}.${domain}`;
    // One calculated health check per workload, always (Shield health-based detection and ARC can use
    // it); a record only where this stack owns the origin name.
    const failover = (workload: string, record?: { recordName: string; target: string }) => {
      const alarms = this.observability.criticalAlarms[workload] ?? [];
      if (alarms.length === 0) return;
      this.failovers[workload] = new RegionalFailover(this, `${workload}Failover`, {
        hostedZone: zone,
        healthAlarms: alarms,
        records: record ? [record] : [],
        routing: r.failover.routing === 'latency' ? RegionalRouting.LATENCY : RegionalRouting.FAILOVER,
        primary: r.failover.routing === 'failover' ? region === config.regions.primary : undefined,
        ttl: Duration.seconds(r.failover.recordTtlSeconds),
        evacuated: r.failover.evacuatedRegions.includes(region),
      });
    };
    if (booking) {
      const recordName = originName(config.edge.booking.originLabel, config.booking.domainName);
      failover(
        'Booking',
        booking.apiOriginTarget ? { recordName, target: booking.apiOriginTarget } : undefined,
      );
    }
    if (ent) {
      const recordName = originName(config.edge.ent.originLabel, config.ent.domainName);
      failover('Ent', ent.originTarget ? { recordName, target: ent.originTarget } : undefined);
    }

    const workerTag = { [RESILIENCE_TAG_KEYS.fisTarget]: QUEUE_WORKER_TAG_VALUE };
    const guard = this.observability.deadLetterAlarms.slice(0, 5);
    const minutes = (m: number) => Duration.minutes(m);
    const lambdaFaultConfigLocationArn = booking?.faultConfigLocationArn;
    if (ent || booking) {
      this.drills = new ChaosExperiments(this, 'Drills', {
        namePrefix: prefix,
        availabilityZone: props.drillAvailabilityZone ?? `${region}a`,
        targets: {
          subnets: { [RESILIENCE_TAG_KEYS.workload]: 'ent' },
          tasks: { [RESILIENCE_TAG_KEYS.workload]: 'ent' },
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
 * Tags the selections of backups and drills rely on. Called by the app on the workload stacks, so
 * the workload stacks need no knowledge of backup or FIS.
 */
export function applyResilienceTags(
  config: RempartConfig,
  stacks: {
    readonly bookingData: IConstruct;
    readonly bookingApi: IConstruct;
    readonly entData: IConstruct;
    readonly entService: IConstruct;
    readonly queueWorkers?: readonly IConstruct[];
  },
): void {
  const { selectionTagKey, selectionTagValue } = config.resilience.backup;
  for (const stateful of [stacks.bookingData, stacks.entData])
    Tags.of(stateful).add(selectionTagKey, selectionTagValue);
  for (const s of [stacks.bookingData, stacks.bookingApi])
    Tags.of(s).add(RESILIENCE_TAG_KEYS.workload, 'booking');
  for (const s of [stacks.entData, stacks.entService]) Tags.of(s).add(RESILIENCE_TAG_KEYS.workload, 'ent');
  for (const w of stacks.queueWorkers ?? [])
    Tags.of(w).add(RESILIENCE_TAG_KEYS.fisTarget, QUEUE_WORKER_TAG_VALUE);
}

/** One application Region's workload stacks, as the app composes them. */
export interface RegionalWorkloadStacks {
  readonly bookingData: BookingDataStack;
  readonly bookingApi: BookingApiStack;
  readonly entData: EntDataStack;
  readonly entService: EntServiceStack;
}

/**
 * What the resilience stack of a Region reads from its workload stacks. The booking write record is
 * made here from `apiOriginTarget`, driven by every critical alarm of the Region; the ENT is reached
 * through CloudFront VPC origins (no DNS name), so it gets health checks only.
 */
export function regionalResilienceTargets(
  w: RegionalWorkloadStacks,
): Pick<ResilienceStackProps, 'booking' | 'ent' | 'assessedStacks'> {
  return {
    booking: {
      restApi: w.bookingApi.restApi,
      stageName: w.bookingApi.restApi.deploymentStage.stageName,
      queue: w.bookingApi.queue,
      deadLetterQueue: w.bookingApi.deadLetterQueue,
      worker: w.bookingApi.worker.function,
      workerTimeout: Duration.seconds(w.bookingApi.settings.workerTimeoutSeconds),
      table: w.bookingApi.table,
      apiOriginTarget: w.bookingApi.apiOrigin.domain.domainNameAliasDomainName,
      faultConfigLocationArn: w.bookingApi.faultConfigLocationArn,
    },
    ent: {
      loadBalancer: w.entService.loadBalancer,
      targetGroup: w.entService.web.targetGroup,
      service: w.entService.service,
      table: w.entData.sessionsTable,
      queue: w.entService.queue,
      deadLetterQueue: w.entService.deadLetterQueue,
    },
    assessedStacks: [w.bookingData, w.bookingApi, w.entData, w.entService],
  };
}
