import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOUNDS, decisionAttribute, keys, type DecisionRecord } from '../domain/model';
import { slotView, type Catalogue, type Centre, type SlotView } from '../domain/views';
import { toPersonState } from './booking-store';
import { errorName, retryOnReplicatedConflict } from './dynamodb';

/** Read side (centres, slots, outcomes, progress) and the operator's loading path. */
export class CatalogueStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Eventually consistent: lists are micro-cached anyway, and half the read units. */
  async listCentres(): Promise<Centre[]> {
    const items = await this.queryAll(keys.centreList().pk, 'CENTRE#', ['centreId', 'name', 'city']);
    return items.map((i) => ({ centreId: String(i.centreId), name: String(i.name), city: String(i.city) }));
  }

  async listSlots(centreId: string): Promise<SlotView[]> {
    const { pk, skPrefix } = keys.slotsOf(centreId);
    const items = await this.queryAll(pk, skPrefix, ['slotId', 'startsAt', 'capacity', 'booked']);
    return items.map((i) =>
      slotView({
        slotId: String(i.slotId),
        startsAt: String(i.startsAt),
        capacity: Number(i.capacity),
        booked: Number(i.booked),
      }),
    );
  }

  /**
   * The decision recorded for one of a person's requests: one strongly consistent read of one
   * attribute of the person item (the owner was checked from the id itself; nothing is scanned).
   */
  async personDecision(personKey: string, requestId: string): Promise<DecisionRecord | undefined> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.person(personKey),
        ProjectionExpression: '#q',
        ExpressionAttributeNames: { '#q': decisionAttribute(requestId) },
        ConsistentRead: true,
      }),
    );
    return toPersonState(res.Item).decisions[requestId];
  }

  async listProgress(): Promise<Array<{ region: string; processedUpTo: number }>> {
    const items = await this.queryAll(keys.progressAll().pk, '');
    return items.map((i) => ({ region: String(i.sk), processedUpTo: Number(i.processedUpTo) }));
  }

  /**
   * Move this Region's cursor forward (never back). Best effort: a refused or conflicting write
   * means another worker already moved it further.
   */
  async advanceProgress(region: string, processedUpTo: number, now = Date.now()): Promise<void> {
    // The cursor never goes back: one absurd value would freeze it for good, so bound it here too.
    if (!Number.isSafeInteger(processedUpTo) || processedUpTo > now + BOUNDS.maxClockSkewMs) {
      throw new RangeError(`progress cursor ${processedUpTo} is not a time within bounds`);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.progress(region),
          UpdateExpression: 'SET processedUpTo = :t',
          ConditionExpression: 'attribute_not_exists(processedUpTo) OR processedUpTo < :t',
          ExpressionAttributeValues: { ':t': processedUpTo },
        }),
      );
    } catch (e) {
      if (!['ConditionalCheckFailedException', 'ReplicatedWriteConflictException'].includes(errorName(e)))
        throw e;
    }
  }

  /**
   * Load centres and slots. Idempotent: run it again to add slots or change capacities; a capacity
   * is never set below the seats already booked, and `booked` is never reset.
   */
  async load(catalogue: Catalogue): Promise<{ centres: number; slots: number }> {
    let slots = 0;
    for (const c of catalogue.centres) {
      await retryOnReplicatedConflict(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.centre(c.centreId),
            UpdateExpression: 'SET centreId = :id, #name = :name, #city = :city',
            ExpressionAttributeNames: { '#name': 'name', '#city': 'city' },
            ExpressionAttributeValues: { ':id': c.centreId, ':name': c.name, ':city': c.city },
          }),
        ),
      );
      for (const s of c.slots) {
        try {
          await retryOnReplicatedConflict(() =>
            this.db.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: keys.slot(c.centreId, s.slotId),
                UpdateExpression:
                  'SET centreId = :c, slotId = :s, startsAt = :t, startsAtMs = :tms, #capacity = :cap, booked = if_not_exists(booked, :zero)',
                ConditionExpression: 'attribute_not_exists(booked) OR booked <= :cap',
                ExpressionAttributeNames: { '#capacity': 'capacity' },
                ExpressionAttributeValues: {
                  ':c': c.centreId,
                  ':s': s.slotId,
                  ':t': s.startsAt,
                  // The worker refuses a slot that has started by comparing this number with its clock.
                  ':tms': Date.parse(s.startsAt),
                  ':cap': s.capacity,
                  ':zero': 0,
                },
              }),
            ),
          );
        } catch (e) {
          if (errorName(e) !== 'ConditionalCheckFailedException') throw e;
          throw new Error(
            `Slot ${c.centreId}/${s.slotId}: capacity ${s.capacity} is below the seats already booked. Fix: keep the capacity at or above the booked count`,
          );
        }
        slots++;
      }
    }
    return { centres: catalogue.centres.length, slots };
  }

  private async queryAll(
    pk: string,
    skPrefix: string,
    projection?: string[],
  ): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
          ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':p': skPrefix } : { ':pk': pk },
          ProjectionExpression: projection?.map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: projection
            ? Object.fromEntries(projection.map((p, i) => [`#p${i}`, p]))
            : undefined,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
