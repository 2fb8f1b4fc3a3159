import { createHash } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoAdmissionStore } from '../../lambda/admission/adapters/admission-store';
import { controllerStep } from '../../lambda/admission/domain/controller';
import type { CursorState } from '../../lambda/admission/domain/cursor';
import { enter } from '../../lambda/admission/domain/enter';
import {
  TICKET_PARTITIONS,
  bucketHour,
  bucketOfGroup,
  keys,
  sha256Base64url,
  stepHour,
  ticketHour,
} from '../../lambda/admission/domain/model';
import { positionOf, type BucketDoc } from '../../lambda/admission/domain/order';
import type { EntryPort, JoinPort, Ticket } from '../../lambda/admission/domain/ports';
import { admissionSettings } from '../../lambda/admission/domain/settings';
import { makeJoinConsumer } from '../../lambda/admission/handlers/join-consumer';
import { createBookingTable, emulatorCpuMs } from '../helpers/dynamodb-local';
import { leanDocumentClient } from '../helpers/dynamodb-local-lean';
import type { Delivery } from '../booking/harness';
import { OPENING, secretOf, seedFor, ticketIdAt } from './memory-port';
import { OpeningBookings, type BookingRequestSent, type PersonRead, type SlotRead } from './opening-bookings';

/*
 * A simulated opening at reduced scale, on DynamoDB Local, driven in simulated steps (never by the
 * wall clock): 100,000 joiners go through the join consumer (the queue's batches of 10, both
 * Regions, redelivered and late batches included), the controllers of both Regions race every step,
 * people enter when the cursor reaches them (5% never come), and the booking side takes them at its
 * capacity, first in first out: each person taken books a seat through the real booking worker of
 * their Region (SQS batches of ten) on the same table. Checked: one position per ticket, draw
 * fairness and cohort priority, arrivals first come first served, everyone admitted exactly once
 * and in order, no-shows replaced, everyone who came booked exactly once (read back from the slots
 * and the person items) and never more confirmations in a step than the capacity, and the DynamoDB
 * calls each joiner and each booking cost.
 *
 * Cost: the run is priced in DynamoDB calls. Production needs about 2.2 per joiner (a conditional
 * ticket write, a fifth of a counter write, one entry write per person who comes), and DynamoDB Local
 * spends ~0.7 ms of CPU on each (2 cores). The harness adds next to nothing: it learns each ticket
 * from the join consumer's own write instead of reading it back, places tickets once per sealed
 * bucket, and verifies the stored tickets and entry records with partition queries, page by page.
 * Admission calls go through the lean client (test/helpers/dynamodb-local-lean.ts), which answers as
 * the SDK's document client does at less than half its CPU per call. The booking worker keeps the
 * SDK's client, as in production (two conditional writes per booking, see opening-bookings.ts); its
 * bookings are read back with a query per centre and a BatchGetItem per hundred people, not a Scan.
 */

const WEST = 'eu-west-3';
const CENTRAL = 'eu-central-1';
// The same code path and checks at any size; REMPART_OPENING_PEOPLE shrinks it to iterate.
const PEOPLE = Number(process.env.REMPART_OPENING_PEOPLE ?? 100_000);
const PRE_OPENING = Math.round(PEOPLE * 0.6);
// Scaled with the crowd, so that the opening lasts the same number of steps at any size.
const CAPACITY_PER_STEP = PEOPLE / 100;
// Requests in flight: queue batches (each a counter write, then its ten ticket writes together)
// and entries. Measured on 2 cores: twice these cost DynamoDB Local ~20% more CPU (thread
// switching) and finish no sooner; half of them are slower too.
const BATCHES_IN_FLIGHT = 2;
const ENTRIES_IN_FLIGHT = 8;
// Booking worker invocations in flight, each working on its ten records at once.
const BOOKINGS_IN_FLIGHT = 4;
// Centres sharing the slots (a slot per PEOPLE_PER_SLOT people, see opening-bookings.ts).
const CENTRES = 10;
/** Slots start a month after the opening: bookable all along the simulated clock. */
const SLOTS_START_AT = OPENING + 30 * 86_400_000;

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

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await fn(item);
      }
    }),
  );
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

/** Phases of the simulation, by which its DynamoDB calls and CPU are counted. */
type Phase = 'join' | 'controller' | 'entry' | 'booking' | 'harness' | 'verification';

describe(`a simulated opening: ${PEOPLE.toLocaleString('en')} joiners on DynamoDB Local`, () => {
  const clock = { now: OPENING - 700_000 };
  let tableName: string;
  let db: DynamoDBDocumentClient;
  let stores: Record<typeof WEST | typeof CENTRAL, DynamoAdmissionStore>;
  // Where the run spends its calls and CPU, by phase: counted always (a test bounds the calls),
  // printed with REMPART_TRACE=1 (with the CPU of this process and of DynamoDB Local, and the
  // elapsed time, for information only: nothing is bounded by it).
  let phase: Phase = 'harness';
  const calls = new Map<string, number>();
  const cpu = new Map<Phase, { node: number; emulator: number }>();
  const wall = new Map<Phase, number>();
  let mark = { node: process.cpuUsage(), emulator: emulatorCpuMs() ?? 0, at: performance.now() };
  function enterPhase(next: Phase): void {
    const node = process.cpuUsage(mark.node);
    const emulator = emulatorCpuMs() ?? 0;
    const at = performance.now();
    const spent = cpu.get(phase) ?? { node: 0, emulator: 0 };
    cpu.set(phase, {
      node: spent.node + Math.round((node.user + node.system) / 1000),
      emulator: spent.emulator + emulator - mark.emulator,
    });
    wall.set(phase, (wall.get(phase) ?? 0) + at - mark.at);
    mark = { node: process.cpuUsage(), emulator, at };
    phase = next;
  }
  const callsIn = (p: Phase) =>
    [...calls].filter(([k]) => k.startsWith(`${p} `)).reduce((sum, [, n]) => sum + n, 0);

  /** Tickets as the join consumer created them: each the item its conditional write stored. */
  const created = new Map<string, Ticket>();
  let createdTwice = 0;
  /** Sealed bucket documents, and the created tickets whose bucket is not sealed yet. */
  const docs = new Map<number, BucketDoc>();
  const awaitingSeal = new Map<number, Ticket[]>();
  const positionsSeen = new Map<string, number>();
  const byPosition = new Map<number, string>();
  let unplaced = 0;

  /** Entries, by ticket: the entry's step, position and time (the booking request's acceptance). */
  const entries = new Map<string, { step: number; position: number; at: number }>();
  const replays: boolean[] = [];
  let bookings: OpeningBookings;
  /** The booking requests sent to the worker, by ticket. */
  const sentBookings = new Map<string, BookingRequestSent>();
  /** People taken from the booking queue, and the worker's own confirmations, per step. */
  const bookingsPerStep: number[] = [];
  const confirmedPerStep: number[] = [];
  const bookingFailures: string[] = [];
  /** Steps times Regions whose worker had a batch: each moves that Region's progress cursor once. */
  let workerSteps = 0;
  const admittedPerStep: number[] = [];
  const entriesPerStep: number[] = [];
  /** For each step, the open steps up to and including it (0 before the opening). */
  const openStepsSoFar: number[] = [];
  let maxBacklog = 0;
  let openSteps = 0;
  let duplicates = 0;
  let late = 0;

  // What the verification reads back from DynamoDB, not from the harness's own records.
  const stored = new Map<string, Ticket>();
  const positions = new Map<string, number>();
  /** Entry records: their counters' sum, and every position they hold. */
  let recordedEntries = 0;
  const recordedPositions: number[] = [];
  let finalCursor: CursorState | undefined;
  let slotsRead = new Map<string, SlotRead>();
  let personsRead = new Map<string, PersonRead>();

  function place(t: Ticket, doc: BucketDoc): void {
    const p = positionOf(doc, t);
    if (p === undefined) {
      unplaced++;
      return;
    }
    positionsSeen.set(t.ticketId, p);
    byPosition.set(p, t.ticketId);
  }

  /** The join port of one Region: its store, and a note of every ticket the store created. */
  function recordingJoinPort(store: DynamoAdmissionStore): JoinPort {
    return {
      reserve: (group, region, shard, hour, n) => store.reserve(group, region, shard, hour, n),
      putTicket: async (ticket) => {
        const outcome = await store.putTicket(ticket);
        if (outcome === 'created') {
          if (created.has(ticket.ticketId)) createdTwice++;
          created.set(ticket.ticketId, ticket);
          const bucket = bucketOfGroup(settings, ticket.group);
          const doc = docs.get(bucket);
          if (doc) place(ticket, doc);
          else {
            const waiting = awaitingSeal.get(bucket) ?? [];
            waiting.push(ticket);
            awaitingSeal.set(bucket, waiting);
          }
        }
        return outcome;
      },
    };
  }

  /** Place the tickets of every bucket sealed since the last call: one document read per bucket. */
  let placedThrough = -1;
  async function placeSealed(sealedThrough: number): Promise<void> {
    for (; placedThrough < sealedThrough; placedThrough++) {
      const bucket = placedThrough + 1;
      const doc = await stores[WEST].getBucketDoc(bucket, bucketHour(settings, bucket));
      if (!doc) throw new Error(`bucket ${bucket} is sealed but has no document`);
      docs.set(bucket, doc);
      for (const t of awaitingSeal.get(bucket) ?? []) place(t, doc);
      awaitingSeal.delete(bucket);
    }
  }

  beforeAll(async () => {
    tableName = await createBookingTable('opening');
    db = leanDocumentClient({
      onCall: (operation) => {
        const key = `${phase} ${operation}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
      },
    });
    // One store per Region (its own caches), as two Regions' functions would have.
    const store = () =>
      new DynamoAdmissionStore(db, tableName, settings, { now: () => clock.now, cursorMaxAgeMs: 1000 });
    stores = { [WEST]: store(), [CENTRAL]: store() };
    bookings = new OpeningBookings(tableName, {
      people: PEOPLE,
      regions: [WEST, CENTRAL],
      centres: CENTRES,
      onCall: (operation) => {
        const key = `${phase} ${operation}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
      },
    });
    // Each slot has a seat for each of its people who will come, and not one more: the opening ends
    // with every slot exactly full, and a seat lost or taken twice is a refusal (FULL) somewhere.
    const seatsOf = new Map<number, number>();
    for (const comer of people.filter((p) => !p.noShow)) {
      const slot = bookings.slotOf(comer.n);
      seatsOf.set(slot, (seatsOf.get(slot) ?? 0) + 1);
    }
    enterPhase('booking');
    await bookings.loadCatalogue(SLOTS_START_AT, (slot) => seatsOf.get(slot) ?? 0);
    let batchNo = 0;
    const consumers = {
      [WEST]: makeJoinConsumer({
        port: recordingJoinPort(stores[WEST]),
        settings,
        region: WEST,
        now: () => clock.now,
        pickShard: () => batchNo % 8,
      }),
      [CENTRAL]: makeJoinConsumer({
        port: recordingJoinPort(stores[CENTRAL]),
        settings,
        region: CENTRAL,
        now: () => clock.now,
        pickShard: () => (batchNo * 3) % 8,
      }),
    };
    const deliver = async (batch: Person[], copy = 'a') => {
      const region = batchNo++ % 2 ? CENTRAL : WEST;
      const event: SQSEvent = { Records: batch.map((p) => record(p, copy)) };
      const res = await consumers[region](event);
      if (res.batchItemFailures.length)
        throw new Error(`batch ${batchNo}: ${JSON.stringify(res.batchItemFailures)} failed`);
    };
    const batches = <T>(list: readonly T[]) =>
      Array.from({ length: Math.ceil(list.length / 10) }, (_, i) => list.slice(i * 10, i * 10 + 10));

    // Before the opening: every pre-opening join but the held-back ones, and some batches twice.
    enterPhase('join');
    const early = batches(people.filter((p) => p.n < PRE_OPENING && !heldBack.has(p.ticketId)));
    clock.now = OPENING - 60_000;
    await mapLimit(early, BATCHES_IN_FLIGHT, (b) => deliver(b));
    const redelivered = early.filter((_, i) => i % 200 === 7);
    await mapLimit(redelivered, BATCHES_IN_FLIGHT, (b) => deliver(b, 'redelivered'));
    duplicates = redelivered.reduce((n, b) => n + b.length, 0);
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
      enterPhase('join');
      await mapLimit(due, BATCHES_IN_FLIGHT, (b) => deliver(b));

      // Both Regions' controllers race every step.
      enterPhase('controller');
      const reports = await Promise.all([
        controllerStep(stores[WEST], settings, { now: clock.now, region: WEST, randomSeed: seeds }),
        controllerStep(stores[CENTRAL], settings, { now: clock.now, region: CENTRAL, randomSeed: seeds }),
      ]);
      if (reports.filter((r) => r.taken).length !== 1)
        throw new Error(`step ${k}: ${reports.filter((r) => r.taken).length} controllers took it`);
      const report = reports.find((r) => r.taken) ?? reports[0];
      if (!report) throw new Error('no report');
      if (clock.now >= OPENING) openSteps++;
      else openStepsSoFar.push(0);
      // Progress on demand (REMPART_TRACE=1): the run takes minutes on a loaded machine.
      if (process.env.REMPART_TRACE)
        process.stderr.write(`step ${k}: served ${report.nowServing} of ${report.tail}\n`);
      admittedPerStep.push(report.nowServing - nowServing);

      enterPhase('harness');
      const cursor = await stores[WEST].readCursor({ fresh: true });
      if (!cursor) throw new Error('no cursor');
      await placeSealed(cursor.sealedThrough);

      // People whose turn came enter (one second later), each from "their" Region. A position
      // nobody holds is a redelivery's hole: the controller replaces it like a no-show.
      const comers: string[] = [];
      for (let p = nowServing + 1; p <= report.nowServing; p++) {
        const id = byPosition.get(p);
        if (id !== undefined && !(byTicket.get(id)?.noShow ?? true)) comers.push(id);
      }
      nowServing = report.nowServing;
      const entryClock = clock.now + 1000;
      enterPhase('entry');
      await mapLimit(comers, ENTRIES_IN_FLIGHT, async (ticketId) => {
        const person = byTicket.get(ticketId);
        if (!person) throw new Error('unknown person');
        // The ticket is the one the join consumer wrote (the verification compares it with the
        // stored item): serve it from there; the entry itself goes through the adapter's conditional write.
        const store = stores[person.n % 2 ? CENTRAL : WEST];
        const port: EntryPort = {
          readCursor: (o) => store.readCursor(o),
          getBucketDoc: (b, h) => store.getBucketDoc(b, h),
          recordEntry: (step, hour, shard, position) => store.recordEntry(step, hour, shard, position),
          getTicket: (id) => (created.has(id) ? Promise.resolve(created.get(id)) : store.getTicket(id)),
        };
        const outcome = await enter(port, settings, { ticketId, secret: secretOf(person.n) }, entryClock);
        if (outcome.kind !== 'admitted' || !outcome.first)
          throw new Error(`${ticketId}: ${JSON.stringify(outcome)}`);
        entries.set(ticketId, { step: outcome.step, position: outcome.position, at: entryClock });
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

      // The booking side takes at most its capacity per step, first in first out: each person
      // taken asks for a seat (accepted when they entered), and their Region's worker decides it.
      enterPhase('booking');
      const taken = queue.splice(0, CAPACITY_PER_STEP);
      const byRegion = new Map<string, Delivery[]>([
        [WEST, []],
        [CENTRAL, []],
      ]);
      for (const id of taken) {
        const person = byTicket.get(id);
        const entry = entries.get(id);
        if (!person || !entry) throw new Error(`${id} was taken for booking without an entry`);
        if (sentBookings.has(id)) throw new Error(`${id} taken for booking twice`);
        const request = bookings.request(person.n, entry.at);
        sentBookings.set(id, request.sent);
        byRegion.get(person.n % 2 ? CENTRAL : WEST)?.push(request.delivery);
      }
      const regionBatches = [...byRegion].map(([region, list]) =>
        batches(list).map((deliveries) => ({ region, deliveries })),
      );
      workerSteps += regionBatches.filter((b) => b.length > 0).length;
      // Both Regions' batches interleaved, as their two queues feed their workers at once.
      const booking = await bookings.deliver(
        Array.from({ length: Math.max(...regionBatches.map((b) => b.length)) }, (_, i) =>
          regionBatches.flatMap((b) => b.slice(i, i + 1)),
        ).flat(),
        entryClock + 1000,
        BOOKINGS_IN_FLIGHT,
      );
      bookingFailures.push(...booking.failed);
      confirmedPerStep.push(booking.confirmed);
      bookingsPerStep.push(taken.length);
      maxBacklog = Math.max(maxBacklog, queue.length);
      enterPhase('harness');

      const everyone =
        delivered === arrivals.length && k > 8 && report.nowServing >= report.tail && report.waiting === 0;
      const lastAdmission = cursor.history.at(-1)?.at ?? 0;
      if (
        everyone &&
        queue.length === 0 &&
        clock.now > lastAdmission + (settings.noShowAfterSeconds + 2 * settings.stepSeconds) * 1000
      )
        break;
      if (k > 2_000) throw new Error('the simulation did not end');
    }

    // Read back what DynamoDB holds: every ticket partition by queries, page by page.
    enterPhase('verification');
    const hours = new Set(people.map((p) => ticketHour(settings, p.acceptedAt)));
    for (const hour of hours) {
      for (let part = 0; part < TICKET_PARTITIONS; part++) {
        const pk = keys.ticketPartition(settings.eventId, hour, part);
        for await (const page of stores[WEST].ticketsOfPartition(pk)) {
          for (const t of page) stored.set(t.ticketId, t);
        }
      }
    }
    for (const t of stored.values()) {
      const bucket = bucketOfGroup(settings, t.group);
      const doc = docs.get(bucket) ?? (await stores[WEST].getBucketDoc(bucket, bucketHour(settings, bucket)));
      const p = doc && positionOf(doc, t);
      if (p !== undefined) positions.set(t.ticketId, p);
    }
    // The entry records, by partition queries: one per record shard and hour.
    for (const hour of new Set([...entries.values()].map((e) => stepHour(settings, e.step)))) {
      for (let shard = 0; shard < settings.redeemShards; shard++) {
        let start: Record<string, unknown> | undefined;
        do {
          const res = await db.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.redemptionPartition(settings.eventId, shard, hour) },
              ExclusiveStartKey: start,
            }),
          );
          for (const item of res.Items ?? []) {
            recordedEntries += Number(item.n);
            recordedPositions.push(...((item.ps as Set<number> | undefined) ?? []));
          }
          start = res.LastEvaluatedKey;
        } while (start);
      }
    }
    recordedPositions.sort((a, b) => a - b);
    finalCursor = await stores[WEST].readCursor({ fresh: true });
    // The bookings: every slot (a query per centre), and the person item of everyone sent to book.
    slotsRead = await bookings.readSlots();
    personsRead = await bookings.readPersons([...sentBookings.values()]);
    enterPhase('harness');
  }, 1_800_000);

  afterAll(() => {
    db.destroy();
    bookings.destroy();
    if (process.env.REMPART_TRACE) {
      enterPhase('harness');
      const profile = {
        steps: admittedPerStep.length,
        calls: Object.fromEntries(calls),
        cpuMs: Object.fromEntries(cpu),
        wallMs: Object.fromEntries([...wall].map(([p, ms]) => [p, Math.round(ms)])),
      };
      process.stderr.write(`opening profile: ${JSON.stringify(profile, null, 1)}\n`);
    }
  });

  it('records one ticket per joiner and gives each a different position; redeliveries leave holes, never twins', () => {
    expect(stored.size).toBe(PEOPLE);
    expect(createdTwice).toBe(0);
    // What the join consumer wrote is what DynamoDB holds, and what the simulation placed.
    const differs = (t: Ticket, c: Ticket | undefined) =>
      !c ||
      (['ticketId', 'secretHash', 'cohort', 'acceptedAt', 'group', 'region', 'shard', 'seq'] as const).some(
        (field) => t[field] !== c[field],
      );
    expect([...stored.values()].filter((t) => differs(t, created.get(t.ticketId)))).toEqual([]);
    expect(unplaced).toBe(0);
    expect(positions.size).toBe(PEOPLE);
    expect([...positions].filter(([id, p]) => positionsSeen.get(id) !== p)).toEqual([]);
    expect(new Set(positions.values()).size).toBe(PEOPLE);
    expect(finalCursor?.tail).toBe(PEOPLE + duplicates);
    expect([...positions.values()].filter((p) => p > (finalCursor?.tail ?? 0))).toEqual([]);
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
      expect(stored.get(id)?.group).toMatch(/^A\./);
      expect(positions.get(id) ?? 0).toBeGreaterThan(drawSize);
    }
  });

  it('admits everyone who came exactly once, in the order of the line', () => {
    const comers = people.filter((p) => !p.noShow);
    expect(entries.size).toBe(comers.length);
    // One comer in 200 replays an entry (the count scales with the crowd, so any size checks it).
    expect(replays.length).toBeGreaterThan(PEOPLE / 400);
    expect(replays.every(Boolean)).toBe(true);
    expect([...entries].filter(([id, e]) => positions.get(id) !== e.position)).toEqual([]);
    const sorted = [...entries.values()].sort((a, b) => a.position - b.position);
    expect(sorted.filter((e, i) => i > 0 && e.step < (sorted[i - 1]?.step ?? 0))).toEqual([]);
    // The entry records hold each entry once: their counters add up to the people who came, and
    // their positions are exactly theirs.
    expect(recordedEntries).toBe(comers.length);
    expect(recordedPositions.length).toBe(sorted.length);
    expect(sorted.filter((e, i) => recordedPositions[i] !== e.position)).toEqual([]);
  });

  it('replaces every no-show and every hole, and lets people into booking never above the capacity', () => {
    const noShows = people.filter((p) => p.noShow).length;
    expect(finalCursor?.noShows).toBe(noShows + duplicates);
    expect(sentBookings.size).toBe(entries.size);
    // People let into booking never exceed the capacity over any opening run of steps: every
    // replacement stands for someone who will never come.
    let entered = 0;
    const overCapacity = entriesPerStep.filter((n, k) => {
      entered += n;
      return entered > (openStepsSoFar[k] ?? 0) * CAPACITY_PER_STEP;
    });
    expect(overCapacity).toEqual([]);
    expect(Math.max(...bookingsPerStep)).toBeLessThanOrEqual(CAPACITY_PER_STEP);
    // The booking side keeps up: what a step lets in is booked by the next one.
    expect(maxBacklog).toBeLessThan(CAPACITY_PER_STEP / 2);
    // And the cursor does not starve it: while people wait, steps admit the full pace.
    const busy = admittedPerStep.filter((a) => a > 0);
    expect(busy.filter((a) => a >= CAPACITY_PER_STEP).length).toBeGreaterThan(busy.length * 0.9);
    expect(openSteps).toBeGreaterThan(100);
  });

  it('books everyone who came exactly once through the booking worker, first in first out, never above the capacity', () => {
    // What the worker itself reported: one confirmation per person, nothing else, nothing failed.
    expect(bookingFailures).toEqual([]);
    expect(Object.fromEntries(bookings.outcomes)).toEqual({ BookingConfirmed: entries.size });
    expect(confirmedPerStep.filter((n) => n > CAPACITY_PER_STEP)).toEqual([]);
    // Each step confirms exactly the people it took: nothing is left over for a later step.
    expect(confirmedPerStep).toEqual(bookingsPerStep);
    // What DynamoDB holds. Slots: each counter equals its seat tokens and its capacity (every slot
    // is exactly full), and they add up to the people who came.
    expect(slotsRead.size).toBe(bookings.slots);
    const seats = new Set<string>();
    let booked = 0;
    for (const [slot, s] of slotsRead) {
      booked += s.booked;
      for (const seat of s.holders) seats.add(`${slot} ${seat}`);
    }
    expect([...slotsRead].filter(([, s]) => s.booked !== s.holders.size || s.booked !== s.capacity)).toEqual(
      [],
    );
    expect(booked).toBe(entries.size);
    expect(seats.size).toBe(entries.size);
    // Persons: each holds one decision, the CONFIRMED booking of the request they sent, whose seat
    // token is in their slot (so, with the count above, every seat is one person's).
    const wrong = [...sentBookings.values()].filter((r) => {
      const person = personsRead.get(r.personKey);
      const record = person?.decisions[r.requestId];
      return (
        person?.decisionCount !== 1 ||
        record?.status !== 'CONFIRMED' ||
        person.holder?.requestId !== r.requestId ||
        person.holder.seat !== r.seat ||
        person.holder.centreId !== r.centreId ||
        person.holder.slotId !== r.slotId ||
        !seats.has(`${r.centreId}/${r.slotId} ${r.seat}`)
      );
    });
    expect(wrong.map((r) => r.n)).toEqual([]);
    expect(personsRead.size).toBe(entries.size);
    // First in first out, as the person items record it: nobody who entered earlier was booked
    // after someone who entered later.
    const decided = [...sentBookings]
      .map(([id, r]) => ({
        enteredAt: entries.get(id)?.at ?? NaN,
        decidedAt: personsRead.get(r.personKey)?.decisions[r.requestId]?.decidedAt ?? NaN,
      }))
      .sort((a, b) => a.enteredAt - b.enteredAt || a.decidedAt - b.decidedAt);
    expect(decided.filter((d, i) => i > 0 && !(d.decidedAt >= (decided[i - 1]?.decidedAt ?? 0)))).toEqual([]);
  });

  it('costs each booking two conditional writes, and each Region a progress write per step', () => {
    const count = (key: string) => calls.get(key) ?? 0;
    const confirmed = entries.size;
    // The catalogue: a write per centre and per slot. Then each booking takes a seat and confirms
    // its person, and no read; each Region's worker moves its progress cursor once per step.
    expect(count('booking UpdateItem centre')).toBe(bookings.centres);
    expect(count('booking UpdateItem slot')).toBe(bookings.slots + confirmed);
    expect(count('booking UpdateItem person')).toBe(confirmed);
    expect(count('booking UpdateItem progress')).toBe(workerSteps);
    expect(workerSteps).toBeLessThanOrEqual(2 * admittedPerStep.length);
    expect(callsIn('booking')).toBe(bookings.centres + bookings.slots + 2 * confirmed + workerSteps);
  });

  it('costs each joiner about two DynamoDB calls: a ticket write, a share of a counter write, an entry write', () => {
    const count = (key: string) => calls.get(key) ?? 0;
    // Join: one conditional ticket write per delivered join (a redelivered one's is refused), and
    // one counter write per group a batch of ten spans: about two per batch, with two cohorts.
    const joins = PEOPLE + duplicates;
    expect(count('join PutItem')).toBe(joins);
    expect(count('join UpdateItem')).toBeLessThanOrEqual(joins * 0.25);
    expect(callsIn('join')).toBe(count('join PutItem') + count('join UpdateItem'));
    // Entry: one conditional write per entry or replay. The cursor and the bucket documents come
    // from each Region's caches: a cache miss per request in flight, per Region and step at most.
    const steps = admittedPerStep.length;
    expect(count('entry UpdateItem')).toBe(entries.size + replays.length);
    expect(count('entry GetItem')).toBeLessThanOrEqual(steps * 2 * 2 * ENTRIES_IN_FLIGHT);
    expect(callsIn('entry')).toBe(count('entry UpdateItem') + count('entry GetItem'));
    // The rest costs per step and per sealed bucket, whatever the crowd. A step: each controller
    // reads and writes the cursor and counts the entry records of (at most two) matured steps; the
    // harness reads the cursor. A bucket: a counter write per group and slot, its document read,
    // written and read back, a cursor write. The verification: a page per ticket partition and
    // entry-record shard, twice over.
    const slots = settings.regions.length * settings.shardsPerRegion;
    const perStep = 2 * (2 + 2 * settings.redeemShards) + 1;
    const perBucket = (settings.cohorts.length + 1) * slots + 4;
    // Then the bookings: at most two pages per centre (its slots fit one: a full slot is a few kB),
    // and a BatchGetItem per hundred people.
    const verification =
      2 * (2 * TICKET_PARTITIONS + settings.redeemShards) +
      2 +
      2 * bookings.centres +
      Math.ceil(entries.size / 100);
    expect(callsIn('controller') + callsIn('harness')).toBeLessThanOrEqual(
      steps * perStep + docs.size * perBucket,
    );
    expect(callsIn('verification')).toBeLessThanOrEqual(verification);
  });
});
