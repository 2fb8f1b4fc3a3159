import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toPersonState } from '../../lambda/booking/adapters/booking-store';
import { CatalogueStore } from '../../lambda/booking/adapters/catalogue-store';
import {
  parseBookingMessage,
  requestTag,
  type BookMessage,
  type BookingMessage,
  type CancelMessage,
  type DecisionRecord,
  type HeldBooking,
} from '../../lambda/booking/domain/model';
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

/** A person key as the authorizer derives it (64 hex); here a plain hash of a test name. */
export function personKey(n: number | string): string {
  return createHash('sha256').update(`person-${n}`).digest('hex');
}

let seq = 0;
/** A request id as the API mints it for `person`: their request tag, "-", an API request id. */
export function requestId(person: string): string {
  seq++;
  return `${requestTag(person)}-req-${process.pid}-${seq.toString().padStart(8, '0')}`;
}

/** Slots start in 30 days unless said otherwise: bookable for as long as the tests live. */
export const FUTURE = new Date(Date.now() + 30 * 86_400_000).toISOString();

/** The raw SQS message API Gateway would queue: body as sent, identity and time as attributes. */
export interface RawMessage {
  readonly body: string;
  readonly attributes: {
    readonly requestId: string;
    readonly acceptedAt: string;
    readonly operation: 'CREATE' | 'DELETE';
    readonly personKey: string;
  };
}

type Parsed<T extends BookingMessage> = T & { readonly raw: RawMessage };

function parsed<T extends BookingMessage>(raw: RawMessage): Parsed<T> {
  return { ...(parseBookingMessage(raw.body, raw.attributes, Date.now()) as T), raw };
}

/** A booking request of `person` for a slot, as queued by the API. */
export function message(
  centreId: string,
  slotId: string,
  person: string,
  id = requestId(person),
  acceptedAt = Date.now(),
): Parsed<BookMessage> {
  return parsed<BookMessage>({
    body: JSON.stringify({ centreId, slotId }),
    attributes: { requestId: id, acceptedAt: String(acceptedAt), operation: 'CREATE', personKey: person },
  });
}

/** A cancellation by `person` of their request `target`, as queued by the API. */
export function cancellation(person: string, target: string, acceptedAt = Date.now()): Parsed<CancelMessage> {
  return parsed<CancelMessage>({
    body: JSON.stringify({ requestId: target }),
    attributes: {
      requestId: requestId(person),
      acceptedAt: String(acceptedAt),
      operation: 'DELETE',
      personKey: person,
    },
  });
}

export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  /** Message attributes API Gateway sets (absent on a hand-crafted malformed message). */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly receiveCount?: number;
}

/** One delivery of a message (SQS may deliver the same message several times). */
export function delivery(
  msg: { readonly raw: RawMessage; readonly requestId: string } | string,
  messageId?: string,
): Delivery {
  if (typeof msg === 'string') return { messageId: messageId ?? `raw-${seq++}`, body: msg };
  return { messageId: messageId ?? msg.requestId, body: msg.raw.body, attributes: msg.raw.attributes };
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
      messageAttributes: Object.fromEntries(
        Object.entries(d.attributes ?? {}).map(([k, v]) => [
          k,
          { dataType: k === 'acceptedAt' ? 'Number' : 'String', stringValue: v },
        ]),
      ),
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
  now?: () => number,
): Promise<Fixture> {
  const tableName = await createBookingTable();
  const store = new CatalogueStore(db, tableName);
  await store.load(catalogue);
  const worker = makeWorkerHandler({ db, tableName, region: 'eu-west-3', logger: silentLogger, now });
  return {
    db,
    tableName,
    worker,
    catalogue: store,
    invoke: (deliveries) => worker(sqsEvent(deliveries), fakeContext),
  };
}

export function oneCentre(
  slots: ReadonlyArray<{ slotId: string; capacity: number; startsAt?: string }>,
  centreId = 'centre-a',
): Catalogue {
  return {
    centres: [
      {
        centreId,
        name: 'Centre de vaccination A',
        city: 'Paris',
        slots: slots.map((s) => ({ startsAt: FUTURE, ...s })),
      },
    ],
  };
}

/** Run `task` over `items` with at most `limit` in flight. */
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
 * batches, `concurrency` invocations at once (each processes its records concurrently, as the
 * worker does), and redeliver batch item failures until none remain.
 */
export async function deliverUntilSettled(
  f: Fixture,
  messages: ReadonlyArray<{ readonly raw: RawMessage; readonly requestId: string }>,
  options: {
    copies?: number;
    batchSize?: number;
    concurrency?: number;
    maxRounds?: number;
    seed?: number;
  } = {},
): Promise<{ rounds: number; deliveries: number; failures: number }> {
  const copies = options.copies ?? 2;
  const batchSize = options.batchSize ?? 10;
  let pending: Delivery[] = shuffle(
    messages.flatMap((m) => Array.from({ length: copies }, (_, c) => delivery(m, `${m.requestId}#${c}`))),
    options.seed,
  );
  let rounds = 0;
  let deliveries = 0;
  let failures = 0;
  while (pending.length) {
    if (++rounds > (options.maxRounds ?? 30))
      throw new Error(`${pending.length} message(s) still failing after ${rounds - 1} rounds`);
    const batches: Delivery[][] = [];
    for (let i = 0; i < pending.length; i += batchSize) batches.push(pending.slice(i, i + batchSize));
    const failed: Delivery[] = [];
    await pool(batches, options.concurrency ?? 4, async (batch) => {
      deliveries += batch.length;
      const res = await f.invoke(batch);
      const ids = new Set(res.batchItemFailures.map((b) => b.itemIdentifier));
      failed.push(...batch.filter((d) => ids.has(d.messageId)));
    });
    failures += failed.length;
    pending = failed.map((d) => ({ ...d, receiveCount: (d.receiveCount ?? 1) + 1 }));
  }
  return { rounds, deliveries, failures };
}

export interface SlotSnapshot {
  readonly capacity: number;
  readonly booked: number;
  /** Seat tokens (body hashes). */
  readonly holders: string[];
  /** The request ids whose recorded seat token is held here (unknown tokens are kept as they are). */
  readonly holderIds: string[];
}

export interface PersonSnapshot {
  readonly holder?: HeldBooking;
  readonly decisions: Readonly<Record<string, DecisionRecord>>;
  readonly item: Record<string, unknown>;
}

/** Everything in the table, grouped by kind (test-side inspection only, through Scan). */
export async function snapshot(f: Fixture): Promise<{
  /** Every decision, by request id (each lives on its owner's person item). */
  outcomes: Map<string, DecisionRecord>;
  persons: Map<string, PersonSnapshot>;
  slots: Map<string, SlotSnapshot>;
}> {
  const outcomes = new Map<string, DecisionRecord>();
  const persons = new Map<string, PersonSnapshot>();
  const slotItems: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await f.db.send(
      new ScanCommand({ TableName: f.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of res.Items ?? []) {
      const pk = String(item.pk);
      if (pk.startsWith('PERSON#')) {
        const state = toPersonState(item);
        persons.set(pk.slice('PERSON#'.length), { holder: state.holder, decisions: state.decisions, item });
        for (const [id, record] of Object.entries(state.decisions)) {
          if (outcomes.has(id)) throw new Error(`request ${id} decided on two person items`);
          outcomes.set(id, record);
        }
      } else if (String(item.sk).startsWith('SLOT#')) {
        slotItems.push(item);
      }
    }
    start = res.LastEvaluatedKey;
  } while (start);
  const bySeat = new Map([...outcomes].filter(([, r]) => r.bodyHash).map(([id, r]) => [r.bodyHash, id]));
  const slots = new Map<string, SlotSnapshot>();
  for (const item of slotItems) {
    const holders = item.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
    slots.set(`${String(item.centreId)}/${String(item.slotId)}`, {
      capacity: Number(item.capacity),
      booked: Number(item.booked),
      holders,
      holderIds: holders.map((h) => bySeat.get(h) ?? h),
    });
  }
  return { outcomes, persons, slots };
}

/**
 * The invariants every test checks after its deliveries settled: each slot's counter equals its
 * holders and stays within capacity; every seat is held by a CONFIRMED request that is its person's
 * one booking, and every person's booking holds exactly one seat.
 */
export function checkInvariants(s: Awaited<ReturnType<typeof snapshot>>): void {
  const seatOwners = new Map<string, string>();
  for (const [slot, v] of s.slots) {
    expect({ slot, booked: v.booked }).toEqual({ slot, booked: v.holders.length });
    expect(v.booked).toBeLessThanOrEqual(v.capacity);
    for (const id of v.holderIds) {
      expect({ id, alreadySeated: seatOwners.has(id) }).toEqual({ id, alreadySeated: false });
      seatOwners.set(id, slot);
      expect({ id, status: s.outcomes.get(id)?.status }).toEqual({ id, status: 'CONFIRMED' });
    }
  }
  for (const [person, p] of s.persons) {
    const confirmed = Object.entries(p.decisions).filter(([, r]) => r.status === 'CONFIRMED');
    expect({ person, confirmed: confirmed.length }).toEqual({ person, confirmed: p.holder ? 1 : 0 });
    if (p.holder) {
      expect(confirmed[0][0]).toBe(p.holder.requestId);
      expect(seatOwners.get(p.holder.requestId)).toBe(`${p.holder.centreId}/${p.holder.slotId}`);
    }
  }
}
