import { z } from 'zod';
import { entCapacity } from './capacity';
import { isEeaRegion } from '../../aws-facts';
import { clockTime, hostName, positiveInt } from '../../config/sections/common';

const SCHOOL_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** Minutes after midnight of a validated "HH:MM". */
export function minutesOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * Minutes a Fargate scale-out needs before the peak: launches are paced (20 tasks/s per account
 * and Region after the first 100), images are pulled, then targets must pass health checks.
 */
export const MIN_PRESCALE_LEAD_MINUTES = 30;

/** The school-morning surge: predictable, so it is pre-scaled on a schedule. */
export const entSurgeSchema = z
  .strictObject({
    /** Pupils, parents and teachers who may log in. */
    users: positiveInt,
    /** Logins per second at the 8:00 peak. */
    peakLoginsPerSecond: positiveInt,
    /** Logins per second outside school mornings (evenings, holidays): sizes the off-peak floor. */
    offPeakLoginsPerSecond: positiveInt,
    /** HTTP requests that reach the origin per login in the following minute (pages, API calls). */
    requestsPerLogin: positiveInt,
    /** IANA time zone of the schools; schedules are evaluated in it. */
    timeZone: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'is not an IANA time zone. Fix: use e.g. "Europe/Paris"'),
    schoolDays: z
      .array(z.enum(SCHOOL_DAYS))
      .min(1, 'needs at least one day. Fix: e.g. ["MON","TUE","THU","FRI"]'),
    /** Local time at which the login surge starts. */
    peakStartsAt: clockTime,
    /** Local time at which the morning capacity must already be running. */
    preScaleAt: clockTime,
    /** Local time after which the schedule lets target tracking scale in. */
    scaleInAt: clockTime,
  })
  .superRefine((s, ctx) => {
    const days = new Set(s.schoolDays);
    if (days.size !== s.schoolDays.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['schoolDays'],
        input: s.schoolDays,
        message: 'lists a day twice. Fix: name each school day once',
      });
    }
    const peak = minutesOfDay(s.peakStartsAt);
    if (minutesOfDay(s.preScaleAt) > peak - MIN_PRESCALE_LEAD_MINUTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['preScaleAt'],
        input: s.preScaleAt,
        message: `is less than ${MIN_PRESCALE_LEAD_MINUTES} minutes before surge.peakStartsAt (${s.peakStartsAt}); Fargate launches are paced and new tasks must pass health checks before the surge. Fix: pre-scale at least ${MIN_PRESCALE_LEAD_MINUTES} minutes earlier`,
      });
    }
    if (minutesOfDay(s.scaleInAt) <= peak) {
      ctx.addIssue({
        code: 'custom',
        path: ['scaleInAt'],
        input: s.scaleInAt,
        message: `is not after surge.peakStartsAt (${s.peakStartsAt}), so the floor would drop during the surge. Fix: use a time after the morning peak, e.g. "09:30"`,
      });
    }
    if (s.offPeakLoginsPerSecond > s.peakLoginsPerSecond) {
      ctx.addIssue({
        code: 'custom',
        path: ['offPeakLoginsPerSecond'],
        input: s.offPeakLoginsPerSecond,
        message: `is above surge.peakLoginsPerSecond (${s.peakLoginsPerSecond}). Fix: use the evening/holiday rate, below the morning peak`,
      });
    }
  });

/** Fargate CPU units and the memory sizes (MiB) each allows. */
const FARGATE_SIZES: Readonly<Record<number, { min: number; max: number; step: number }>> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** Describes one task of the ENT product: size, identity and the load it can carry (from a load test). */
export const entTaskSchema = z
  .strictObject({
    /** Fargate CPU units (1024 = 1 vCPU). */
    cpu: z.number().int(),
    /** Fargate memory in MiB, valid for `cpu`. */
    memoryMiB: positiveInt,
    cpuArchitecture: z.enum(['X86_64', 'ARM64']),
    /** Logins per second one task sustains at the CPU target (measure it with a load test). */
    loginsPerSecondPerTask: positiveInt,
    /** Numeric uid[:gid] the container runs as; never root. */
    user: z
      .string()
      .regex(
        /^\d+(:\d+)?$/,
        'is not a numeric uid or uid:gid. Fix: use the image\'s unprivileged uid, e.g. "101"',
      )
      .refine(
        (u) => Number(u.split(':')[0]) !== 0,
        'is uid 0 (root). Fix: run as the image\'s unprivileged uid, e.g. "101"',
      ),
    /** Paths that get a task-local scratch volume; the root filesystem is read-only. */
    writablePaths: z
      .array(z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'is not an absolute path. Fix: e.g. "/tmp"'))
      .max(10),
    /** Path the load balancer polls; must answer 200 without a session. */
    healthCheckPath: z.string().regex(/^\/[^\s]*$/, 'is not an absolute URL path. Fix: e.g. "/health"'),
  })
  .superRefine((t, ctx) => {
    const size = FARGATE_SIZES[t.cpu];
    if (!size) {
      ctx.addIssue({
        code: 'custom',
        path: ['cpu'],
        input: t.cpu,
        message: `is not a Fargate CPU size. Fix: use one of ${Object.keys(FARGATE_SIZES).join(', ')}`,
      });
      return;
    }
    if (t.memoryMiB < size.min || t.memoryMiB > size.max || (t.memoryMiB - size.min) % size.step !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        input: t.memoryMiB,
        message: `is not valid with ${t.cpu} CPU units. Fix: use ${size.min} to ${size.max} MiB in steps of ${size.step}`,
      });
    }
  });

export const entScalingSchema = z.strictObject({
  /** Share of a task's measured capacity that target tracking aims for (headroom for bursts). */
  targetUtilization: z.number().gt(0).max(0.9, 'leaves no headroom above 90%. Fix: use e.g. 0.7'),
  /** Average CPU target of the service, in percent. */
  cpuTargetPercent: z.number().int().min(10).max(90),
  /** Maximum tasks per Region, ≥ the static-stability floor at peak (see `staticStabilityFloor`). */
  maxTasks: positiveInt,
  /**
   * Load balancer capacity units reserved ahead of the surge (ALB capacity reservation, billed).
   * Absent: no reservation, the load balancer scales by itself.
   */
  loadBalancerCapacityUnits: z.number().int().min(100).max(1500).optional(),
  /**
   * What the second application Region runs. `hot`: the same school-morning schedule, so it can take
   * the surge at once (RTO of the switch only). `warm`: off-peak floor only, it scales out on failover.
   */
  secondaryRegion: z.enum(['hot', 'warm']),
});

const AZ_LIST = z.array(z.string()).superRefine((zones, ctx) => {
  if (zones.length !== 3) {
    ctx.addIssue({
      code: 'custom',
      input: zones,
      message: `lists ${zones.length} Availability Zone(s); the static-stability floor assumes exactly three. Fix: name three, e.g. ["eu-west-3a","eu-west-3b","eu-west-3c"]`,
    });
  }
  if (new Set(zones).size !== zones.length) {
    ctx.addIssue({
      code: 'custom',
      input: zones,
      message: 'names an Availability Zone twice. Fix: name three different zones',
    });
  }
});

export const entNetworkSchema = z
  .strictObject({
    /** IPv4 range of each Region's VPC (/16 to /20); both Regions may reuse it (no peering). */
    vpcCidr: z
      .string()
      .regex(
        /^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|20)$/,
        'is not an IPv4 CIDR from /16 to /20. Fix: e.g. "10.40.0.0/16"',
      ),
    /**
     * Three Availability Zones per application Region, named explicitly: offline synthesis knows no
     * real zone names. Keys are Region names.
     */
    availabilityZones: z.record(z.string(), AZ_LIST),
    /**
     * How tasks reach AWS APIs and the image registry.
     * `nat`: one NAT gateway per zone (a zone loss never cuts egress) plus free S3/DynamoDB gateway
     * endpoints; works with any registry and with outside identity providers.
     * `endpoints`: no internet route at all; interface endpoints for ECR, Logs, Secrets Manager, SSM
     * and SQS; the image must be in this Region's private ECR.
     */
    egress: z.enum(['nat', 'endpoints']),
    /**
     * Extra interface endpoints with egress "endpoints", by service name (e.g. "sts" if the ENT
     * product assumes roles itself, "kms" if it encrypts client-side). ECR, Logs, Secrets Manager,
     * SSM and SQS are always there, S3 and DynamoDB through gateway endpoints.
     */
    additionalEndpoints: z
      .array(z.string().regex(/^[a-z0-9.-]+$/, 'is not an AWS service endpoint name. Fix: e.g. "sts"'))
      .default([]),
    /**
     * Id of the AWS-managed prefix list "com.amazonaws.global.cloudfront.origin-facing" per Region
     * (ids differ by Region; no lookup at synth). Check with `aws ec2 describe-managed-prefix-lists
     * --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`.
     */
    cloudFrontPrefixListIds: z.record(
      z.string(),
      z.string().regex(/^pl-[0-9a-f]{8,17}$/, 'is not a prefix list id. Fix: e.g. "pl-75b1541c"'),
    ),
  })
  .superRefine((n, ctx) => {
    if (n.additionalEndpoints.length && n.egress !== 'endpoints') {
      ctx.addIssue({
        code: 'custom',
        path: ['additionalEndpoints'],
        input: n.additionalEndpoints,
        message:
          'is set but egress is "nat", which reaches every service already. Fix: set egress to "endpoints" or empty the list',
      });
    }
    for (const [region, zones] of Object.entries(n.availabilityZones)) {
      for (const zone of zones) {
        if (!new RegExp(`^${region.replace(/-/g, '\\-')}[a-z]$`).test(zone)) {
          ctx.addIssue({
            code: 'custom',
            path: ['availabilityZones', region],
            input: zone,
            message: `"${zone}" is not an Availability Zone of ${region}. Fix: use ${region}a, ${region}b, ${region}c or another zone of ${region}`,
          });
        }
      }
    }
  });

export const entDocumentsSchema = z
  .strictObject({
    /** Days before current documents move to S3 Intelligent-Tiering. */
    intelligentTieringAfterDays: z.number().int().min(0),
    /** Days an overwritten or deleted document version is kept (undo window, ransomware recovery). */
    noncurrentVersionExpirationDays: positiveInt,
    /** Days before an unfinished multipart upload (abandoned homework upload) is cleaned up. */
    abortIncompleteUploadAfterDays: positiveInt,
    /**
     * Key prefixes the ENT product reads and writes (e.g. "homework/"): its task role may list, read,
     * write and delete objects under these and nowhere else of the bucket. Old versions stay out of its
     * reach (restoring one is an operator's act).
     */
    applicationPrefixes: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z0-9!_.()-]+(\/[A-Za-z0-9!_.()-]+)*\/$/,
            'is not a key prefix. Fix: letters, digits and !_.()- in folders, ending in "/", e.g. "homework/"',
          ),
      )
      .min(1, 'is empty: the ENT product could not store any document. Fix: e.g. ["homework/"]'),
  })
  .superRefine((d, ctx) => {
    if (d.noncurrentVersionExpirationDays < 7) {
      ctx.addIssue({
        code: 'custom',
        path: ['noncurrentVersionExpirationDays'],
        input: d.noncurrentVersionExpirationDays,
        message:
          'keeps replaced versions less than a week: a deletion noticed after a weekend could not be undone. Fix: use at least 7',
      });
    }
  });

export const entQueueSchema = z
  .strictObject({
    /** Seconds a consumer has to process one heavy write before it is redelivered. */
    visibilityTimeoutSeconds: z.number().int().min(0).max(43200),
    /** Receives before a message is moved to the dead-letter queue. */
    maxReceiveCount: z.number().int().min(1).max(1000),
    /** Days the dead-letter queue keeps failed writes (SQS allows 1 to 14). */
    deadLetterRetentionDays: z.number().int().min(1).max(14),
    /** Days the main queue keeps a pending write during an outage of its consumer. */
    retentionDays: z.number().int().min(1).max(14),
  })
  .superRefine((q, ctx) => {
    if (q.deadLetterRetentionDays <= q.retentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['deadLetterRetentionDays'],
        input: q.deadLetterRetentionDays,
        message: `is not longer than queue.retentionDays (${q.retentionDays}); SQS keeps a message's original timestamp, so it would expire in the dead-letter queue almost at once. Fix: use more days than queue.retentionDays`,
      });
    }
  });

/** Environment variable names the ENT product reads its secrets from. */
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Secrets Manager names: letters, digits and /_+=.@- */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export const entSectionSchema = z
  .strictObject({
    /** Public host name of the school portal (served by CloudFront). */
    domainName: hostName,
    /**
     * Container image of the ENT product; any image that serves HTTP on `containerPort`. `{region}`
     * is replaced by each application Region (for ECR repositories replicated per Region).
     */
    containerImage: z
      .string()
      .min(1, 'is empty. Fix: name an image, e.g. "public.ecr.aws/nginx/nginx-unprivileged:stable"'),
    containerPort: z
      .number()
      .int()
      .min(1024, 'is a privileged port (< 1024), which a non-root container cannot bind. Fix: use e.g. 8080')
      .max(65535),
    surge: entSurgeSchema,
    task: entTaskSchema,
    scaling: entScalingSchema,
    network: entNetworkSchema,
    /**
     * Secrets Manager secret names, by the environment variable the container reads. The secrets are
     * created (and rotated) by the ENT operator in both Regions, e.g. as replicated secrets; only their
     * names appear in templates, never their values.
     */
    secrets: z.record(
      z.string(),
      z
        .string()
        .regex(
          SECRET_NAME,
          'is not a Secrets Manager secret name. Fix: use letters, digits and /_+=.@- e.g. "ent/db-password"',
        ),
    ),
    documents: entDocumentsSchema,
    queue: entQueueSchema,
  })
  .superRefine((e, ctx) => {
    for (const name of Object.keys(e.secrets)) {
      if (!ENV_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', name],
          input: name,
          message: 'is not an environment variable name. Fix: use UPPER_SNAKE_CASE, e.g. "ENT_DB_PASSWORD"',
        });
      }
    }
    const capacity = entCapacity(e);
    if (e.scaling.maxTasks < capacity.morningFloor) {
      ctx.addIssue({
        code: 'custom',
        path: ['scaling', 'maxTasks'],
        input: e.scaling.maxTasks,
        message: `is below the school-morning pre-scale capacity of ${capacity.morningFloor} tasks (${capacity.peakTasks} tasks carry the peak, ${capacity.morningFloor} keep carrying it after losing one of three zones). Fix: raise scaling.maxTasks to at least ${capacity.morningFloor}, or measure a higher task.loginsPerSecondPerTask`,
      });
    }
    if (
      e.network.egress === 'endpoints' &&
      !/^(\d{12}|\{account\})\.dkr\.ecr\.(\{region\}|[a-z0-9-]+)\.amazonaws\.com\//.test(e.containerImage)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['containerImage'],
        input: e.containerImage,
        message:
          'is not in a private ECR registry, but network.egress "endpoints" gives tasks no internet route to pull it. Fix: push the image to ECR (replicated to both Regions) and name it "<account>.dkr.ecr.{region}.amazonaws.com/<repo>:<tag>", or set network.egress to "nat"',
      });
    }
  })
  // Derived once, here: the service stack and the capacity report read it, never recompute it.
  .transform((e) => ({ ...e, capacity: entCapacity(e) }));

/**
 * The validated `ent` section (image, task, surge, scaling, network, documents, queue), with the
 * derived `capacity` added at load (`entCapacity()`). Field by field: docs/configuration.md, "ENT
 * (school portal)".
 */
export type EntSection = z.infer<typeof entSectionSchema>;

/** `<name>@sha256:<64 hex>`: an image pinned to one build, whatever later happens to its tags. */
const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

/**
 * Why `image` must not run in `stage`, or undefined. In prod a tag is refused: whoever can push to the
 * repository (or a registry outage serving a different build) would change what runs at the next
 * task start, in one Region and not the other. The service stack calls it too, as a backstop.
 */
export function entImageProblem(image: string, stage: string): string | undefined {
  if (stage !== 'prod' || DIGEST_PINNED.test(image)) return undefined;
  const name = image.replace(/[:@][^/]*$/, '');
  return `is not pinned by digest, and stage is "prod": a tag can be moved to another build, which tasks would then start. Fix: name the image by digest, e.g. "${name}@sha256:<digest>" (docker buildx imagetools inspect ${image}, or aws ecr describe-images)`;
}

/**
 * Checks that need the Regions (and stage) of the whole configuration; `schema.ts` calls it from its
 * cross-section refinement. Returns [path, value, message] triples.
 */
export function entRegionProblems(
  ent: EntSection,
  applicationRegions: readonly string[],
  stage?: string,
): Array<{ path: (string | number)[]; input: unknown; message: string }> {
  const problems: Array<{ path: (string | number)[]; input: unknown; message: string }> = [];
  const image = stage === undefined ? undefined : entImageProblem(ent.containerImage, stage);
  if (image) problems.push({ path: ['ent', 'containerImage'], input: ent.containerImage, message: image });
  // A Region that is itself invalid is reported under regions.*; do not pile ENT problems on it.
  for (const region of applicationRegions.filter(isEeaRegion)) {
    if (!ent.network.availabilityZones[region]) {
      problems.push({
        path: ['ent', 'network', 'availabilityZones', region],
        input: undefined,
        message: `names no Availability Zones for application Region ${region}. Fix: add "${region}": ["${region}a","${region}b","${region}c"] (zones that exist in your account)`,
      });
    }
    if (!ent.network.cloudFrontPrefixListIds[region]) {
      problems.push({
        path: ['ent', 'network', 'cloudFrontPrefixListIds', region],
        input: undefined,
        message: `has no CloudFront origin-facing prefix list id for application Region ${region}. Fix: run "aws ec2 describe-managed-prefix-lists --region ${region} --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing" and add its PrefixListId`,
      });
    }
  }
  return problems;
}

/** Example: one academic region's ENT on the first morning of remote schooling (6 April 2021). */
export const entDefaults: z.input<typeof entSectionSchema> = {
  domainName: 'ent.rempart-demo.fr',
  // The unprivileged NGINX build listens on 8080 as uid 101: a stand-in for any ENT product.
  containerImage: 'public.ecr.aws/nginx/nginx-unprivileged:stable',
  containerPort: 8080,
  surge: {
    users: 1_200_000,
    peakLoginsPerSecond: 2_000,
    offPeakLoginsPerSecond: 150,
    requestsPerLogin: 10,
    timeZone: 'Europe/Paris',
    schoolDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    peakStartsAt: '08:00',
    preScaleAt: '07:15',
    scaleInAt: '09:30',
  },
  task: {
    cpu: 1024,
    memoryMiB: 2048,
    cpuArchitecture: 'X86_64',
    loginsPerSecondPerTask: 25,
    user: '101',
    writablePaths: ['/tmp'],
    healthCheckPath: '/',
  },
  scaling: {
    targetUtilization: 0.7,
    cpuTargetPercent: 60,
    maxTasks: 180,
    secondaryRegion: 'hot',
  },
  network: {
    vpcCidr: '10.40.0.0/16',
    availabilityZones: {
      'eu-west-3': ['eu-west-3a', 'eu-west-3b', 'eu-west-3c'],
      'eu-central-1': ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      'eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      'eu-north-1': ['eu-north-1a', 'eu-north-1b', 'eu-north-1c'],
      'eu-south-1': ['eu-south-1a', 'eu-south-1b', 'eu-south-1c'],
    },
    egress: 'nat',
    additionalEndpoints: [],
    // AWS-managed "com.amazonaws.global.cloudfront.origin-facing" ids of the EEA Regions.
    cloudFrontPrefixListIds: {
      'eu-west-3': 'pl-75b1541c',
      'eu-central-1': 'pl-a3a144ca',
      'eu-west-1': 'pl-4fa04526',
      'eu-north-1': 'pl-fab65393',
      'eu-south-1': 'pl-1bbc5972',
    },
  },
  secrets: {
    ENT_SESSION_SIGNING_KEY: 'rempart/ent/session-signing-key',
  },
  documents: {
    intelligentTieringAfterDays: 30,
    noncurrentVersionExpirationDays: 90,
    abortIncompleteUploadAfterDays: 7,
    applicationPrefixes: ['homework/', 'attachments/', 'courses/'],
  },
  queue: {
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    retentionDays: 4,
    deadLetterRetentionDays: 14,
  },
};
