import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CatalogueStore } from '../../lambda/booking/adapters/catalogue-store';
import type { BookingMessage } from '../../lambda/booking/domain/model';
import type { Catalogue } from '../../lambda/booking/domain/views';
import { makeWorkerHandler, type WorkerHandler } from '../../lambda/booking/handlers/worker';
import { createBookingTable, localDocumentClient } from '../helpers/dynamodb-local';

/** Shared test scaffolding for the worker against DynamoDB Local. */
export const silentLogger = new Logger({ logLevel: 'SILENT' });

export const fakeContext = {
  functionName: 'booking-worker',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export function personKey(n: number | string): string {
  return createHash('sha256').update(`person-${n}`).digest('hex');
}

let seq = 0;
export function requestId(): string {
  seq++;
  return `req-${process.pid}-${seq.toString().padStart(8, '0')}`;
}

export function message(centreId: string, slotId: string, person: string, id = requestId()): BookingMessage {
  return { requestId: id, acceptedAt: Date.now(), booking: { centreId, slotId, personKey: person } };
}

export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  /** Message attributes API Gateway sets (absent on a hand-crafted malformed message). */
  readonly attributes?: { readonly requestId: string; readonly acceptedAt: string };
  readonly receiveCount?: number;
}

/** What the API's SQS integration sends: the body as validated, id and time as attributes. */
export function delivery(msg: BookingMessage | string, messageId?: string): Delivery {
  if (typeof msg === 'string') return { messageId: messageId ?? `raw-${requestId()}`, body: msg };
  return {
    messageId: messageId ?? msg.requestId,
    body: JSON.stringify(msg.booking),
    attributes: { requestId: msg.requestId, acceptedAt: String(msg.acceptedAt) },
  };
}

export function sqsEvent(deliveries: readonly Delivery[]): SQSEvent {
  return {
    Records: deliveries.map((d): SQSRecord => ({
      messageId: d.messageId,
      receiptHandle: `rh-${d.messageId}`,
      body: d.body,
      attributes: {
        ApproximateReceiveCount: String(d.receiveCount ?? 1),
        SentTimestamp: String(Date.now()),
        SenderId: 'apigateway',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: d.attributes
        ? {
            requestId: { dataType: 'String', stringValue: d.attributes.requestId },
            acceptedAt: { dataType: 'Number', stringValue: d.attributes.acceptedAt },
          }
        : {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-3:111111111111:booking',
      awsRegion: 'eu-west-3',
    })),
  };
}

export interface Fixture {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly worker: WorkerHandler;
  readonly catalogue: CatalogueStore;
  invoke(deliveries: readonly Delivery[]): Promise<SQSBatchResponse>;
}

/** A fresh table loaded with `catalogue` and a worker handler bound to it. */
export async function fixture(
  catalogue: Catalogue,
  db: DynamoDBDocumentClient = localDocumentClient(),
): Promise<Fixture> {
  const tableName = await createBookingTable();
  const store = new CatalogueStore(db, tableName);
  await store.load(catalogue);
  const worker = makeWorkerHandler({ db, tableName, region: 'eu-west-3', logger: silentLogger });
  return {
    db,
    tableName,
    worker,
    catalogue: store,
    invoke: (deliveries) => worker(sqsEvent(deliveries), fakeContext),
  };
}

export function oneCentre(
  slots: ReadonlyArray<{ slotId: string; capacity: number }>,
  centreId = 'centre-a',
): Catalogue {
  return {
    centres: [
      {
        centreId,
        name: 'Centre de vaccination A',
        city: 'Paris',
        slots: slots.map((s) => ({ ...s, startsAt: '2027-01-14T10:00:00+01:00' })),
      },
    ],
  };
}

/** Run `tasks` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  });
  await Promise.all(lanes);
}

/** Deterministic shuffle (the races must be reproducible). */
export function shuffle<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Behave like SQS + the event source mapping: deliver every message `copies` times in shuffled
 * batches, `concurrency` invocations at once, and redeliver batch item failures until none remain.
 */
export async function deliverUntilSettled(
  f: Fixture,
  messages: readonly BookingMessage[],
  options: { copies?: number; batchSize?: number; concurrency?: number; maxRounds?: number } = {},
): Promise<{ rounds: number; deliveries: number }> {
  const copies = options.copies ?? 2;
  const batchSize = options.batchSize ?? 10;
  let pending: Delivery[] = shuffle(
    messages.flatMap((m) => Array.from({ length: copies }, (_, c) => delivery(m, `${m.requestId}#${c}`))),
  );
  let rounds = 0;
  let deliveries = 0;
  while (pending.length) {
    if (++rounds > (options.maxRounds ?? 30))
      throw new Error(`${pending.length} message(s) still failing after ${rounds - 1} rounds`);
    const batches: Delivery[][] = [];
    for (let i = 0; i < pending.length; i += batchSize) batches.push(pending.slice(i, i + batchSize));
    const failed: Delivery[] = [];
    await pool(batches, options.concurrency ?? 16, async (batch) => {
      deliveries += batch.length;
      try {
        const res = await f.invoke(batch);
        const ids = new Set(res.batchItemFailures.map((b) => b.itemIdentifier));
        failed.push(...batch.filter((d) => ids.has(d.messageId)));
      } catch {
        failed.push(...batch); // the whole batch failed: SQS makes all of it visible again
      }
    });
    pending = failed.map((d) => ({ ...d, receiveCount: (d.receiveCount ?? 1) + 1 }));
  }
  return { rounds, deliveries };
}

/** Everything in the table, grouped by kind (test-side inspection only, through Scan). */
export async function snapshot(f: Fixture): Promise<{
  outcomes: Map<string, Record<string, unknown>>;
  persons: Map<string, Record<string, unknown>>;
  slots: Map<string, { capacity: number; booked: number; holders: string[] }>;
}> {
  const outcomes = new Map<string, Record<string, unknown>>();
  const persons = new Map<string, Record<string, unknown>>();
  const slots = new Map<string, { capacity: number; booked: number; holders: string[] }>();
  let start: Record<string, unknown> | undefined;
  do {
    const res = await f.db.send(
      new ScanCommand({ TableName: f.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of res.Items ?? []) {
      const pk = String(item.pk);
      if (pk.startsWith('REQUEST#')) outcomes.set(pk.slice('REQUEST#'.length), item);
      else if (pk.startsWith('PERSON#')) persons.set(pk.slice('PERSON#'.length), item);
      else if (String(item.sk).startsWith('SLOT#')) {
        slots.set(`${String(item.centreId)}/${String(item.slotId)}`, {
          capacity: Number(item.capacity),
          booked: Number(item.booked),
          holders: item.holders instanceof Set ? [...(item.holders as Set<string>)] : [],
        });
      }
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return { outcomes, persons, slots };
}
