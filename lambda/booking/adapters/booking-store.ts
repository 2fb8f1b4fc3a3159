import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
import { errorName, retryOnReplicatedConflict, updateItemSender, type UpdateItemSender } from './dynamodb';

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

/** Low-level attribute values, built by hand: the hot path skips lib-dynamodb's marshalling. */
const ONE: AttributeValue = { N: '1' };
const MINUS_ONE: AttributeValue = { N: '-1' };
const str$ = (v: string): AttributeValue => ({ S: v });
const num$ = (v: number): AttributeValue => ({ N: String(v) });
const key$ = (k: { readonly pk: string; readonly sk: string }): Record<string, AttributeValue> => ({
  pk: { S: k.pk },
  sk: { S: k.sk },
});

/** A decision record as a map attribute, with no member for an undefined field. */
function record$(record: DecisionRecord): AttributeValue {
  const m: Record<string, AttributeValue> = { status: str$(record.status) };
  if (record.reason !== undefined) m.reason = str$(record.reason);
  if (record.centreId !== undefined) m.centreId = str$(record.centreId);
  if (record.slotId !== undefined) m.slotId = str$(record.slotId);
  if (record.bodyHash !== undefined) m.bodyHash = str$(record.bodyHash);
  if (record.acceptedAt !== undefined) m.acceptedAt = num$(record.acceptedAt);
  m.decidedAt = num$(record.decidedAt);
  return { M: m };
}

// The expressions, written once. Placeholders: :one/:minusOne counters, :now the worker's clock.
const TAKE_SEAT = {
  update: 'SET booked = booked + :one ADD holders :seats',
  // A missing slot fails `booked < capacity` too (no attribute compares true).
  condition: 'startsAtMs > :now AND booked < #capacity AND NOT contains(holders, :seat)',
  names: { '#capacity': 'capacity' },
} as const;
const RELEASE_SEAT = {
  update: 'SET booked = booked - :one DELETE holders :seats',
  condition: 'contains(holders, :seat)',
} as const;
const CONFIRM = {
  update: 'SET holder = :r, #q = :record, lastActivityAt = :now ADD nq :one, inFlight :minusOne, gv :one',
  condition: 'attribute_not_exists(holder) AND attribute_not_exists(#q)',
} as const;
const RECORD_DECISION = {
  endsRequest: 'SET #q = :record, lastActivityAt = :now ADD nq :one, inFlight :minusOne, gv :one',
  other: 'SET #q = :record, lastActivityAt = :now ADD nq :one',
  condition: 'attribute_not_exists(#q)',
} as const;
const CANCEL_HOLDER = {
  update:
    'REMOVE holder, pendingCancel, pendingCancelUntil SET #q.#status = :cancelled, #q.#reason = :reason, #q.cancelledAt = :now, lastActivityAt = :now',
  condition: 'holder = :r',
} as const;

/**
 * BookingPort on DynamoDB: each method is one single-item conditional write, valid on an MRSC
 * global table (no transaction). Conflicts between Regions are retried here; the condition is
 * evaluated again on each attempt, so a retry is safe.
 *
 * The writes are low-level UpdateItem calls whose attribute values are built here, sent with the
 * client's middleware resolved once (`updateItemSender`): the worker's CPU per booking is two
 * SDK calls, not two marshalled document calls.
 *
 * Person item `PERSON#<personKey>`: `holder` (the request id of the one confirmed booking, whose
 * record says where), one `q:<requestId>` map per decided request, `nq` (their count), the gate's
 * counters (see AdmissionStore), `gv` (their version: every write that moves `inFlight` bumps it)
 * and `lastActivityAt` (retention).
 */
export class DynamoBookingStore implements BookingPort {
  private readonly update: UpdateItemSender;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.update = updateItemSender(db);
  }

  async takeSeat(centreId: string, slotId: string, seat: string, now: number): Promise<SeatResult> {
    const input: UpdateItemCommandInput = {
      TableName: this.tableName,
      Key: key$(keys.slot(centreId, slotId)),
      UpdateExpression: TAKE_SEAT.update,
      ConditionExpression: TAKE_SEAT.condition,
      ExpressionAttributeNames: TAKE_SEAT.names,
      ExpressionAttributeValues: {
        ':one': ONE,
        ':now': num$(now),
        ':seat': str$(seat),
        ':seats': { SS: [seat] },
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
    // Each 'retry' means another request changed the slot in between; a bound turns pathological
    // contention into an error the queue redelivers, instead of a loop until the function times out.
    for (let attempt = 0; attempt < MAX_SEAT_ATTEMPTS; attempt++) {
      try {
        await retryOnReplicatedConflict(() => this.update(input));
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
      this.update({
        TableName: this.tableName,
        Key: key$(keys.slot(centreId, slotId)),
        UpdateExpression: RELEASE_SEAT.update,
        ConditionExpression: RELEASE_SEAT.condition,
        ExpressionAttributeValues: { ':one': ONE, ':seat': str$(seat), ':seats': { SS: [seat] } },
      }),
    );
  }

  async confirm(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    now: number,
  ): Promise<PersonState | undefined> {
    return this.refusedOrDone(() =>
      this.update({
        TableName: this.tableName,
        Key: key$(keys.person(personKey)),
        UpdateExpression: CONFIRM.update,
        ConditionExpression: CONFIRM.condition,
        ExpressionAttributeNames: { '#q': decisionAttribute(requestId) },
        ExpressionAttributeValues: {
          ':r': str$(requestId),
          ':record': record$(record),
          ':now': num$(now),
          ':one': ONE,
          ':minusOne': MINUS_ONE,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  async recordDecision(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    endsRequest: boolean,
    now: number,
  ): Promise<PersonState | undefined> {
    const values: Record<string, AttributeValue> = {
      ':record': record$(record),
      ':now': num$(now),
      ':one': ONE,
    };
    if (endsRequest) values[':minusOne'] = MINUS_ONE;
    return this.refusedOrDone(() =>
      this.update({
        TableName: this.tableName,
        Key: key$(keys.person(personKey)),
        UpdateExpression: endsRequest ? RECORD_DECISION.endsRequest : RECORD_DECISION.other,
        ConditionExpression: RECORD_DECISION.condition,
        ExpressionAttributeNames: { '#q': decisionAttribute(requestId) },
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
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
        this.update({
          TableName: this.tableName,
          Key: key$(keys.person(personKey)),
          UpdateExpression: CANCEL_HOLDER.update,
          ConditionExpression: CANCEL_HOLDER.condition,
          ExpressionAttributeNames: {
            '#q': decisionAttribute(requestId),
            '#status': 'status',
            '#reason': 'reason',
          },
          ExpressionAttributeValues: {
            ':r': str$(requestId),
            ':cancelled': str$('CANCELLED'),
            ':reason': str$(reason),
            ':now': num$(now),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const held = toPersonState(res.Attributes ? unmarshall(res.Attributes) : undefined).holder;
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
