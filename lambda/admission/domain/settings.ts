/**
 * Settings of one admission event, shared by every admission function (passed as one JSON
 * environment variable) and checked by the construct at synth time with the same function.
 * Pure: no AWS SDK, no I/O.
 */

/** A group of people admitted with its own head start, e.g. over-75s before everyone else. */
export interface CohortSetting {
  /** Short name, as sent in the join request: [a-z][a-z0-9-]{0,15}. */
  readonly id: string;
  /**
   * Seconds added to this cohort's arrival times: 0 for the first cohort; 3,600 places people of
   * this cohort behind everyone of the earlier cohorts who arrived up to an hour after them. The
   * cohort's pre-opening draw is placed at `openingAt + delaySeconds`.
   */
  readonly delaySeconds: number;
}

/**
 * Everything the admission functions need to agree on, computed once from `AdmissionControlProps` and
 * given to every function as the same JSON: two Regions with different settings would order the line
 * differently.
 */
export interface AdmissionSettings {
  /** Event id (1-64 of [A-Za-z0-9_-]); also the key prefix of every item and the cookie's event. */
  readonly eventId: string;
  /** Opening, epoch milliseconds: joins before it enter the draw, joins after it queue in order. */
  readonly openingAt: number;
  /** Every Region that takes joins, in a fixed order (it orders people inside one arrival bucket). */
  readonly regions: readonly string[];
  /** Join counters per Region (each a separate item, so no item takes every join). */
  readonly shardsPerRegion: number;
  /** Cohorts in priority order; joins that name none belong to the first. */
  readonly cohorts: readonly CohortSetting[];
  /** Width of an arrival bucket: people inside one bucket count as arrived together. */
  readonly bucketSeconds: number;
  /** How long after a bucket ends the controller waits for late queue deliveries before sealing it. */
  readonly settleSeconds: number;
  /** Controller step: the cursor moves at most once per step. */
  readonly stepSeconds: number;
  /** People admitted per second: the pace the protected service absorbs (the caller derives it). */
  readonly admitPerSecond: number;
  /** An admitted person who has not entered within this many seconds is a no-show and replaced. */
  readonly noShowAfterSeconds: number;
  /** Lifetime of the admission cookie after the entry deadline (time left to complete the booking). */
  readonly admissionTtlSeconds: number;
  /** Tickets and counters older than this are deleted by the sweep (the table has no TTL under MRSC). */
  readonly retentionHours: number;
  /** Items that record entries per controller step (positions spread over them by position). */
  readonly redeemShards: number;
  /** Buckets the controller seals at most per step (bounds a catch-up after an outage). */
  readonly maxSealsPerStep: number;
}

export const EVENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const COHORT_ID = /^[a-z][a-z0-9-]{0,15}$/;
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Positions recorded in one entry-record item: keeps it near 1 KB (one write unit per entry). */
export const POSITIONS_PER_REDEEM_SHARD = 100;

/** Entry-record items needed so that none holds more than POSITIONS_PER_REDEEM_SHARD positions per step. */
export function redeemShardsFor(admitPerSecond: number, stepSeconds: number): number {
  return Math.max(1, Math.ceil((admitPerSecond * stepSeconds) / POSITIONS_PER_REDEEM_SHARD));
}

const LIMITS = {
  shardsPerRegion: [1, 64],
  bucketSeconds: [1, 60],
  settleSeconds: [1, 600],
  stepSeconds: [1, 60],
  noShowAfterSeconds: [60, 3_600],
  admissionTtlSeconds: [60, 3_600],
  retentionHours: [2, 24 * 14],
  redeemShards: [1, 1_000],
  maxSealsPerStep: [1, 1_000],
} as const;

/** The edge refuses admission cookies that live longer than this (contract: 4 hours). */
export const MAX_COOKIE_LIFETIME_SECONDS = 4 * 60 * 60;

/** Every problem, each naming the setting, the value and the fix. Empty when the settings hold. */
export function admissionSettingsProblems(s: AdmissionSettings): string[] {
  const problems: string[] = [];
  if (!EVENT_ID.test(s.eventId)) problems.push(`eventId is "${s.eventId}". Fix: use 1-64 of [A-Za-z0-9_-]`);
  if (!Number.isSafeInteger(s.openingAt) || s.openingAt <= 0) {
    problems.push(`openingAt is ${s.openingAt}. Fix: use the opening as epoch milliseconds`);
  }
  if (s.regions.length === 0) problems.push('regions is empty. Fix: list every Region that takes joins');
  const seen = new Set<string>();
  for (const r of s.regions) {
    if (!REGION_NAME.test(r))
      problems.push(`regions contains "${r}". Fix: use Region names such as "eu-west-3"`);
    if (seen.has(r)) problems.push(`regions lists "${r}" twice. Fix: list each Region once`);
    seen.add(r);
  }
  for (const [name, [min, max]] of Object.entries(LIMITS)) {
    const v = s[name as keyof typeof LIMITS];
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} is ${v}. Fix: use a whole number from ${min} to ${max}`);
    }
  }
  if (!(s.admitPerSecond > 0) || !Number.isFinite(s.admitPerSecond)) {
    problems.push(
      `admitPerSecond is ${s.admitPerSecond}. Fix: use the positive pace the protected service absorbs, e.g. the booking worker rate`,
    );
  } else if (s.admitPerSecond * s.stepSeconds < 1) {
    problems.push(
      `admitPerSecond × stepSeconds is ${s.admitPerSecond * s.stepSeconds}, below one person per step. Fix: raise stepSeconds to at least ${Math.ceil(1 / s.admitPerSecond)}`,
    );
  }
  if (s.cohorts.length === 0)
    problems.push('cohorts is empty. Fix: declare at least one cohort, e.g. "general"');
  const ids = new Set<string>();
  let previousDelay = 0;
  s.cohorts.forEach((c, i) => {
    if (!COHORT_ID.test(c.id)) problems.push(`cohorts[${i}].id is "${c.id}". Fix: use [a-z][a-z0-9-]{0,15}`);
    if (ids.has(c.id)) problems.push(`cohorts[${i}].id "${c.id}" is declared twice. Fix: keep one`);
    ids.add(c.id);
    if (!Number.isInteger(c.delaySeconds) || c.delaySeconds < 0 || c.delaySeconds > 7 * 86_400) {
      problems.push(
        `cohorts[${i}].delaySeconds is ${c.delaySeconds}. Fix: use whole seconds from 0 to 604800`,
      );
    } else if (c.delaySeconds < previousDelay) {
      problems.push(
        `cohorts[${i}].delaySeconds (${c.delaySeconds}) is below the previous cohort's (${previousDelay}). Fix: list cohorts in priority order, delays never decreasing`,
      );
    }
    previousDelay = Math.max(previousDelay, c.delaySeconds);
  });
  if (s.cohorts.length > 0 && s.cohorts[0]?.delaySeconds !== 0) {
    problems.push(
      'cohorts[0].delaySeconds is not 0. Fix: the first cohort is the reference and has no delay',
    );
  }
  if (s.noShowAfterSeconds < 4 * s.stepSeconds) {
    problems.push(
      `noShowAfterSeconds (${s.noShowAfterSeconds}) is below 4 steps (${4 * s.stepSeconds} s). Fix: give people at least a few steps to enter, e.g. 600`,
    );
  }
  if (s.noShowAfterSeconds + s.admissionTtlSeconds > MAX_COOKIE_LIFETIME_SECONDS) {
    problems.push(
      `noShowAfterSeconds + admissionTtlSeconds is ${s.noShowAfterSeconds + s.admissionTtlSeconds} s, above the edge's cookie lifetime limit (${MAX_COOKIE_LIFETIME_SECONDS} s). Fix: shorten either`,
    );
  }
  const expectedShards = redeemShardsFor(s.admitPerSecond, s.stepSeconds);
  if (Number.isInteger(s.redeemShards) && s.admitPerSecond > 0 && s.redeemShards < expectedShards) {
    problems.push(
      `redeemShards is ${s.redeemShards}, below ${expectedShards} for ${s.admitPerSecond} admissions/s per ${s.stepSeconds} s step. Fix: use redeemShardsFor(admitPerSecond, stepSeconds)`,
    );
  }
  if (s.retentionHours * 3600 < s.noShowAfterSeconds + s.admissionTtlSeconds + s.settleSeconds) {
    problems.push(
      `retentionHours (${s.retentionHours}) is shorter than one admission. Fix: keep at least 2 hours`,
    );
  }
  return problems;
}

/** Parse the settings JSON a function receives; throws with every problem. */
export function parseAdmissionSettings(json: string): AdmissionSettings {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('ADMISSION_SETTINGS is not JSON. Fix: let the AdmissionControl construct set it');
  }
  const s = value as AdmissionSettings;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.regions) || !Array.isArray(s.cohorts)) {
    throw new Error(
      'ADMISSION_SETTINGS is not an admission settings object. Fix: let the AdmissionControl construct set it',
    );
  }
  const problems = admissionSettingsProblems(s);
  if (problems.length) throw new Error(`ADMISSION_SETTINGS: ${problems.join('; ')}`);
  return s;
}

/** Defaults of every setting that has one (the construct documents them as its props' defaults). */
export const ADMISSION_DEFAULTS = {
  shardsPerRegion: 8,
  bucketSeconds: 2,
  settleSeconds: 10,
  stepSeconds: 5,
  noShowAfterSeconds: 600,
  admissionTtlSeconds: 1_200,
  retentionHours: 48,
  maxSealsPerStep: 50,
  cohorts: [{ id: 'general', delaySeconds: 0 }] as readonly CohortSetting[],
} as const;

/** The settings `admissionSettings` completes: the four without a default are required. */
export type AdmissionSettingsInput = Pick<
  AdmissionSettings,
  'eventId' | 'openingAt' | 'regions' | 'admitPerSecond'
> &
  Partial<Omit<AdmissionSettings, 'eventId' | 'openingAt' | 'regions' | 'admitPerSecond'>>;

/** Complete settings from the required ones, with the defaults and the derived entry-record shards. */
export function admissionSettings(input: AdmissionSettingsInput): AdmissionSettings {
  const stepSeconds = input.stepSeconds ?? ADMISSION_DEFAULTS.stepSeconds;
  return {
    shardsPerRegion: ADMISSION_DEFAULTS.shardsPerRegion,
    bucketSeconds: ADMISSION_DEFAULTS.bucketSeconds,
    settleSeconds: ADMISSION_DEFAULTS.settleSeconds,
    noShowAfterSeconds: ADMISSION_DEFAULTS.noShowAfterSeconds,
    admissionTtlSeconds: ADMISSION_DEFAULTS.admissionTtlSeconds,
    retentionHours: ADMISSION_DEFAULTS.retentionHours,
    maxSealsPerStep: ADMISSION_DEFAULTS.maxSealsPerStep,
    cohorts: ADMISSION_DEFAULTS.cohorts,
    redeemShards: redeemShardsFor(input.admitPerSecond, stepSeconds),
    ...input,
    stepSeconds,
  };
}
