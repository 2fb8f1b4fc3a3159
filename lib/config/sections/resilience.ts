import { z } from 'zod';
import { isEeaRegion } from '../../aws-facts';
import { dataRegion, positiveInt } from './common';

/** Recovery objectives for one kind of disruption, in minutes (Resilience Hub stores seconds). */
const objectives = z.strictObject({
  /** Recovery time objective: how long the service may be unavailable. */
  rtoMinutes: positiveInt,
  /** Recovery point objective: how much recent data may be lost. 0 means none. */
  rpoMinutes: z.number().int().min(0),
});

/**
 * RTO and RPO for one kind of disruption, in minutes as configured; `objectivesInSeconds()` converts
 * them for Resilience Hub.
 */
export type RecoveryObjectives = z.infer<typeof objectives>;

/** ISO-8601 durations FIS accepts: minutes or hours, e.g. "PT10M". */
const fisMinutes = z
  .number()
  .int()
  .min(1, 'must be at least 1 minute. Fix: use e.g. 10')
  .max(720, 'must be at most 720 minutes (12 h), the longest FIS action. Fix: use e.g. 10');

export const resilienceSectionSchema = z
  .strictObject({
    /** Days a backup copy is kept; the vault lock refuses anything shorter than `vaultLock.minRetentionDays`. */
    backupRetentionDays: positiveInt,
    /** Recovery time objective for the loss of a Region, in minutes (kept for compatibility: same as `objectives.region.rtoMinutes`). */
    regionRtoMinutes: positiveInt,
    /** Recovery point objective for the loss of a Region, in minutes (same as `objectives.region.rpoMinutes`). */
    regionRpoMinutes: z.number().int().min(0),
    backup: z.strictObject({
      /** Daily snapshot, UTC hour (0-23). Off-peak for French users. */
      dailyHourUtc: z.number().int().min(0).max(23),
      /** Continuous backup (point-in-time restore) for the resource types AWS Backup supports it for (S3). Max 35 days, inside the vault lock range. */
      continuousRetentionDays: z
        .number()
        .int()
        .min(1)
        .max(35, 'must be at most 35: AWS Backup keeps continuous backups 35 days at most. Fix: use 35'),
      /** Tag key and value that put a resource into the backup plans. */
      selectionTagKey: z.string().min(1),
      selectionTagValue: z.string().min(1),
      /**
       * Also copy into a logically air-gapped vault (a vault whose recovery points AWS keeps outside
       * this account's control). Off by default: it costs and its restore path goes through AWS RAM.
       */
      airGappedVault: z.strictObject({ enabled: z.boolean() }),
    }),
    /** AWS Backup Vault Lock in compliance mode: once `changeableForDays` pass, nobody (root included) can shorten it. */
    vaultLock: z.strictObject({
      minRetentionDays: positiveInt,
      maxRetentionDays: positiveInt,
      /** Grace period before the lock becomes immutable. AWS requires at least 3 days. */
      changeableForDays: z
        .number()
        .int()
        .min(3, 'must be at least 3: AWS Backup needs a 72-hour grace period. Fix: use 3'),
    }),
    /** Declared objectives, one per Resilience Hub disruption type. */
    objectives: z.strictObject({
      /** Loss of one Availability Zone. */
      az: objectives,
      /** Loss of hardware/infrastructure inside an AZ (hosts, tasks). */
      infrastructure: objectives,
      /** A bad deployment or software fault. */
      software: objectives,
      /** Loss of a whole Region (the Strasbourg fire). */
      region: objectives,
    }),
    resilienceHub: z.strictObject({
      /** Resilience Hub tier of the policy. */
      tier: z.enum(['MissionCritical', 'Critical', 'Important', 'CoreServices', 'NonCritical']),
      /** How often Resilience Hub re-assesses the app. */
      assessmentSchedule: z.enum(['Daily', 'Disabled']),
    }),
    failover: z.strictObject({
      /** latency: both Regions serve, nearest healthy first (active-active). failover: primary first. */
      routing: z.enum(['latency', 'failover']),
      /**
       * Regions taken out of DNS on purpose (evacuation by deployment; see
       * docs/runbooks/region-evacuation.md). Their health checks are synthesized inverted.
       */
      evacuatedRegions: z.array(dataRegion),
      /** TTL of the regional origin records; failover takes about 30 s of health checks plus this. */
      recordTtlSeconds: z
        .number()
        .int()
        .min(5)
        .max(60, 'must be at most 60 s: resolvers would keep sending people to a lost Region. Fix: use 60'),
    }),
    /**
     * The Region probes (CloudWatch Synthetics canaries, one per workload and Region): the signal
     * Route 53 follows that exists whatever the traffic.
     */
    probes: z.strictObject({
      /** Minutes between runs (CloudWatch Synthetics runs at most once a minute). */
      rateMinutes: z.number().int().min(1).max(5),
      /** Alarm period, in minutes; it must hold at least two runs, so that one late metric is not read as missing. */
      periodMinutes: z.number().int().min(1).max(10),
      /** Consecutive periods with under half the runs succeeding before the Region is unhealthy. */
      evaluationPeriods: z.number().int().min(1).max(5),
    }),
    drills: z.strictObject({
      /** Duration of the AZ power interruption drill. */
      azPowerInterruptionMinutes: fisMinutes,
      /** Duration of the region isolation drill (network disruption + replication pause). */
      regionIsolationMinutes: fisMinutes,
      /** Duration of the worker function fault drill. */
      functionFaultMinutes: fisMinutes,
      /** Share of worker invocations that fail during the function fault drill, in percent. */
      functionFaultPercent: z.number().int().min(1).max(100),
      /** Duration of the queue impairment drill (worker slowed, backlog grows). */
      queueImpairmentMinutes: fisMinutes,
      /** Delay added to every worker start during the queue impairment drill, in milliseconds. */
      queueImpairmentDelayMs: z.number().int().min(100).max(900_000),
      /**
       * ARN of the AWS FIS Lambda extension layer version (arm64) per application Region, e.g.
       * `{ "eu-west-3": "arn:aws:lambda:eu-west-3:<AWS-owned account>:layer:aws-fis-extension-arm64:<version>" }`.
       * AWS publishes one per Region (SSM public parameter
       * `/aws/service/fis/lambda-extension/AWS-FIS-extension-arm64/1.x.x`). A Region without an entry
       * gets no extension on its booking worker and no function fault / queue impairment drill.
       */
      lambdaExtensionLayerArns: z.record(z.string(), z.string()).default({}),
    }),
    alarms: z.strictObject({
      /** Evaluation period of every alarm, in seconds (60 is the finest standard resolution). */
      periodSeconds: z.union([z.literal(60), z.literal(300)]),
      /** Consecutive breaching periods before ALARM. */
      evaluationPeriods: z.number().int().min(1).max(10),
      /** API Gateway 5xx responses per period. */
      api5xxPerPeriod: positiveInt,
      /** API Gateway p99 latency, in milliseconds. */
      apiLatencyP99Ms: positiveInt,
      /** Requests API Gateway throttled (429) per period. */
      apiThrottlesPerPeriod: positiveInt,
      /** Visible messages in a work queue. */
      queueDepth: positiveInt,
      /** Age of the oldest message in a work queue, in seconds. */
      queueOldestMessageAgeSeconds: positiveInt,
      /** Worker errors per period. */
      functionErrorsPerPeriod: positiveInt,
      /** Worker throttles per period. */
      functionThrottlesPerPeriod: positiveInt,
      /** Share of the worker timeout that p99 duration may use, in percent. */
      functionDurationP99PercentOfTimeout: z.number().int().min(1).max(100),
      /** Throttled DynamoDB requests per period. */
      tableThrottlesPerPeriod: positiveInt,
      /** Global table replication latency (average), in milliseconds. */
      tableReplicationLatencyMs: positiveInt,
      /** Unhealthy ENT targets behind the load balancer. */
      unhealthyHosts: positiveInt,
      /** ENT service average CPU, in percent. */
      serviceCpuPercent: z.number().int().min(1).max(100),
      /** ENT 5xx responses (load balancer and targets) per period. */
      service5xxPerPeriod: positiveInt,
      /**
       * Share (0-1) of 5xx answers of a health method (booking: POST /api/bookings, whose 5xx a
       * client cannot cause) that makes the Region unhealthy, each period of evaluationPeriods.
       */
      serverErrorRatio: z.number().gt(0).lt(1, 'must be below 1. Fix: use a share, e.g. 0.05'),
    }),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], input: unknown, message: string) =>
      ctx.addIssue({ code: 'custom', path, input, message });
    if (r.vaultLock.minRetentionDays > r.vaultLock.maxRetentionDays) {
      issue(
        ['vaultLock', 'minRetentionDays'],
        r.vaultLock.minRetentionDays,
        `is above vaultLock.maxRetentionDays (${r.vaultLock.maxRetentionDays}); no backup could satisfy the lock. Fix: lower it or raise maxRetentionDays`,
      );
    }
    if (
      r.backupRetentionDays < r.vaultLock.minRetentionDays ||
      r.backupRetentionDays > r.vaultLock.maxRetentionDays
    ) {
      issue(
        ['backupRetentionDays'],
        r.backupRetentionDays,
        `is outside the vault lock range ${r.vaultLock.minRetentionDays}-${r.vaultLock.maxRetentionDays} days; every copy job would fail. Fix: use a value inside vaultLock.minRetentionDays..maxRetentionDays`,
      );
    }
    // Continuous recovery points are copied to the locked off-site vault too, with this retention.
    const continuous = r.backup.continuousRetentionDays;
    if (continuous < r.vaultLock.minRetentionDays || continuous > r.vaultLock.maxRetentionDays) {
      issue(
        ['backup', 'continuousRetentionDays'],
        continuous,
        `is outside the vault lock range ${r.vaultLock.minRetentionDays}-${r.vaultLock.maxRetentionDays} days; the locked vault would refuse every continuous backup copy. Fix: use a value inside vaultLock.minRetentionDays..maxRetentionDays (and at most 35)`,
      );
    }
    if (r.regionRtoMinutes !== r.objectives.region.rtoMinutes) {
      issue(
        ['regionRtoMinutes'],
        r.regionRtoMinutes,
        `differs from objectives.region.rtoMinutes (${r.objectives.region.rtoMinutes}); the docs and Resilience Hub would disagree. Fix: set both to the same value`,
      );
    }
    if (r.regionRpoMinutes !== r.objectives.region.rpoMinutes) {
      issue(
        ['regionRpoMinutes'],
        r.regionRpoMinutes,
        `differs from objectives.region.rpoMinutes (${r.objectives.region.rpoMinutes}). Fix: set both to the same value`,
      );
    }
    // Health checks follow the alarms, so detection takes the alarm evaluation; resolvers then keep
    // the old answer for one TTL. Both must fit inside the Region RTO.
    const failoverSeconds = failoverDetectionSeconds(r);
    if (failoverSeconds > r.objectives.region.rtoMinutes * 60) {
      issue(
        ['objectives', 'region', 'rtoMinutes'],
        r.objectives.region.rtoMinutes,
        `is shorter than the automatic failover itself (${failoverSeconds} s: a missed probe run, alarm evaluation, metric publication, Route 53 acting and the record TTL; see docs/resilience.md). Fix: raise it or shorten probes.*, alarms.periodSeconds, alarms.evaluationPeriods or failover.recordTtlSeconds`,
      );
    }
    if (r.probes.periodMinutes < 2 * r.probes.rateMinutes) {
      issue(
        ['probes', 'periodMinutes'],
        r.probes.periodMinutes,
        `holds fewer than two probe runs (one every ${r.probes.rateMinutes} min): a single late metric would look like a Region that stopped answering. Fix: use at least ${2 * r.probes.rateMinutes}`,
      );
    }
    for (const [region, layerArn] of Object.entries(r.drills.lambdaExtensionLayerArns)) {
      const problem = fisExtensionLayerProblem(region, layerArn);
      if (problem) issue(['drills', 'lambdaExtensionLayerArns', region], layerArn, problem);
    }
    for (const [drill, minutes] of [
      ['azPowerInterruptionMinutes', r.drills.azPowerInterruptionMinutes],
      ['regionIsolationMinutes', r.drills.regionIsolationMinutes],
    ] as const) {
      if (minutes > r.objectives.region.rtoMinutes * 4) {
        issue(
          ['drills', drill],
          minutes,
          `is more than four times the Region RTO (${r.objectives.region.rtoMinutes} min): a drill should prove recovery within the RTO, not test patience. Fix: use at most ${r.objectives.region.rtoMinutes * 4}`,
        );
      }
    }
  });

/**
 * The validated `resilience` section: backups and their vault lock, recovery objectives, health
 * alarms, Region probes, failover records, drills and Resilience Hub. Field by field:
 * docs/configuration.md, "Resilience".
 */
export type ResilienceSection = z.infer<typeof resilienceSectionSchema>;

export const resilienceDefaults: z.input<typeof resilienceSectionSchema> = {
  backupRetentionDays: 35,
  regionRtoMinutes: 15,
  regionRpoMinutes: 1,
  backup: {
    dailyHourUtc: 2,
    continuousRetentionDays: 35,
    selectionTagKey: 'rempart:backup',
    selectionTagValue: 'daily',
    airGappedVault: { enabled: false },
  },
  vaultLock: { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 },
  objectives: {
    az: { rtoMinutes: 5, rpoMinutes: 0 },
    infrastructure: { rtoMinutes: 5, rpoMinutes: 0 },
    software: { rtoMinutes: 60, rpoMinutes: 5 },
    region: { rtoMinutes: 15, rpoMinutes: 1 },
  },
  resilienceHub: { tier: 'Critical', assessmentSchedule: 'Daily' },
  failover: {
    routing: 'latency',
    evacuatedRegions: [],
    recordTtlSeconds: 60,
  },
  drills: {
    azPowerInterruptionMinutes: 10,
    regionIsolationMinutes: 15,
    functionFaultMinutes: 10,
    functionFaultPercent: 20,
    queueImpairmentMinutes: 10,
    queueImpairmentDelayMs: 5_000,
    lambdaExtensionLayerArns: {},
  },
  probes: { rateMinutes: 1, periodMinutes: 2, evaluationPeriods: 2 },
  alarms: {
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
    serverErrorRatio: 0.05,
  },
};

/** `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>` */
const LAYER_VERSION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:layer:([A-Za-z0-9_-]{1,140}):(\d+)$/;

/**
 * Why `layerArn` cannot be the FIS Lambda extension of `region` for Rempart's arm64 functions, or
 * undefined when it can. The text follows the configuration messages: what is wrong, then the fix.
 */
export function fisExtensionLayerProblem(region: string, layerArn: string): string | undefined {
  const source =
    'Fix: copy the arm64 ARN AWS publishes for that Region (aws ssm get-parameter --region <region> --name /aws/service/fis/lambda-extension/AWS-FIS-extension-arm64/1.x.x; see docs/runbooks/drill-function-fault.md)';
  if (!isEeaRegion(region)) {
    return `names "${region}", which is not an application Region (an EEA Region). Fix: key each layer ARN by the Region it is published in, e.g. "eu-west-3"`;
  }
  const match = LAYER_VERSION_ARN.exec(layerArn);
  if (!match)
    return `is not a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>). ${source}`;
  if (match[1] !== region) {
    return `is a layer of ${match[1]}, but Lambda attaches only layers of the function's own Region (${region}). ${source}`;
  }
  if (/x86/i.test(match[2])) {
    return `is the x86_64 build of the extension, but Rempart functions run on arm64. ${source}`;
  }
  return undefined;
}

/** Seconds, for Resilience Hub and documentation. */
export function objectivesInSeconds(o: RecoveryObjectives): { rtoInSecs: number; rpoInSecs: number } {
  return { rtoInSecs: o.rtoMinutes * 60, rpoInSecs: o.rpoMinutes * 60 };
}

/** Route 53 takes about this long to act on a health check that changed status (DESIGN.md: ~30 s). */
export const HEALTH_CHECK_PROPAGATION_SECONDS = 30;

/** CloudWatch publishes a canary run's metrics about a minute after the run: a period closes late. */
export const METRIC_PUBLICATION_SECONDS = 60;

/** One line of the detection budget: what takes time, how long, which setting decides it. */
export interface BudgetStep {
  readonly step: string;
  readonly seconds: number;
  readonly setting: string;
}

/**
 * The settings of the `resilience` section that decide how fast a Region loss is detected: probe
 * pace, alarm periods and record TTL. A `ResilienceSection` is one; the report passes only these.
 */
export type BudgetInput = {
  /** Region probes: minutes between runs, alarm period in minutes, failing periods before ALARM. */
  probes: { rateMinutes: number; periodMinutes: number; evaluationPeriods: number };
  /** Error-ratio alarms: period in seconds, failing periods before ALARM. */
  alarms: { periodSeconds: number; evaluationPeriods: number };
  /** TTL of the failover records, which resolvers keep after Route 53 changes its answer. */
  failover: { recordTtlSeconds: number };
};

/**
 * Worst case from "the Region stops serving" to "resolvers answer with the other Region", through
 * the signal that catches a whole-Region loss with no traffic at all: the Region probe. A failure
 * just after a run waits one interval for the next run; the alarm needs its consecutive failing
 * periods; CloudWatch publishes the last one late; Route 53 acts; resolvers keep the old answer one
 * TTL.
 */
export function probeDetectionBudget(r: BudgetInput): BudgetStep[] {
  return [
    {
      step: 'next probe run (the failure just missed one)',
      seconds: r.probes.rateMinutes * 60,
      setting: 'resilience.probes.rateMinutes',
    },
    {
      step: 'failing alarm periods',
      seconds: r.probes.periodMinutes * 60 * r.probes.evaluationPeriods,
      setting: 'resilience.probes.periodMinutes × resilience.probes.evaluationPeriods',
    },
    {
      step: 'metric publication',
      seconds: METRIC_PUBLICATION_SECONDS,
      setting: 'fixed (METRIC_PUBLICATION_SECONDS)',
    },
    {
      step: 'Route 53 acting on the health status',
      seconds: HEALTH_CHECK_PROPAGATION_SECONDS,
      setting: 'fixed (HEALTH_CHECK_PROPAGATION_SECONDS)',
    },
    {
      step: 'record TTL',
      seconds: r.failover.recordTtlSeconds,
      setting: 'resilience.failover.recordTtlSeconds',
    },
  ];
}

/** The same through an error-ratio signal (only while traffic flows): alarm periods, publication, Route 53, TTL. */
export function ratioDetectionBudget(r: BudgetInput): BudgetStep[] {
  return [
    {
      step: 'failing alarm periods',
      seconds: r.alarms.periodSeconds * r.alarms.evaluationPeriods,
      setting: 'resilience.alarms.periodSeconds × resilience.alarms.evaluationPeriods',
    },
    {
      step: 'metric publication',
      seconds: METRIC_PUBLICATION_SECONDS,
      setting: 'fixed (METRIC_PUBLICATION_SECONDS)',
    },
    {
      step: 'Route 53 acting on the health status',
      seconds: HEALTH_CHECK_PROPAGATION_SECONDS,
      setting: 'fixed (HEALTH_CHECK_PROPAGATION_SECONDS)',
    },
    {
      step: 'record TTL',
      seconds: r.failover.recordTtlSeconds,
      setting: 'resilience.failover.recordTtlSeconds',
    },
  ];
}

const total = (steps: readonly BudgetStep[]) => steps.reduce((sum, s) => sum + s.seconds, 0);

/**
 * Worst-case seconds from a Region going bad to resolvers answering with the other Region, over
 * every signal that moves traffic. The configuration is refused when it exceeds the Region RTO, and
 * docs/resilience.md quotes it.
 */
export function failoverDetectionSeconds(r: BudgetInput): number {
  return Math.max(total(probeDetectionBudget(r)), total(ratioDetectionBudget(r)));
}
