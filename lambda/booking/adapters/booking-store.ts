import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decideSeat, keys, type Outcome, type PersonHolder, type SlotState } from '../domain/model';
import type { BookingPort } from '../domain/process-booking';
import { errorName, retryOnReplicatedConflict } from './dynamodb';

const CONDITION_FAILED = 'ConditionalCheckFailedException';

/** The `Item` a refused conditional write returns with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
function oldItem(e: unknown): Record<string, unknown> | undefined {
  const item = (e as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
}

const MAX_SEAT_ATTEMPTS = 50;

function toSlotState(item: Record<string, unknown> | undefined): SlotState | undefined {
  if (!item) return undefined;
  const holders = item.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
  return { capacity: Number(item.capacity), booked: Number(item.booked), holders };
}

/**
 * BookingPort on DynamoDB: each method is one single-item conditional write (or one strongly
 * consistent read), valid on an MRSC global table. Conflicts between Regions are retried here.
 */
export class DynamoBookingStore implements BookingPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getOutcome(requestId: string): Promise<Outcome | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.outcome(requestId), ConsistentRead: true }),
    );
    return res.Item ? toOutcome(res.Item) : undefined;
  }

  async claimPerson(personKey: string, requestId: string): Promise<PersonHolder | undefined> {
    try {
      await retryOnReplicatedConflict(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.person(personKey),
            // A replayed claim keeps its state: a CONFIRMED person stays CONFIRMED.
            UpdateExpression:
              'SET requestId = :r, #state = if_not_exists(#state, :claimed), claimedAt = if_not_exists(claimedAt, :now)',
            ConditionExpression: 'attribute_not_exists(pk) OR requestId = :r',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':r': requestId, ':claimed': 'CLAIMED', ':now': this.now() },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return undefined;
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
      const holder = oldItem(e) ?? (await this.readPerson(personKey));
      // The holder left between the write and the read: claim again.
      if (!holder) return this.claimPerson(personKey, requestId);
      return {
        requestId: String(holder.requestId),
        state: holder.state === 'CONFIRMED' ? 'CONFIRMED' : 'CLAIMED',
      };
    }
  }

  async takeSeat(
    centreId: string,
    slotId: string,
    requestId: string,
  ): Promise<'taken' | 'already-held' | 'full' | 'unknown-slot'> {
    // Each 'retry' means another request took a seat in between; a bound turns a pathological
    // contention into an error the queue redelivers, instead of a loop until the function times out.
    for (let attempt = 0; attempt < MAX_SEAT_ATTEMPTS; attempt++) {
      try {
        await retryOnReplicatedConflict(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.slot(centreId, slotId),
              UpdateExpression: 'SET booked = booked + :one ADD holders :rs',
              ConditionExpression:
                'attribute_exists(pk) AND booked < #capacity AND NOT contains(holders, :r)',
              ExpressionAttributeNames: { '#capacity': 'capacity' },
              ExpressionAttributeValues: { ':one': 1, ':r': requestId, ':rs': new Set([requestId]) },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return 'taken';
      } catch (e) {
        if (errorName(e) !== CONDITION_FAILED) throw e;
        const slot = toSlotState(oldItem(e) ?? (await this.readSlot(centreId, slotId)));
        const decision = decideSeat(slot, requestId);
        if (decision !== 'retry') return decision;
      }
    }
    throw new Error(
      `takeSeat: slot ${centreId}/${slotId} still contended after ${MAX_SEAT_ATTEMPTS} attempts`,
    );
  }

  async releaseSeat(centreId: string, slotId: string, requestId: string): Promise<void> {
    await this.ignoringRefusal(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.slot(centreId, slotId),
          UpdateExpression: 'SET booked = booked - :one DELETE holders :rs',
          ConditionExpression: 'contains(holders, :r)',
          ExpressionAttributeValues: { ':one': 1, ':r': requestId, ':rs': new Set([requestId]) },
        }),
      ),
    );
  }

  async confirmPerson(personKey: string, requestId: string): Promise<boolean> {
    try {
      await retryOnReplicatedConflict(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.person(personKey),
            UpdateExpression:
              'SET requestId = :r, #state = :confirmed, confirmedAt = if_not_exists(confirmedAt, :now)',
            ConditionExpression: 'attribute_not_exists(pk) OR requestId = :r',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':r': requestId, ':confirmed': 'CONFIRMED', ':now': this.now() },
          }),
        ),
      );
      return true;
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
      return false;
    }
  }

  async releasePerson(personKey: string, requestId: string, onlyUnconfirmed: boolean): Promise<void> {
    await this.ignoringRefusal(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.person(personKey),
          ConditionExpression: onlyUnconfirmed ? 'requestId = :r AND #state = :claimed' : 'requestId = :r',
          ExpressionAttributeNames: onlyUnconfirmed ? { '#state': 'state' } : undefined,
          ExpressionAttributeValues: onlyUnconfirmed
            ? { ':r': requestId, ':claimed': 'CLAIMED' }
            : { ':r': requestId },
        }),
      ),
    );
  }

  async recordOutcome(requestId: string, outcome: Outcome, acceptedAt: number): Promise<Outcome> {
    try {
      await retryOnReplicatedConflict(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.outcome(requestId), ...outcome, acceptedAt, decidedAt: this.now() },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return outcome;
    } catch (e) {
      if (errorName(e) !== CONDITION_FAILED) throw e;
      const existing = oldItem(e);
      if (existing) return toOutcome(existing);
      const read = await this.getOutcome(requestId);
      if (!read) throw new Error(`Outcome of ${requestId} refused but absent`, { cause: e });
      return read;
    }
  }

  private async readPerson(personKey: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.person(personKey), ConsistentRead: true }),
    );
    return res.Item;
  }

  private async readSlot(centreId: string, slotId: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.slot(centreId, slotId), ConsistentRead: true }),
    );
    return res.Item;
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

function toOutcome(item: Record<string, unknown>): Outcome {
  const centreId = String(item.centreId);
  const slotId = String(item.slotId);
  if (item.status === 'CONFIRMED') return { status: 'CONFIRMED', centreId, slotId };
  const reason = item.reason === 'FULL' || item.reason === 'UNKNOWN_SLOT' ? item.reason : 'ALREADY_BOOKED';
  return { status: 'REJECTED', reason, centreId, slotId };
}

export { toOutcome };
