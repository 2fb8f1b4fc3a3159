import {
  DeleteCommand,
  GetCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { BOUNDS, decisionAttribute, keys } from '../domain/model';
import { cancelBooking } from '../domain/process-booking';
import { DynamoBookingStore, toPersonState } from './booking-store';
import { errorName } from './dynamodb';

/**
 * Operator actions on person items (lambda/booking/cli/). The table is an MRSC global table: no
 * TTL, so nothing expires by itself; these are how person data is bounded and how a person is
 * released by hand. Every write is a single-item conditional write.
 */

export interface ReleaseResult {
  readonly found: boolean;
  /** The booking cancelled (request id), when `cancelBooking` was asked and there was one. */
  readonly cancelled?: string;
}

/**
 * Release a person: forget their in-flight count and pending cancellation (the gate admits them
 * again at once), and, with `cancelBooking`, cancel their booking and give its seat back (recorded
 * as CANCELLED BY_OPERATOR, exactly as a cancellation by the person).
 */
export async function releasePerson(
  db: DynamoDBDocumentClient,
  tableName: string,
  personKey: string,
  options: { readonly cancelBooking: boolean; readonly now?: number },
): Promise<ReleaseResult> {
  const now = options.now ?? Date.now();
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.person(personKey),
        UpdateExpression:
          'SET inFlight = :zero, lastActivityAt = :now REMOVE pendingCancel, pendingCancelUntil ADD gv :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':zero': 0, ':now': now, ':one': 1 },
      }),
    );
  } catch (e) {
    if (errorName(e) === 'ConditionalCheckFailedException') return { found: false };
    throw e;
  }
  if (!options.cancelBooking) return { found: true };
  const store = new DynamoBookingStore(db, tableName);
  const holder = (await store.readPerson(personKey)).holder;
  if (!holder) return { found: true };
  await cancelBooking(store, personKey, holder.requestId, 'BY_OPERATOR', now);
  return { found: true, cancelled: holder.requestId };
}

export interface PurgeOptions {
  /** Person items untouched for this long are deleted (unless their booking's slot is still ahead). */
  readonly inactiveDays: number;
  readonly now?: number;
  /** Count only, change nothing. */
  readonly dryRun?: boolean;
  /** Parallel scan segments. @default 4 */
  readonly segments?: number;
}

export interface PurgeResult {
  readonly scanned: number;
  readonly deleted: number;
  /** Decision records removed from persons that stay (older than any message can be). */
  readonly recordsPruned: number;
}

/**
 * Bounded retention of person items, run on a schedule by the operator:
 * - a person item untouched for `inactiveDays` is deleted, unless it holds a booking whose slot has
 *   not started yet (conditional on still being untouched: a concurrent request wins);
 * - from the others, decision records older than any message can be (BOUNDS.maxMessageAgeMs) are
 *   removed: no delivery can ask about them any more, and the gate's per-person cap counts the rest.
 * A full-table scan in an operator job, never on a request path.
 */
export async function purgePersons(
  db: DynamoDBDocumentClient,
  tableName: string,
  options: PurgeOptions,
): Promise<PurgeResult> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.inactiveDays * 86_400_000;
  const recordCutoff = now - BOUNDS.maxMessageAgeMs;
  const segments = options.segments ?? 4;
  let scanned = 0;
  let deleted = 0;
  let recordsPruned = 0;

  const purgeOne = async (item: Record<string, unknown>) => {
    const personKey = String(item.pk).slice('PERSON#'.length);
    const state = toPersonState(item);
    const last = Number(item.lastActivityAt ?? 0);
    if (last < cutoff && !(await bookingAhead(db, tableName, state.holder, now))) {
      if (!options.dryRun) {
        try {
          await db.send(
            new DeleteCommand({
              TableName: tableName,
              Key: keys.person(personKey),
              ConditionExpression: 'attribute_not_exists(lastActivityAt) OR lastActivityAt < :cutoff',
              ExpressionAttributeValues: { ':cutoff': cutoff },
            }),
          );
        } catch (e) {
          if (errorName(e) !== 'ConditionalCheckFailedException') throw e;
          return;
        }
      }
      deleted++;
      return;
    }
    const stale = Object.entries(state.decisions)
      .filter(
        ([id, r]) =>
          id !== state.holder?.requestId && Math.max(r.acceptedAt ?? 0, r.decidedAt) < recordCutoff,
      )
      .map(([id]) => id);
    if (!stale.length) return;
    if (!options.dryRun) {
      const names = Object.fromEntries(stale.map((id, i) => [`#q${i}`, decisionAttribute(id)]));
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.person(personKey),
            UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} ADD nq :minus`,
            // All still there: a concurrent purge must not count them down twice.
            ConditionExpression: Object.keys(names)
              .map((n) => `attribute_exists(${n})`)
              .join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':minus': -stale.length },
          }),
        );
      } catch (e) {
        if (errorName(e) !== 'ConditionalCheckFailedException') throw e;
        return;
      }
    }
    recordsPruned += stale.length;
  };

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: 'begins_with(pk, :person)',
            ExpressionAttributeValues: { ':person': 'PERSON#' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          scanned++;
          await purgeOne(item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return { scanned, deleted, recordsPruned };
}

/** Does the person hold a booking whose slot has not started yet (their data is still needed)? */
async function bookingAhead(
  db: DynamoDBDocumentClient,
  tableName: string,
  holder: { readonly centreId: string; readonly slotId: string } | undefined,
  now: number,
): Promise<boolean> {
  if (!holder) return false;
  const slot = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.slot(holder.centreId, holder.slotId),
      ProjectionExpression: 'startsAtMs',
    }),
  );
  const startsAtMs = Number(slot.Item?.startsAtMs);
  return !Number.isFinite(startsAtMs) || startsAtMs > now;
}
