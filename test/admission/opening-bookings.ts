import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  BatchGetCommand,
  QueryCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { toPersonState } from '../../lambda/booking/adapters/booking-store';
import { CatalogueStore } from '../../lambda/booking/adapters/catalogue-store';
import {
  decisionAttribute,
  keys,
  parseBookingMessage,
  requestTag,
  type PersonState,
} from '../../lambda/booking/domain/model';
import type { Catalogue } from '../../lambda/booking/domain/views';
import { makeWorkerHandler, type WorkerHandler } from '../../lambda/booking/handlers/worker';
import {
  delivery,
  fakeContext,
  personKey,
  pool,
  silentLogger,
  sqsEvent,
  type Delivery,
  type RawMessage,
} from '../booking/harness';
import { localDocumentClient } from '../helpers/dynamodb-local';

/*
 * The booking side of the simulated opening (opening.db.test.ts): the real booking worker, one per
 * Region, on the opening's own table, fed SQS batches of ten. Everything runs on the simulation's
 * clock, not the wall clock: the worker's clock is the step's, acceptance times are the entries',
 * and the slots start 30 days after the opening (the harness's FUTURE is 30 days after today, which
 * may be before the opening; its `message` checks acceptance times against today for the same reason,
 * so requests are built here as the API queues them).
 *
 * The worker talks through the SDK's document client (it resolves the client's middleware stack
 * itself), never through the lean client; its calls are counted by a middleware on that stack, by
 * operation and by the kind of item written (slot, person, progress cursor, centre).
 */

/**
 * People per slot (its seats are those of them who come): a full slot item (its seat tokens) stays
 * a few kB, well within the model's MAX_SLOT_CAPACITY, and the catalogue costs a write per hundred people.
 */
export const PEOPLE_PER_SLOT = 100;
/** Keys in one BatchGetItem, DynamoDB's maximum. */
const BATCH_GET_KEYS = 100;
const READS_IN_FLIGHT = 4;

/** A slot, where a person books. */
export interface Seat {
  readonly centreId: string;
  readonly slotId: string;
}

export interface BookingRequestSent extends Seat {
  readonly n: number;
  readonly personKey: string;
  readonly requestId: string;
  /** The request's body hash as the worker computes it: the seat token its slot must hold. */
  readonly seat: string;
}

/** A person item as read back: its booking, the decision of the request sent, and `nq`. */
export type PersonRead = PersonState & { readonly decisionCount: number };

export interface SlotRead {
  readonly capacity: number;
  readonly booked: number;
  readonly holders: ReadonlySet<string>;
}

/** The worker's own metrics, counted instead of published: what it decided, by outcome. */
class CountingMetrics extends Metrics {
  readonly counts = new Map<string, number>();
  override addMetric(name: string, _unit: Parameters<Metrics['addMetric']>[1], value: number): this {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
    return this;
  }
  override publishStoredMetrics(): this {
    return this;
  }
}

function itemKind(pk: unknown): string {
  const value = typeof pk === 'object' && pk !== null ? (pk as { S?: unknown }).S : pk;
  if (typeof value !== 'string') return '';
  if (value.startsWith('PERSON#')) return ' person';
  if (value.startsWith('CENTRE#')) return ' slot';
  if (value === 'CENTRES') return ' centre';
  if (value === 'PROGRESS') return ' progress';
  return ' other';
}

export class OpeningBookings {
  readonly centres: number;
  readonly slots: number;
  /** The worker's outcomes so far, by metric name (BookingConfirmed, BookingRejected, …). */
  readonly outcomes: ReadonlyMap<string, number>;
  private readonly db: DynamoDBDocumentClient;
  private readonly metrics = new CountingMetrics({ namespace: 'Rempart/Booking', serviceName: 'opening' });
  private readonly workers: ReadonlyMap<string, WorkerHandler>;
  /** The worker's clock: the simulation moves it, step by step. */
  private now = 0;

  constructor(
    private readonly tableName: string,
    options: {
      readonly people: number;
      readonly regions: readonly string[];
      readonly centres: number;
      /** Called before each call the worker (or this side's reads) makes, e.g. `UpdateItem slot`. */
      readonly onCall: (operation: string) => void;
    },
  ) {
    this.slots = Math.ceil(options.people / PEOPLE_PER_SLOT);
    this.centres = Math.min(options.centres, this.slots);
    this.outcomes = this.metrics.counts;
    this.db = localDocumentClient();
    // Added before the first call: the worker's UpdateItem sender resolves the stack once, then.
    this.db.middlewareStack.add(
      (next, context) => (args) => {
        const input = args.input as { Key?: { pk?: unknown } };
        options.onCall(`${(context.commandName ?? '').replace(/Command$/, '')}${itemKind(input.Key?.pk)}`);
        return next(args);
      },
      { step: 'initialize', name: 'openingCallCounter' },
    );
    this.workers = new Map(
      options.regions.map((region) => [
        region,
        makeWorkerHandler({
          db: this.db,
          tableName,
          region,
          logger: silentLogger,
          metrics: this.metrics,
          now: () => this.now,
        }),
      ]),
    );
  }

  /** Person `n`'s slot number: n modulo the slots, so consecutive arrivals never share one. */
  slotOf(n: number): number {
    return n % this.slots;
  }

  seatOf(n: number): Seat {
    const slot = this.slotOf(n);
    return { centreId: `centre-${slot % this.centres}`, slotId: `slot-${slot}` };
  }

  /**
   * Load the centres and slots, every one starting at `startsAt`, slot `i` with `capacityOf(i)`
   * seats: one write per centre and slot.
   */
  async loadCatalogue(startsAt: number, capacityOf: (slot: number) => number): Promise<void> {
    const byCentre: Array<Catalogue['centres'][number]['slots'][number][]> = Array.from(
      { length: this.centres },
      () => [],
    );
    for (let slot = 0; slot < this.slots; slot++) {
      byCentre[slot % this.centres]?.push({
        slotId: `slot-${slot}`,
        startsAt: new Date(startsAt).toISOString(),
        capacity: capacityOf(slot),
      });
    }
    const store = new CatalogueStore(this.db, this.tableName);
    await pool(
      byCentre.map((slots, c) => ({ centreId: `centre-${c}`, name: `Centre ${c}`, city: 'Paris', slots })),
      READS_IN_FLIGHT,
      async (centre) => {
        await store.load({ centres: [centre] });
      },
    );
  }

  /** Person `n`'s booking request, accepted by the API at `acceptedAt`, as it queues it. */
  request(n: number, acceptedAt: number): { readonly sent: BookingRequestSent; readonly delivery: Delivery } {
    const key = personKey(`opening-${n}`);
    const requestId = `${requestTag(key)}-opening-${n}`;
    const seat = this.seatOf(n);
    const raw: RawMessage = {
      body: JSON.stringify(seat),
      attributes: { requestId, acceptedAt: String(acceptedAt), operation: 'CREATE', personKey: key },
    };
    const { bodyHash } = parseBookingMessage(raw.body, raw.attributes, acceptedAt);
    return {
      sent: { n, personKey: key, requestId, seat: bodyHash, ...seat },
      delivery: delivery({ raw, requestId }),
    };
  }

  /**
   * Deliver `batches` (each ten records at most, each for one Region's worker) at `now`, at most
   * `inFlight` invocations at once.
   * @returns the worker's confirmations during this call, and the message ids it reported failed
   */
  async deliver(
    batches: ReadonlyArray<{ readonly region: string; readonly deliveries: readonly Delivery[] }>,
    now: number,
    inFlight: number,
  ): Promise<{ readonly confirmed: number; readonly failed: string[] }> {
    this.now = now;
    const before = this.outcomes.get('BookingConfirmed') ?? 0;
    const failed: string[] = [];
    await pool(batches, inFlight, async ({ region, deliveries }) => {
      const worker = this.workers.get(region);
      if (!worker) throw new Error(`no booking worker in ${region}`);
      const res = await worker(sqsEvent(deliveries), fakeContext);
      failed.push(...res.batchItemFailures.map((f) => f.itemIdentifier));
    });
    return { confirmed: (this.outcomes.get('BookingConfirmed') ?? 0) - before, failed };
  }

  /** Every slot, by `centreId/slotId`: a query per centre partition, page by page. */
  async readSlots(): Promise<Map<string, SlotRead>> {
    const slots = new Map<string, SlotRead>();
    for (let c = 0; c < this.centres; c++) {
      const { pk, skPrefix } = keys.slotsOf(`centre-${c}`);
      let start: Record<string, unknown> | undefined;
      do {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':pk': pk, ':p': skPrefix },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of res.Items ?? []) {
          slots.set(`centre-${c}/${String(item.slotId)}`, {
            capacity: Number(item.capacity),
            booked: Number(item.booked),
            holders: item.holders instanceof Set ? (item.holders as Set<string>) : new Set(),
          });
        }
        start = res.LastEvaluatedKey;
      } while (start);
    }
    return slots;
  }

  /**
   * The person items of the people sent to book (missing ones absent), by BatchGetItem: a call per
   * hundred people, plus one per round of keys DynamoDB left unprocessed (none expected; ten rounds
   * at most). Each item is read down to what the checks need: its booking, the decision of the
   * request sent and the count of its decisions.
   */
  async readPersons(requests: readonly BookingRequestSent[]): Promise<Map<string, PersonRead>> {
    const persons = new Map<string, PersonRead>();
    const chunks = Array.from({ length: Math.ceil(requests.length / BATCH_GET_KEYS) }, (_, i) =>
      requests.slice(i * BATCH_GET_KEYS, (i + 1) * BATCH_GET_KEYS),
    );
    await pool(chunks, READS_IN_FLIGHT, async (chunk) => {
      const names = Object.fromEntries(chunk.map((r, i) => [`#q${i}`, decisionAttribute(r.requestId)]));
      const projection = ['pk', 'holder', 'nq', ...Object.keys(names)].join(', ');
      let pending: Array<Record<string, unknown>> | undefined = chunk.map((r) => keys.person(r.personKey));
      for (let round = 0; pending?.length; round++) {
        if (round === 10) throw new Error(`${pending.length} person items still unprocessed`);
        const res: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ProjectionExpression: projection,
                ExpressionAttributeNames: names,
                ConsistentRead: true,
              },
            },
          }),
        );
        for (const item of res.Responses?.[this.tableName] ?? []) {
          persons.set(String(item.pk).slice('PERSON#'.length), {
            ...toPersonState(item),
            decisionCount: Number(item.nq),
          });
        }
        pending = res.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    });
    return persons;
  }

  destroy(): void {
    this.db.destroy();
  }
}
