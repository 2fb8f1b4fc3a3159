import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { CursorState, HistoryEntry } from '../domain/cursor';
import { keys, type EventKeyInfo } from '../domain/model';
import type { BucketDoc } from '../domain/order';
import type {
  ControllerPort,
  EntryPort,
  ItemKey,
  JoinPort,
  SweepPort,
  SweepState,
  Ticket,
  TicketReader,
} from '../domain/ports';
import { errorName, withConflictRetry } from './dynamodb';

export interface AdmissionStoreOptions {
  /** Age of the cursor copy that `readCursor({ fresh: false })` may answer with. @default 1000 */
  readonly cursorMaxAgeMs?: number;
  /** Sealed bucket documents kept in memory (they never change). @default 2000 */
  readonly bucketCacheSize?: number;
  /** Clock of the cursor cache. @default Date.now */
  readonly now?: () => number;
}

const conditionFailed = (e: unknown) => errorName(e) === 'ConditionalCheckFailedException';

type Item = Record<string, unknown>;

const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

/**
 * DynamoDB adapter of every admission port: single-item reads, single-item conditional writes and
 * single-partition queries, nothing else (see ADMISSION_ALLOWED_COMMANDS). Items live under
 * `ADM#<eventId>` in a table keyed by `pk`/`sk` strings, which may be shared with another workload.
 */
export class DynamoAdmissionStore implements ControllerPort, JoinPort, EntryPort, TicketReader, SweepPort {
  private cursorCopy: { state: CursorState | undefined; readAt: number } | undefined;
  private readonly buckets = new Map<number, BucketDoc>();
  private readonly cursorMaxAgeMs: number;
  private readonly bucketCacheSize: number;
  private readonly now: () => number;
  private readonly eventId: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly event: EventKeyInfo,
    options: AdmissionStoreOptions = {},
  ) {
    this.eventId = event.eventId;
    this.cursorMaxAgeMs = options.cursorMaxAgeMs ?? 1000;
    this.bucketCacheSize = options.bucketCacheSize ?? 2000;
    this.now = options.now ?? Date.now;
  }

  // ------------------------------------------------------------------------------------------------
  // Cursor
  // ------------------------------------------------------------------------------------------------

  async readCursor(options: { readonly fresh: boolean }): Promise<CursorState | undefined> {
    const now = this.now();
    if (!options.fresh && this.cursorCopy && now - this.cursorCopy.readAt <= this.cursorMaxAgeMs) {
      return this.cursorCopy.state;
    }
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.cursor(this.eventId), ConsistentRead: true }),
    );
    const state = res.Item ? cursorFromItem(res.Item) : undefined;
    this.cursorCopy = { state, readAt: now };
    return state;
  }

  async createCursor(state: CursorState): Promise<boolean> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.cursor(this.eventId), ...cursorFields(state), paused: false, closed: false },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
  }

  /**
   * Writes only the controller's fields, conditional on the version: the operator switches
   * (paused, closed, pace) are never overwritten by a controller that read before an operator.
   */
  async writeCursor(next: CursorState, expectedVersion: number): Promise<boolean> {
    const fields = cursorFields(next);
    const names: Record<string, string> = { '#v': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets = Object.entries(fields).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      return `#f${i} = :f${i}`;
    });
    try {
      await withConflictRetry(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.cursor(this.eventId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      this.cursorCopy = undefined;
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Join counters and bucket documents
  // ------------------------------------------------------------------------------------------------

  async reserve(
    group: string,
    region: string,
    shard: number,
    hour: number,
    n: number,
  ): Promise<number | 'sealed'> {
    try {
      const res = await withConflictRetry(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.counter(this.eventId, group, region, shard, hour),
            UpdateExpression: 'ADD #next :n',
            ConditionExpression: 'attribute_not_exists(#sealed)',
            ExpressionAttributeNames: { '#next': 'next', '#sealed': 'sealed' },
            ExpressionAttributeValues: { ':n': n },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return num(res.Attributes?.next) - n;
    } catch (e) {
      if (conditionFailed(e)) return 'sealed';
      throw e;
    }
  }

  async sealCounter(group: string, region: string, shard: number, hour: number): Promise<number> {
    const res = await withConflictRetry(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.counter(this.eventId, group, region, shard, hour),
          UpdateExpression: 'SET #sealed = :true',
          ExpressionAttributeNames: { '#sealed': 'sealed' },
          ExpressionAttributeValues: { ':true': true },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return num(res.Attributes?.next);
  }

  async getBucketDoc(bucket: number, hour: number): Promise<BucketDoc | undefined> {
    const cached = this.buckets.get(bucket);
    if (cached) return cached;
    const res = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.bucket(this.eventId, bucket, hour),
        ConsistentRead: true,
      }),
    );
    const doc = res.Item ? (res.Item.doc as BucketDoc) : undefined;
    if (doc) this.remember(doc);
    return doc;
  }

  async putBucketDoc(doc: BucketDoc, hour: number): Promise<BucketDoc> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.bucket(this.eventId, doc.bucket, hour), doc },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      this.remember(doc);
      return doc;
    } catch (e) {
      if (!conditionFailed(e)) throw e;
      const existing = await this.getBucketDoc(doc.bucket, hour);
      if (!existing) throw new Error(`bucket ${doc.bucket} exists but cannot be read`);
      return existing;
    }
  }

  private remember(doc: BucketDoc): void {
    if (this.buckets.size >= this.bucketCacheSize) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    this.buckets.set(doc.bucket, doc);
  }

  // ------------------------------------------------------------------------------------------------
  // Tickets and entries
  // ------------------------------------------------------------------------------------------------

  async putTicket(t: Ticket): Promise<'created' | 'exists'> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.ticket(this.event, t.ticketId),
              h: t.secretHash,
              c: t.cohort,
              g: t.group,
              r: t.region,
              s: t.shard,
              q: t.seq,
              at: t.acceptedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return 'created';
    } catch (e) {
      if (conditionFailed(e)) return 'exists';
      throw e;
    }
  }

  async getTicket(ticketId: string): Promise<Ticket | undefined> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.ticket(this.event, ticketId),
        ConsistentRead: true,
      }),
    );
    const i = res.Item;
    if (!i) return undefined;
    return {
      ticketId,
      secretHash: String(i.h),
      cohort: String(i.c),
      group: String(i.g),
      region: String(i.r),
      shard: num(i.s),
      seq: num(i.q),
      acceptedAt: num(i.at),
    };
  }

  async recordEntry(step: number, hour: number, shard: number, position: number): Promise<'new' | 'again'> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.redemptions(this.eventId, step, shard, hour),
            UpdateExpression: 'ADD #n :one, #ps :position',
            ConditionExpression: 'NOT contains(#ps, :p)',
            ExpressionAttributeNames: { '#n': 'n', '#ps': 'ps' },
            ExpressionAttributeValues: { ':one': 1, ':position': new Set([position]), ':p': position },
          }),
        ),
      );
      return 'new';
    } catch (e) {
      if (conditionFailed(e)) return 'again';
      throw e;
    }
  }

  async countEntries(step: number, hour: number, shards: number): Promise<number> {
    let total = 0;
    // Bounded fan-out: a step's entry records are read once, when its no-show window closes.
    for (let from = 0; from < shards; from += 25) {
      const counts = await Promise.all(
        Array.from({ length: Math.min(25, shards - from) }, async (_, i) => {
          const res = await this.db.send(
            new GetCommand({
              TableName: this.tableName,
              Key: keys.redemptions(this.eventId, step, from + i, hour),
              ProjectionExpression: '#n',
              ExpressionAttributeNames: { '#n': 'n' },
              ConsistentRead: true,
            }),
          );
          return num(res.Item?.n);
        }),
      );
      total += counts.reduce((a, b) => a + b, 0);
    }
    return total;
  }

  // ------------------------------------------------------------------------------------------------
  // Sweep
  // ------------------------------------------------------------------------------------------------

  async readSweepState(): Promise<SweepState | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.sweep(this.eventId), ConsistentRead: true }),
    );
    const i = res.Item;
    return i
      ? { through: num(i.through), version: num(i.version), leaseUntil: num(i.leaseUntil) }
      : undefined;
  }

  async claimSweep(
    state: SweepState | undefined,
    leaseUntil: number,
    initialThrough: number,
  ): Promise<SweepState | undefined> {
    const version = (state?.version ?? 0) + 1;
    try {
      await withConflictRetry(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.sweep(this.eventId),
            UpdateExpression: 'SET #v = :v, #lease = :lease, #through = if_not_exists(#through, :initial)',
            ConditionExpression: state ? '#v = :expected' : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: { '#v': 'version', '#lease': 'leaseUntil', '#through': 'through' },
            ExpressionAttributeValues: {
              ':v': version,
              ':lease': leaseUntil,
              ':initial': initialThrough,
              ...(state ? { ':expected': state.version } : {}),
            },
          }),
        ),
      );
      return { through: state?.through ?? initialThrough, version, leaseUntil };
    } catch (e) {
      if (conditionFailed(e)) return undefined;
      throw e;
    }
  }

  async finishSweep(claimed: SweepState, hour: number): Promise<boolean> {
    try {
      await withConflictRetry(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.sweep(this.eventId),
            UpdateExpression: 'SET #through = :hour, #lease = :zero, #v = :next',
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version', '#lease': 'leaseUntil', '#through': 'through' },
            ExpressionAttributeValues: {
              ':hour': hour,
              ':zero': 0,
              ':next': claimed.version + 1,
              ':expected': claimed.version,
            },
          }),
        ),
      );
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
  }

  async *listPartition(pk: string): AsyncIterable<readonly ItemKey[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
          Limit: 500,
        }),
      );
      const items = (res.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
      if (items.length) yield items;
      start = res.LastEvaluatedKey;
    } while (start);
  }

  async deleteItem(key: ItemKey): Promise<void> {
    await withConflictRetry(() =>
      this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key.pk, sk: key.sk } })),
    );
  }

  /** Every ticket of one partition (tests, audits): one query, never a scan. */
  /** Tickets of one partition in ticket-id order (ids start with their join time), after `afterTicketId` if given. */
  async *ticketsOfPartition(pk: string, afterTicketId?: string): AsyncIterable<Ticket[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: afterTicketId === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
          ExpressionAttributeValues:
            afterTicketId === undefined ? { ':pk': pk } : { ':pk': pk, ':after': afterTicketId },
          ExclusiveStartKey: start,
        }),
      );
      yield (res.Items ?? []).map((i) => ({
        ticketId: String(i.sk),
        secretHash: String(i.h),
        cohort: String(i.c),
        group: String(i.g),
        region: String(i.r),
        shard: num(i.s),
        seq: num(i.q),
        acceptedAt: num(i.at),
      }));
      start = res.LastEvaluatedKey;
    } while (start);
  }
}

/** The controller's fields of the cursor item (operator switches excluded). */
function cursorFields(s: CursorState): Item {
  return {
    version: s.version,
    step: s.step,
    nowServing: s.nowServing,
    tail: s.tail,
    sealedThrough: s.sealedThrough,
    // Compact: [step, at, nowServing] per entry; about 40 bytes each.
    history: s.history.map((h) => [h.step, h.at, h.nowServing]),
    historyFloor: s.historyFloor,
    evaluatedThrough: s.evaluatedThrough,
    noShows: s.noShows,
    credit: s.credit,
    owed: s.owed,
    redeemShards: s.redeemShards,
    updatedAt: s.updatedAt,
    region: s.region,
  };
}

function cursorFromItem(i: Item): CursorState {
  const history: HistoryEntry[] = Array.isArray(i.history)
    ? (i.history as unknown[][]).map((h) => ({ step: num(h[0]), at: num(h[1]), nowServing: num(h[2]) }))
    : [];
  const pace = typeof i.pace === 'number' && i.pace > 0 ? i.pace : undefined;
  return {
    version: num(i.version),
    step: num(i.step, -1),
    nowServing: num(i.nowServing),
    tail: num(i.tail),
    sealedThrough: num(i.sealedThrough, -1),
    history,
    historyFloor: num(i.historyFloor),
    evaluatedThrough: num(i.evaluatedThrough, -1),
    noShows: num(i.noShows),
    credit: num(i.credit),
    owed: num(i.owed),
    redeemShards: Math.max(1, num(i.redeemShards, 1)),
    paused: i.paused === true,
    closed: i.closed === true,
    updatedAt: num(i.updatedAt),
    region: typeof i.region === 'string' ? i.region : '',
    ...(pace ? { pace } : {}),
  };
}
