import { createHash } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoAdmissionStore } from '../../lambda/admission/adapters/admission-store';
import { controllerStep } from '../../lambda/admission/domain/controller';
import { enter } from '../../lambda/admission/domain/enter';
import {
  TICKET_PARTITIONS,
  bucketHour,
  bucketOfGroup,
  hourOf,
  keys,
  sha256Base64url,
  stepHour,
} from '../../lambda/admission/domain/model';
import { positionOf } from '../../lambda/admission/domain/order';
import type { EntryPort, Ticket } from '../../lambda/admission/domain/ports';
import { admissionSettings } from '../../lambda/admission/domain/settings';
import { makeJoinConsumer } from '../../lambda/admission/handlers/join-consumer';
import { createBookingTable, localDocumentClient } from '../helpers/dynamodb-local';
import { OPENING, secretOf, seedFor, ticketIdAt } from './memory-port';

/*
 * A simulated opening at reduced scale, on DynamoDB Local, driven in simulated steps (never by the
 * wall clock): 100,000 joiners go through the join consumer (the queue's batches of 10, both
 * Regions, redelivered and late batches included), the controllers of both Regions race every step,
 * people enter when the cursor reaches them (5% never come), and the booking side takes them at
 * its capacity (a bounded-rate consumer: the booking worker's API is being changed elsewhere, see
 * docs/waiting-room.md). Checked: one position per ticket, draw fairness and cohort priority,
 * arrivals first come first served, everyone admitted exactly once and in order, no-shows replaced,
 * and bookings never above the capacity.
 */

const WEST = 'eu-west-3';
const CENTRAL = 'eu-central-1';
// 100,000 in `npm run test:opening` (about 5 minutes on DynamoDB Local, 2 cores); 20,000 in the
// routine suite, where the DynamoDB Local tier must stay short. Same code path, same checks.
const PEOPLE = Number(process.env.REMPART_OPENING_PEOPLE ?? 20_000);
const PRE_OPENING = Math.round(PEOPLE * 0.6);
// Scaled with the crowd, so that the opening lasts the same number of steps at any size.
const CAPACITY_PER_STEP = PEOPLE / 100;
const CONCURRENCY = 16;

const settings = admissionSettings({
  eventId: 'simulated-opening',
  openingAt: OPENING,
  regions: [WEST, CENTRAL],
  admitPerSecond: CAPACITY_PER_STEP / 5,
  stepSeconds: 5,
  noShowAfterSeconds: 60,
  cohorts: [
    { id: 'over-75', delaySeconds: 0 },
    { id: 'general', delaySeconds: 0 },
  ],
});
const STEP_MS = settings.stepSeconds * 1000;

interface Person {
  readonly n: number;
  readonly ticketId: string;
  readonly acceptedAt: number;
  readonly cohort: string;
  readonly noShow: boolean;
}

const hashInt = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);

const people: Person[] = Array.from({ length: PEOPLE }, (_, n) => {
  const acceptedAt =
    n < PRE_OPENING
      ? OPENING - 600_000 + Math.floor((n * 600_000) / PRE_OPENING)
      : OPENING + Math.floor(((n - PRE_OPENING) * 300_000) / (PEOPLE - PRE_OPENING));
  return {
    n,
    ticketId: ticketIdAt(acceptedAt, n),
    acceptedAt,
    cohort: n % 10 === 0 ? 'over-75' : 'general',
    noShow: hashInt(`show-${n}`) % 20 === 0,
  };
});
const byTicket = new Map(people.map((p) => [p.ticketId, p]));
/** Pre-opening joins whose delivery is held until after the draw: they must not enter it. */
const heldBack = new Set(people.filter((p) => p.n < PRE_OPENING && p.n % 600 === 1).map((p) => p.ticketId));

function record(p: Person, copy: string): SQSRecord {
  const attr = (v: string, dataType = 'String') => ({
    stringValue: v,
    dataType,
    stringListValues: [],
    binaryListValues: [],
  });
  return {
    messageId: `${p.ticketId}-${copy}`,
    body: JSON.stringify({ secretHash: sha256Base64url(secretOf(p.n)), cohort: p.cohort }),
    messageAttributes: {
      ticketId: attr(p.ticketId),
      acceptedAt: attr(String(p.acceptedAt), 'Number'),
      contentType: attr('json'),
    },
  } as unknown as SQSRecord;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

function spearman(pairs: readonly [number, number][]): number {
  const rank = (values: number[]) => {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(values.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const a = rank(pairs.map((p) => p[0]));
  const b = rank(pairs.map((p) => p[1]));
  const n = pairs.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe(`a simulated opening: ${PEOPLE.toLocaleString('en')} joiners on DynamoDB Local`, () => {
  const clock = { now: OPENING - 700_000 };
  let tableName: string;
  const tickets = new Map<string, Ticket>();
  const positions = new Map<string, number>();
  const byPosition = new Map<number, string>();
  const entries = new Map<string, { step: number; position: number }>();
  const replays: boolean[] = [];
  const booked = new Set<string>();
  const bookingsPerStep: number[] = [];
  const admittedPerStep: number[] = [];
  const entriesPerStep: number[] = [];
  /** For each step, the open steps up to and including it (0 before the opening). */
  const openStepsSoFar: number[] = [];
  let maxBacklog = 0;
  let openSteps = 0;
  let duplicates = 0;
  let late = 0;
  let stores: Record<string, DynamoAdmissionStore>;

  /** The last ticket id read from each partition: later loads read only what was written since. */
  const lastRead = new Map<string, string>();

  /**
   * Every ticket, by partition queries (tickets never move once written). Ids start with their join
   * time, so a partition mostly grows at its end: read only past the last id seen, and read it all
   * again only when a wanted ticket is still missing (a late delivery of an early join).
   */
  async function loadTickets(store: DynamoAdmissionStore): Promise<void> {
    const hours = new Set(people.map((p) => hourOf(p.acceptedAt)));
    for (const hour of hours) {
      for (let part = 0; part < TICKET_PARTITIONS; part++) {
        const pk = keys.ticketPartition(settings.eventId, hour, part);
        for await (const page of store.ticketsOfPartition(pk, lastRead.get(pk))) {
          for (const t of page) {
            tickets.set(t.ticketId, t);
            if (t.ticketId > (lastRead.get(pk) ?? '')) lastRead.set(pk, t.ticketId);
          }
        }
      }
    }
  }

  /** Positions of the known tickets whose bucket is sealed (one document read per bucket). */
  async function placeTickets(store: DynamoAdmissionStore): Promise<void> {
    const byBucket = new Map<number, Ticket[]>();
    for (const t of tickets.values()) {
      if (positions.has(t.ticketId)) continue;
      const bucket = bucketOfGroup(settings, t.group);
      const list = byBucket.get(bucket) ?? [];
      list.push(t);
      byBucket.set(bucket, list);
    }
    for (const [bucket, list] of byBucket) {
      const doc = await store.getBucketDoc(bucket, bucketHour(settings, bucket));
      if (!doc) continue;
      for (const t of list) {
        const p = positionOf(doc, t);
        if (p !== undefined) {
          positions.set(t.ticketId, p);
          byPosition.set(p, t.ticketId);
        }
      }
    }
  }

  /** Find who holds `wanted` positions: place known tickets first, load them again only if needed. */
  async function locate(store: DynamoAdmissionStore, wanted: readonly number[]): Promise<void> {
    if (wanted.every((p) => byPosition.has(p))) return;
    await placeTickets(store);
    if (wanted.every((p) => byPosition.has(p))) return;
    await loadTickets(store);
    await placeTickets(store);
    if (wanted.every((p) => byPosition.has(p))) return;
    lastRead.clear();
    await loadTickets(store);
    await placeTickets(store);
  }

  beforeAll(async () => {
    tableName = await createBookingTable('opening');
    const db = localDocumentClient();
    // One store per Region (its own caches), as two Regions' functions would have.
    const store = () =>
      new DynamoAdmissionStore(db, tableName, settings, { now: () => clock.now, cursorMaxAgeMs: 1000 });
    stores = { [WEST]: store(), [CENTRAL]: store() };
    let batchNo = 0;
    const consumers = {
      [WEST]: makeJoinConsumer({
        port: stores[WEST],
        settings,
        region: WEST,
        now: () => clock.now,
        pickShard: () => batchNo % 8,
      }),
      [CENTRAL]: makeJoinConsumer({
        port: stores[CENTRAL],
        settings,
        region: CENTRAL,
        now: () => clock.now,
        pickShard: () => (batchNo * 3) % 8,
      }),
    };
    const deliver = async (batch: Person[], copy = 'a') => {
      const region = batchNo++ % 2 ? CENTRAL : WEST;
      const event: SQSEvent = { Records: batch.map((p) => record(p, copy)) };
      const res = await (consumers[region] ?? consumers[WEST])(event);
      expect(res.batchItemFailures).toEqual([]);
    };
    const batches = (list: Person[]) =>
      Array.from({ length: Math.ceil(list.length / 10) }, (_, i) => list.slice(i * 10, i * 10 + 10));

    // Before the opening: every pre-opening join but the held-back ones, and 30 batches delivered twice.
    const early = batches(people.filter((p) => p.n < PRE_OPENING && !heldBack.has(p.ticketId)));
    clock.now = OPENING - 60_000;
    await mapLimit(early, 4, (b) => deliver(b));
    await mapLimit(
      early.filter((_, i) => i % 200 === 7),
      4,
      (b) => deliver(b, 'redelivered'),
    );
    duplicates = early.filter((_, i) => i % 200 === 7).reduce((n, b) => n + b.length, 0);
    const arrivals = batches(people.filter((p) => p.n >= PRE_OPENING));

    // The opening, step by step. Arrivals are delivered a second after their batch closes.
    const seeds = seedFor('simulated-opening');
    const queue: string[] = [];
    let delivered = 0;
    let nowServing = 0;
    for (let k = 0; ; k++) {
      clock.now = OPENING - STEP_MS + k * STEP_MS;
      const due: Person[][] = [];
      while (
        delivered < arrivals.length &&
        ((arrivals[delivered] ?? []).at(-1)?.acceptedAt ?? 0) + 1000 <= clock.now
      ) {
        due.push(arrivals[delivered++] ?? []);
      }
      if (k === 8) {
        // Held-back pre-opening joins arrive after the draw was sealed: they queue as arrivals of now.
        const held = people.filter((p) => heldBack.has(p.ticketId));
        late = held.length;
        due.push(...batches(held));
      }
      await mapLimit(due, 4, (b) => deliver(b));

      // Both Regions' controllers race every step.
      const reports = await Promise.all([
        controllerStep(stores[WEST], settings, { now: clock.now, region: WEST, randomSeed: seeds }),
        controllerStep(stores[CENTRAL], settings, { now: clock.now, region: CENTRAL, randomSeed: seeds }),
      ]);
      expect(reports.filter((r) => r.taken)).toHaveLength(1);
      const report = reports.find((r) => r.taken) ?? reports[0];
      if (!report) throw new Error('no report');
      if (clock.now >= OPENING) openSteps++;
      else openStepsSoFar.push(0);
      // Progress on demand (REMPART_TRACE=1): the run takes minutes on a loaded machine.
      if (process.env.REMPART_TRACE)
        process.stderr.write(`step ${k}: served ${report.nowServing} of ${report.tail}\n`);
      admittedPerStep.push(report.nowServing - nowServing);

      // People whose turn came enter (one second later), each from "their" Region.
      const admitted = Array.from({ length: report.nowServing - nowServing }, (_, i) => nowServing + 1 + i);
      nowServing = report.nowServing;
      await locate(stores[WEST], admitted);
      const comers = admitted
        .map((p) => byPosition.get(p))
        .filter((id): id is string => id !== undefined && !(byTicket.get(id)?.noShow ?? true));
      const entryClock = clock.now + 1000;
      await mapLimit(comers, CONCURRENCY, async (ticketId) => {
        const person = byTicket.get(ticketId);
        if (!person) throw new Error('unknown person');
        // Each person enters through "their" Region. The ticket was read already (by partition queries,
        // to place it): serve it from there; the entry itself goes through the adapter's conditional write.
        const store = stores[person.n % 2 ? CENTRAL : WEST];
        const port: EntryPort = {
          readCursor: (o) => store.readCursor(o),
          getBucketDoc: (b, h) => store.getBucketDoc(b, h),
          recordEntry: (step, hour, shard, position) => store.recordEntry(step, hour, shard, position),
          getTicket: (id) => (tickets.has(id) ? Promise.resolve(tickets.get(id)) : store.getTicket(id)),
        };
        const outcome = await enter(port, settings, { ticketId, secret: secretOf(person.n) }, entryClock);
        if (outcome.kind !== 'admitted' || !outcome.first)
          throw new Error(`${ticketId}: ${JSON.stringify(outcome)}`);
        entries.set(ticketId, { step: outcome.step, position: outcome.position });
        queue.push(ticketId);
        if (person.n % 200 === 3) {
          const again = await enter(
            port,
            settings,
            { ticketId, secret: secretOf(person.n) },
            entryClock + 500,
          );
          replays.push(again.kind === 'admitted' && !again.first);
        }
      });

      entriesPerStep.push(comers.length);
      if (clock.now >= OPENING) openStepsSoFar.push(openSteps);

      // The booking side takes at most its capacity per step, first in first out.
      const taken = queue.splice(0, CAPACITY_PER_STEP);
      for (const id of taken) {
        if (booked.has(id)) throw new Error(`${id} booked twice`);
        booked.add(id);
      }
      bookingsPerStep.push(taken.length);
      maxBacklog = Math.max(maxBacklog, queue.length);

      const everyone =
        delivered === arrivals.length && k > 8 && report.nowServing >= report.tail && report.waiting === 0;
      const lastAdmission = (await stores[WEST]?.readCursor({ fresh: true }))?.history.at(-1)?.at ?? 0;
      if (
        everyone &&
        queue.length === 0 &&
        clock.now > lastAdmission + (settings.noShowAfterSeconds + 2 * settings.stepSeconds) * 1000
      )
        break;
      if (k > 2_000) throw new Error('the simulation did not end');
    }
    await loadTickets(stores[WEST]);
    await placeTickets(stores[WEST]);
  }, 1_800_000);

  it('records one ticket per joiner and gives each a different position; redeliveries leave holes, never twins', async () => {
    expect(tickets.size).toBe(PEOPLE);
    expect(positions.size).toBe(PEOPLE);
    expect(new Set(positions.values()).size).toBe(PEOPLE);
    const cursor = await stores[WEST]?.readCursor({ fresh: true });
    expect(cursor?.tail).toBe(PEOPLE + duplicates);
    expect(Math.max(...positions.values())).toBeLessThanOrEqual(cursor?.tail ?? 0);
  });

  it('draws the pre-opening joiners, over-75s first, independently of their arrival order', () => {
    const drawn = people.filter((p) => p.n < PRE_OPENING && !heldBack.has(p.ticketId));
    const over75 = drawn.filter((p) => p.cohort === 'over-75').map((p) => positions.get(p.ticketId) ?? NaN);
    const general = drawn.filter((p) => p.cohort === 'general');
    expect(Math.max(...over75)).toBeLessThan(
      Math.min(...general.map((p) => positions.get(p.ticketId) ?? NaN)),
    );
    const rho = spearman(general.map((p) => [p.acceptedAt, positions.get(p.ticketId) ?? NaN]));
    expect(Math.abs(rho)).toBeLessThan(4 / Math.sqrt(general.length - 1));
  });

  it('serves later arrivals first come first served (to the bucket), late deliveries behind the draw', () => {
    const drawSize = PRE_OPENING - heldBack.size + duplicates;
    const arrivals = people.filter((p) => p.n >= PRE_OPENING);
    let violations = 0;
    for (let i = 1; i < arrivals.length; i++) {
      const a = arrivals[i - 1];
      const b = arrivals[i];
      if (!a || !b) continue;
      const sameBucket =
        Math.floor((a.acceptedAt - OPENING) / 2000) === Math.floor((b.acceptedAt - OPENING) / 2000);
      if (!sameBucket && (positions.get(a.ticketId) ?? 0) > (positions.get(b.ticketId) ?? 0)) violations++;
    }
    expect(violations).toBe(0);
    expect(late).toBe(heldBack.size);
    for (const id of heldBack) {
      expect(tickets.get(id)?.group).toMatch(/^A\./);
      expect(positions.get(id) ?? 0).toBeGreaterThan(drawSize);
    }
  });

  it('admits everyone who came exactly once, in the order of the line', async () => {
    const comers = people.filter((p) => !p.noShow);
    expect(entries.size).toBe(comers.length);
    expect(replays.length).toBeGreaterThan(50);
    expect(replays.every(Boolean)).toBe(true);
    const sorted = [...entries.values()].sort((a, b) => a.position - b.position);
    for (let i = 1; i < sorted.length; i++)
      expect((sorted[i]?.step ?? 0) >= (sorted[i - 1]?.step ?? 0)).toBe(true);
    // The entry records hold each entry once: their counters add up to the people who came.
    let recorded = 0;
    const store = stores[WEST];
    const steps = new Set([...entries.values()].map((e) => e.step));
    for (const step of steps)
      recorded += await store.countEntries(step, stepHour(settings, step), settings.redeemShards);
    expect(recorded).toBe(comers.length);
  });

  it('replaces every no-show and every hole, and books everyone who came once, never above the capacity', async () => {
    const cursor = await stores[WEST]?.readCursor({ fresh: true });
    const noShows = people.filter((p) => p.noShow).length;
    expect(cursor?.noShows).toBe(noShows + duplicates);
    expect(booked.size).toBe(entries.size);
    // People let into booking never exceed the capacity over any opening run of steps: every
    // replacement stands for someone who will never come.
    let entered = 0;
    entriesPerStep.forEach((n, k) => {
      entered += n;
      expect(entered).toBeLessThanOrEqual((openStepsSoFar[k] ?? 0) * CAPACITY_PER_STEP);
    });
    expect(Math.max(...bookingsPerStep)).toBeLessThanOrEqual(CAPACITY_PER_STEP);
    // The booking side keeps up: what a step lets in is booked by the next one.
    expect(maxBacklog).toBeLessThan(CAPACITY_PER_STEP / 2);
    // And the cursor does not starve it: while people wait, steps admit the full pace.
    const busy = admittedPerStep.filter((a) => a > 0);
    expect(busy.filter((a) => a >= CAPACITY_PER_STEP).length).toBeGreaterThan(busy.length * 0.9);
    expect(openSteps).toBeGreaterThan(100);
  });
});
