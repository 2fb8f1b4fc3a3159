import { createHash } from 'node:crypto';
import type { AdmissionSettings, CohortSetting } from './settings';
import { COHORT_ID } from './settings';

/**
 * Admission model: ticket ids, key layout, arrival groups. Pure: no AWS SDK, no I/O.
 *
 * Every item lives in the (shared) table under the prefix `ADM#<eventId>`, so the waiting room can
 * share the booking table without touching its items. Nothing takes a hot key: join counters are
 * per Region and shard, tickets spread over TICKET_PARTITIONS partitions per hour, entry records
 * over `redeemShards` items per controller step; only the cursor is one item, written twice per step.
 */

/**
 * `<acceptedAt epoch ms>-<API Gateway extended request id, base64url>`: assigned by API Gateway at
 * the join (no function runs), unique, and it carries its join time, which locates its partition.
 * A ticket id alone redeems nothing: the client's secret does.
 */
export const TICKET_ID = /^(\d{13})-([A-Za-z0-9_-]{6,48})$/;
/** Base64url SHA-256 of the client's secret, as the join sends it (contract `JoinRequest`). */
export const SECRET_HASH = /^[A-Za-z0-9_-]{43}$/;
/** What the client keeps and presents to enter (hashed into `SECRET_HASH` at the join). */
export const SECRET = /^[\x21-\x7e]{16,256}$/;

/** Ticket partitions per hour: joins at 2,778/s spread to ~43 writes/s per partition key. */
export const TICKET_PARTITIONS = 64;

export const HOUR_MS = 3_600_000;

export function hourOf(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS);
}

/** Join time of a ticket id, or undefined when the id is not one. */
export function ticketTime(ticketId: string): number | undefined {
  const m = TICKET_ID.exec(ticketId);
  return m ? Number(m[1]) : undefined;
}

export function ticketPartition(ticketId: string): number {
  return createHash('sha256').update(ticketId).digest().readUInt8(0) % TICKET_PARTITIONS;
}

export function sha256Base64url(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/**
 * Key layout (pk, sk), all under `ADM#<eventId>`. Every partition that grows carries an hour, so the
 * sweep finds everything of an hour with a few queries (MRSC tables have no TTL, and nothing scans).
 */
export const keys = {
  cursor: (e: string) => ({ pk: `ADM#${e}`, sk: 'CURSOR' }),
  sweep: (e: string) => ({ pk: `ADM#${e}`, sk: 'SWEEP' }),
  /** Join counter of one group in one Region and shard; `hour` is the hour of the group's bucket. */
  counterPartition: (e: string, region: string, shard: number, hour: number) =>
    `ADM#${e}#C#${region}#${shard}#${hour}`,
  counter: (e: string, group: string, region: string, shard: number, hour: number) => ({
    pk: keys.counterPartition(e, region, shard, hour),
    sk: group,
  }),
  bucketPartition: (e: string, hour: number) => `ADM#${e}#B#${hour}`,
  bucket: (e: string, bucket: number, hour: number) => ({
    pk: keys.bucketPartition(e, hour),
    sk: String(bucket).padStart(10, '0'),
  }),
  ticketPartition: (e: string, hour: number, partition: number) => `ADM#${e}#T#${hour}#${partition}`,
  ticket: (event: EventKeyInfo, ticketId: string) => {
    const at = ticketTime(ticketId);
    if (at === undefined) throw new Error('not a ticket id');
    return {
      pk: keys.ticketPartition(event.eventId, ticketHour(event, at), ticketPartition(ticketId)),
      sk: ticketId,
    };
  },
  /** Entries of the people admitted at one controller step, one of `redeemShards` items. */
  redemptionPartition: (e: string, shard: number, hour: number) => `ADM#${e}#R#${shard}#${hour}`,
  redemptions: (e: string, step: number, shard: number, hour: number) => ({
    pk: keys.redemptionPartition(e, shard, hour),
    sk: String(step),
  }),
};

/** What locates an event's items. */
export type EventKeyInfo = Pick<AdmissionSettings, 'eventId' | 'openingAt'>;

/** Joins may come this long before the opening; earlier ones are filed with the first hour of it. */
export const JOIN_LOOKBACK_HOURS = 24;

/**
 * Hour whose partitions hold a ticket: its join hour, but never earlier than JOIN_LOOKBACK_HOURS
 * before the opening (inside the draw, a join's time does not matter), so the sweep knows where to start.
 */
export function ticketHour(event: EventKeyInfo, acceptedAt: number): number {
  return Math.max(hourOf(acceptedAt), hourOf(event.openingAt) - JOIN_LOOKBACK_HOURS);
}

/** A join as the queue delivers it. */
export interface JoinMessage {
  readonly ticketId: string;
  /** Epoch ms at which API Gateway accepted the join. */
  readonly acceptedAt: number;
  readonly secretHash: string;
  readonly cohort: string;
}

/** A message that can never become a ticket: reported failed, it ends in the dead-letter queue. */
export class MalformedJoinError extends Error {
  constructor(reason: string) {
    super(`Malformed join: ${reason}`);
    this.name = 'MalformedJoinError';
  }
}

/** JSON schema (draft-04) of the JSON join body; API Gateway answers 400 to anything else. */
export function joinRequestSchema(cohorts: readonly string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['secretHash'],
    properties: {
      secretHash: { type: 'string', pattern: `^${SECRET_HASH.source.slice(1, -1)}$` },
      cohort: { type: 'string', enum: [...cohorts] },
    },
  } as const;
}

/**
 * Parse one queued join. JSON bodies were validated by API Gateway; form posts (the page without
 * JavaScript) were not, so both are checked here. Never echoes values.
 */
export function parseJoinMessage(
  body: string,
  attributes: { readonly ticketId?: string; readonly acceptedAt?: string; readonly contentType?: string },
  cohorts: readonly CohortSetting[],
): JoinMessage {
  const ticketId = attributes.ticketId;
  if (typeof ticketId !== 'string' || !TICKET_ID.test(ticketId)) {
    throw new MalformedJoinError('ticketId attribute is missing or invalid');
  }
  const acceptedAt = Number(attributes.acceptedAt);
  if (!Number.isSafeInteger(acceptedAt) || acceptedAt <= 0 || ticketTime(ticketId) !== acceptedAt) {
    throw new MalformedJoinError('acceptedAt attribute is missing or does not match the ticket id');
  }
  let fields: Record<string, unknown>;
  if (attributes.contentType === 'form') {
    fields = Object.fromEntries(new URLSearchParams(body));
  } else {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      fields = parsed as Record<string, unknown>;
    } catch {
      throw new MalformedJoinError('body is not a JSON object');
    }
  }
  let secretHash = fields.secretHash;
  if (attributes.contentType === 'form') {
    // A join without JavaScript: API Gateway made the secret (its request id) and gave it to the
    // browser in the ticket cookie; only its hash is stored.
    const secret = fields.secret;
    if (typeof secret !== 'string' || !SECRET.test(secret))
      throw new MalformedJoinError('secret is missing or invalid');
    secretHash = sha256Base64url(secret);
  }
  if (typeof secretHash !== 'string' || !SECRET_HASH.test(secretHash)) {
    throw new MalformedJoinError('secretHash is missing or not a base64url SHA-256');
  }
  const cohortField = fields.cohort;
  const first = cohorts[0];
  if (!first) throw new MalformedJoinError('no cohort is configured');
  let cohort = first.id;
  if (cohortField !== undefined && cohortField !== '') {
    if (
      typeof cohortField !== 'string' ||
      !COHORT_ID.test(cohortField) ||
      !cohorts.some((c) => c.id === cohortField)
    ) {
      throw new MalformedJoinError('cohort is not one of the configured cohorts');
    }
    cohort = cohortField;
  }
  return { ticketId, acceptedAt, secretHash, cohort };
}

// ---------------------------------------------------------------------------------------------------
// Arrival groups and buckets
// ---------------------------------------------------------------------------------------------------

/**
 * People are ordered group by group. A group is either a cohort's pre-opening draw (`P.<cohort>`,
 * permuted by the seed drawn when it is sealed) or the arrivals of one cohort in one bucket
 * (`A.<bucket>.<cohort>`, first come first served). Buckets are sealed in order; each bucket holds
 * the draws placed in it (cohorts whose delay falls there), then its arrivals, cohort by cohort.
 */
export type GroupKind = 'draw' | 'arrivals';

export function drawGroup(cohort: string): string {
  return `P.${cohort}`;
}

export function arrivalGroup(bucket: number, cohort: string): string {
  return `A.${bucket}.${cohort}`;
}

export function cohortOf(settings: AdmissionSettings, id: string): CohortSetting {
  const c = settings.cohorts.find((x) => x.id === id);
  if (!c) throw new Error(`unknown cohort "${id}"`);
  return c;
}

/** Bucket holding the arrival, for an arrival at or after the opening. */
export function bucketOf(settings: AdmissionSettings, cohort: CohortSetting, epochMs: number): number {
  const shifted = epochMs + cohort.delaySeconds * 1000 - settings.openingAt;
  return Math.max(0, Math.floor(shifted / (settings.bucketSeconds * 1000)));
}

/** Bucket where a cohort's pre-opening draw is placed: at `openingAt + delaySeconds`. */
export function drawBucket(settings: AdmissionSettings, cohort: CohortSetting): number {
  return Math.floor(cohort.delaySeconds / settings.bucketSeconds);
}

/** The group a join belongs to, as it arrived. */
export function groupOfJoin(settings: AdmissionSettings, join: JoinMessage): string {
  const cohort = cohortOf(settings, join.cohort);
  return join.acceptedAt < settings.openingAt
    ? drawGroup(cohort.id)
    : arrivalGroup(bucketOf(settings, cohort, join.acceptedAt), cohort.id);
}

/** When bucket `b` may be sealed: its end plus the settle time for late queue deliveries. */
export function bucketSealableAt(settings: AdmissionSettings, bucket: number): number {
  return settings.openingAt + (bucket + 1) * settings.bucketSeconds * 1000 + settings.settleSeconds * 1000;
}

export interface GroupSpec {
  readonly key: string;
  readonly kind: GroupKind;
  readonly cohort: string;
}

/** Groups of bucket `b`, in order: draws placed here (cohort order), then arrivals (cohort order). */
export function groupsOfBucket(settings: AdmissionSettings, bucket: number): GroupSpec[] {
  const draws = settings.cohorts
    .filter((c) => drawBucket(settings, c) === bucket)
    .map((c) => ({ key: drawGroup(c.id), kind: 'draw' as const, cohort: c.id }));
  const arrivals = settings.cohorts.map((c) => ({
    key: arrivalGroup(bucket, c.id),
    kind: 'arrivals' as const,
    cohort: c.id,
  }));
  return [...draws, ...arrivals];
}

/** Bucket whose document describes group `key`. */
export function bucketOfGroup(settings: AdmissionSettings, key: string): number {
  const draw = /^P\.([a-z][a-z0-9-]{0,15})$/.exec(key);
  if (draw?.[1]) return drawBucket(settings, cohortOf(settings, draw[1]));
  const arrivals = /^A\.(\d+)\.[a-z][a-z0-9-]{0,15}$/.exec(key);
  if (arrivals?.[1]) return Number(arrivals[1]);
  throw new Error(`not a group key: ${key}`);
}

/** Shard slots of a group in their fixed order: Region order, then shard number. */
export function shardSlots(settings: AdmissionSettings): { region: string; shard: number }[] {
  return settings.regions.flatMap((region) =>
    Array.from({ length: settings.shardsPerRegion }, (_, shard) => ({ region, shard })),
  );
}

export function slotName(region: string, shard: number): string {
  return `${region}#${shard}`;
}

/** Hour that holds a bucket's counters and document (its start, in cohort-shifted time). */
export function bucketHour(settings: AdmissionSettings, bucket: number): number {
  return hourOf(settings.openingAt + bucket * settings.bucketSeconds * 1000);
}

/** Controller steps are numbered from the epoch: step k starts at k × stepSeconds. */
export function stepOf(settings: AdmissionSettings, epochMs: number): number {
  return Math.floor(epochMs / (settings.stepSeconds * 1000));
}

export function stepHour(settings: AdmissionSettings, step: number): number {
  return hourOf(step * settings.stepSeconds * 1000);
}
