import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  decideSeat,
  decisionAttribute,
  keys,
  type CancellationReason,
  type DecisionRecord,
  type HeldBooking,
  type PersonState,
  type SlotState,
} from '../domain/model';
import type { BookingPort, SeatResult } from '../domain/process-booking';
import { errorName, retryOnReplicatedConflict } from './dynamodb';

const CONDITION_FAILED = 'ConditionalCheckFailedException';

/** The `Item` a refused conditional write returns with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
function oldItem(e: unknown): Record<string, unknown> | undefined {
  const item = (e as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
}

const MAX_SEAT_ATTEMPTS = 50;
const DECISION_PREFIX = 'q:';

function toSlotState(item: Record<string, unknown> | undefined): SlotState | undefined {
  if (!item) return undefined;
  const holders = item.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
  const startsAtMs = item.startsAtMs === undefined ? undefined : Number(item.startsAtMs);
  return { capacity: Number(item.capacity), booked: Number(item.booked), holders, startsAtMs };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function toRecord(v: unknown): DecisionRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (r.status !== 'CONFIRMED' && r.status !== 'REJECTED' && r.status !== 'CANCELLED') return undefined;
  return {
    status: r.status,
    reason: str(r.reason) as DecisionRecord['reason'],
    centreId: str(r.centreId),
    slotId: str(r.slotId),
    bodyHash: str(r.bodyHash),
    acceptedAt: num(r.acceptedAt),
    decidedAt: num(r.decidedAt) ?? 0,
  };
}

/** The decision-relevant view of a person item (as returned by a refused write, or read). */
export function toPersonState(item: Record<string, unknown> | undefined): PersonState {
  if (!item) return { decisions: {} };
  const decisions: Record<string, DecisionRecord> = {};
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(DECISION_PREFIX)) continue;
    const record = toRecord(value);
    if (record) decisions[name.slice(DECISION_PREFIX.length)] = record;
  }
  // The booking's details live in its decision record (written in the same update as `holder`).
  const holderId = str(item.holder);
  const held = holderId ? decisions[holderId] : undefined;
  const holder: HeldBooking | undefined = holderId
    ? {
        requestId: holderId,
        seat: held?.bodyHash ?? '',
        centreId: held?.centreId ?? '',
        slotId: held?.slotId ?? '',
      }
    : undefined;
  const pendingId = str(item.pendingCancel);
  const until = num(item.pendingCancelUntil);
  return {
    holder,
    decisions,
    pendingCancel: pendingId && until !== undefined ? { requestId: pendingId, until } : undefined,
  };
}

/** DynamoDB drops undefined members only at the top level: keep records free of them. */
function compact(record: DecisionRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/**
 * BookingPort on DynamoDB: each method is one single-item conditional write, valid on an MRSC
 * global table (no transaction). Conflicts between Regions are retried here; the condition is
 * evaluated again on each attempt, so a retry is safe.
 *
 * Person item `PERSON#<personKey>`: `holder` (the request id of the one confirmed booking, whose
 * record says where), one `q:<requestId>` map per decided request, `nq` (their count), the gate's
 * counters (see AdmissionStore), `gv` (their version: every write that moves `inFlight` bumps it)
 * and `lastActivityAt` (retention).
 */
export class DynamoBookingStore implements BookingPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async takeSeat(centreId: string, slotId: string, seat: string, now: number): Promise<SeatResult> {
    // Each 'retry' means another request changed the slot in between; a bound turns pathological
    // contention into an error the queue redelivers, instead of a loop until the function times out.
    for (let attempt = 0; attempt < MAX_SEAT_ATTEMPTS; attempt++) {
      try {
        await retryOnReplicatedConflict(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.slot(centreId, slotId),
              UpdateExpression: 'SET booked = booked + :one ADD holders :seats',
              // A missing slot fails `booked < capacity` too (no attribute compares true).
              ConditionExpression:
                'startsAtMs > :now AND booked < #capacity AND NOT contains(holders, :seat)',
              ExpressionAttributeNames: { '#capacity': 'capacity' },
              ExpressionAttributeValues: { ':one': 1, ':now': now, ':seat': seat, ':seats': new Set([seat]) },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return 'taken';
      } catch (e) {
        if (errorName(e) !== CONDITION_FAILED) throw e;
        const decision = decideSeat(toSlotState(oldItem(e)), seat, now);
        if (decision !== 'retry') return decision;
      }
    }
    throw new Error(
      `takeSeat: slot ${centreId}/${slotId} still contended after ${MAX_SEAT_ATTEMPTS} attempts`,
    );
  }

  async releaseSeat(centreId: string, slotId: string, seat: string): Promise<void> {
    await this.ignoringRefusal(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.slot(centreId, slotId),
          UpdateExpression: 'SET booked = booked - :one DELETE holders :seats',
          ConditionExpression: 'contains(holders, :seat)',
          ExpressionAttributeValues: { ':one': 1, ':seat': seat, ':seats': new Set([seat]) },
        }),
      ),
    );
  }

  async confirm(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    now: number,
  ): Promise<PersonState | undefined> {
    return this.refusedOrDone(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.person(personKey),
          UpdateExpression:
            'SET holder = :r, #q = :record, lastActivityAt = :now ADD nq :one, inFlight :minusOne, gv :one',
          ConditionExpression: 'attribute_not_exists(holder) AND attribute_not_exists(#q)',
          ExpressionAttributeNames: { '#q': decisionAttribute(requestId) },
          ExpressionAttributeValues: {
            ':r': requestId,
            ':record': compact(record),
            ':now': now,
            ':one': 1,
            ':minusOne': -1,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async recordDecision(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    endsRequest: boolean,
    now: number,
  ): Promise<PersonState | undefined> {
    return this.refusedOrDone(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.person(personKey),
          UpdateExpression: endsRequest
            ? 'SET #q = :record, lastActivityAt = :now ADD nq :one, inFlight :minusOne, gv :one'
            : 'SET #q = :record, lastActivityAt = :now ADD nq :one',
          ConditionExpression: 'attribute_not_exists(#q)',
          ExpressionAttributeNames: { '#q': decisionAttribute(requestId) },
          ExpressionAttributeValues: {
            ':record': compact(record),
            ':now': now,
            ':one': 1,
            ...(endsRequest ? { ':minusOne': -1 } : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async cancelHolder(
    personKey: string,
    requestId: string,
    reason: CancellationReason,
    now: number,
  ): Promise<{ readonly cancelled: HeldBooking } | { readonly refused: PersonState }> {
    try {
      const res = await retryOnReplicatedConflict(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.person(personKey),
            UpdateExpression:
              'REMOVE holder, pendingCancel, pendingCancelUntil SET #q.#status = :cancelled, #q.#reason = :reason, #q.cancelledAt = :now, lastActivityAt = :now',
            ConditionExpression: 'holder = :r',
            ExpressionAttributeNames: {
              '#q': decisionAttribute(requestId),
              '#status': 'status',
              '#reason': 'reason',
            },
            ExpressionAttributeValues: {
              ':r': requestId,
              ':cancelled': 'CANCELLED',
              ':reason': reason,
              ':now': now,
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      const held = toPersonState(res.Attributes).holder;
      if (!held) throw new Error(`cancelHolder: ${requestId} was the holder but the item had no booking`);
      return { cancelled: held };
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
      return { refused: toPersonState(oldItem(e)) };
    }
  }

  /** The person item as it stands (strongly consistent), for the status read and the operator. */
  async readPerson(personKey: string): Promise<PersonState & { readonly item?: Record<string, unknown> }> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.person(personKey), ConsistentRead: true }),
    );
    return { ...toPersonState(res.Item), item: res.Item };
  }

  private async refusedOrDone(op: () => Promise<unknown>): Promise<PersonState | undefined> {
    try {
      await retryOnReplicatedConflict(op);
      return undefined;
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
      return toPersonState(oldItem(e));
    }
  }

  /** Compensations are conditional: a refusal means there was nothing to undo. */
  private async ignoringRefusal(op: () => Promise<unknown>): Promise<void> {
    try {
      await retryOnReplicatedConflict(op);
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
    }
  }
}
