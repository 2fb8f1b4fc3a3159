import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AdmissionStore } from '../../lambda/booking/adapters/admission-store';
import { DEFAULT_ADMISSION_LIMITS } from '../../lambda/booking/domain/admission';
import { makeWorkerHandler } from '../../lambda/booking/handlers/worker';
import { localDocumentClient } from '../helpers/dynamodb-local';
import {
  cancellation,
  checkInvariants,
  deliverUntilSettled,
  delivery,
  fakeContext,
  fixture,
  message,
  oneCentre,
  personKey,
  silentLogger,
  snapshot,
  sqsEvent,
  type Fixture,
} from './harness';

// The worker handler against AWS's DynamoDB Local (started by jest's global setup).

/** Record every DynamoDB command the adapters send (name and input). */
function recorder(db: DynamoDBDocumentClient) {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: context.commandName ?? 'unknown', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'rempartRecorder' },
  );
  return sent;
}

describe('worker: booking rules', () => {
  let f: Fixture;
  let sent: ReturnType<typeof recorder>;
  beforeAll(async () => {
    const db = localDocumentClient();
    sent = recorder(db);
    f = await fixture(
      oneCentre([
        { slotId: 'happy', capacity: 5 },
        { slotId: 'single', capacity: 1 },
        { slotId: 'dup', capacity: 3 },
        { slotId: 'race-1', capacity: 10 },
        { slotId: 'race-2', capacity: 10 },
        { slotId: 'closed', capacity: 0 },
        { slotId: 'started', capacity: 5, startsAt: new Date(Date.now() - 60_000).toISOString() },
        ...Array.from({ length: 50 }, (_, i) => ({ slotId: `hoard-${i}`, capacity: 5 })),
      ]),
      db,
    );
  });

  it('confirms a booking in exactly 2 conditional writes and no read (the write budget)', async () => {
    const m = message('centre-a', 'happy', personKey('happy'));
    sent.length = 0;
    const res = await f.invoke([delivery(m)]);
    expect(res.batchItemFailures).toEqual([]);
    const writes = sent.filter(
      (c) => c.name !== 'UpdateItemCommand' || !String(c.input.UpdateExpression).includes('processedUpTo'),
    );
    expect(writes.map((c) => c.name)).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    expect(writes.every((c) => typeof c.input.ConditionExpression === 'string')).toBe(true);
    const s = await snapshot(f);
    expect(s.outcomes.get(m.requestId)).toMatchObject({
      status: 'CONFIRMED',
      centreId: 'centre-a',
      slotId: 'happy',
    });
    expect(s.persons.get(personKey('happy'))?.holder).toMatchObject({
      requestId: m.requestId,
      slotId: 'happy',
    });
    expect(s.slots.get('centre-a/happy')).toMatchObject({ capacity: 5, booked: 1, holderIds: [m.requestId] });
  });

  it('answers FULL once a slot has no seat left, and leaves the person free to book elsewhere', async () => {
    const first = message('centre-a', 'single', personKey('full-1'));
    const second = message('centre-a', 'single', personKey('full-2'));
    await f.invoke([delivery(first)]);
    await f.invoke([delivery(second)]);
    const again = message('centre-a', 'happy', personKey('full-2'));
    await f.invoke([delivery(again)]);
    const s = await snapshot(f);
    expect(s.outcomes.get(first.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.get(second.requestId)).toMatchObject({ status: 'REJECTED', reason: 'FULL' });
    expect(s.outcomes.get(again.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.slots.get('centre-a/single')?.booked).toBe(1);
  });

  it('rejects an unknown slot, a closed (capacity 0) slot and a slot that has started, with their reasons', async () => {
    const unknown = message('centre-a', 'no-such-slot', personKey('unknown'));
    const closed = message('centre-a', 'closed', personKey('closed'));
    const started = message('centre-a', 'started', personKey('started'));
    const res = await f.invoke([delivery(unknown), delivery(closed), delivery(started)]);
    expect(res.batchItemFailures).toEqual([]);
    const s = await snapshot(f);
    expect(s.outcomes.get(unknown.requestId)).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_SLOT' });
    expect(s.outcomes.get(closed.requestId)).toMatchObject({ status: 'REJECTED', reason: 'FULL' });
    expect(s.outcomes.get(started.requestId)).toMatchObject({ status: 'REJECTED', reason: 'SLOT_PASSED' });
    expect(s.slots.get('centre-a/started')?.booked).toBe(0);
  });

  it('gives duplicated and redelivered messages exactly one effect', async () => {
    const m = message('centre-a', 'dup', personKey('dup'));
    await f.invoke([delivery(m, 'a'), delivery(m, 'b')]);
    await Promise.all([f.invoke([delivery(m, 'c')]), f.invoke([delivery(m, 'd')])]);
    const s = await snapshot(f);
    expect(s.outcomes.get(m.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.slots.get('centre-a/dup')).toMatchObject({ capacity: 3, booked: 1, holderIds: [m.requestId] });
  });

  it('lets a person who races for two slots hold one booking, and never makes them wait', async () => {
    const person = personKey('racer');
    const a = message('centre-a', 'race-1', person);
    const b = message('centre-a', 'race-2', person);
    const run = await deliverUntilSettled(f, [a, b], { copies: 2, batchSize: 1, concurrency: 4 });
    expect(run.failures).toBe(0);
    const s = await snapshot(f);
    expect([a, b].map((m) => s.outcomes.get(m.requestId)?.status).sort()).toEqual(['CONFIRMED', 'REJECTED']);
    const rejected = [a, b].find((m) => s.outcomes.get(m.requestId)?.status === 'REJECTED');
    expect(s.outcomes.get(rejected?.requestId ?? '')).toMatchObject({ reason: 'ALREADY_BOOKED' });
    expect(
      (s.slots.get('centre-a/race-1')?.booked ?? 0) + (s.slots.get('centre-a/race-2')?.booked ?? 0),
    ).toBe(1);
  });

  it('hoarding: one identity, 50 concurrent requests for 50 slots, each delivered twice: exactly 1 confirmed', async () => {
    const hoarder = personKey('hoarder');
    const messages = Array.from({ length: 50 }, (_, i) => message('centre-a', `hoard-${i}`, hoarder));
    const run = await deliverUntilSettled(f, messages, { copies: 2, batchSize: 10, concurrency: 10 });
    expect(run.failures).toBe(0);
    const s = await snapshot(f);
    const statuses = messages.map((m) => s.outcomes.get(m.requestId)?.status);
    expect(statuses.filter((x) => x === 'CONFIRMED')).toHaveLength(1);
    expect(statuses.filter((x) => x === 'REJECTED')).toHaveLength(49);
    const seats = Array.from({ length: 50 }, (_, i) => s.slots.get(`centre-a/hoard-${i}`)?.booked ?? 0);
    expect(seats.reduce((a, b) => a + b, 0)).toBe(1);
    checkInvariants(s);
  });
});

describe('worker: cancel and rebook', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(
      oneCentre([
        { slotId: 'one', capacity: 1 },
        { slotId: 'two', capacity: 1 },
        { slotId: 'three', capacity: 5 },
      ]),
    );
  });

  it('frees the seat exactly once when the cancellation is delivered twice, concurrently, and the person rebooks', async () => {
    const person = personKey('canceller');
    const booked = message('centre-a', 'one', person);
    await f.invoke([delivery(booked)]);
    const cancel = cancellation(person, booked.requestId);
    await Promise.all([
      f.invoke([delivery(cancel, 'c1')]),
      f.invoke([delivery(cancel, 'c2')]),
      f.invoke([delivery(cancel, 'c3')]),
    ]);
    let s = await snapshot(f);
    expect(s.outcomes.get(booked.requestId)).toMatchObject({ status: 'CANCELLED', reason: 'BY_PERSON' });
    expect(s.slots.get('centre-a/one')).toMatchObject({ booked: 0, holders: [] });
    expect(s.persons.get(person)?.holder).toBeUndefined();
    // The seat went back once: someone else takes it; the person books again elsewhere.
    const taker = message('centre-a', 'one', personKey('taker'));
    const rebook = message('centre-a', 'two', person);
    await f.invoke([delivery(taker), delivery(rebook), delivery(cancel, 'c4')]);
    s = await snapshot(f);
    expect(s.outcomes.get(taker.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.get(rebook.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.slots.get('centre-a/one')?.booked).toBe(1);
    checkInvariants(s);
  });

  it('a cancellation that overtakes its booking makes the booking never confirm, and gives back what it took', async () => {
    const person = personKey('early-cancel');
    const booking = message('centre-a', 'three', person);
    await f.invoke([delivery(cancellation(person, booking.requestId))]);
    await f.invoke([delivery(booking, 'x'), delivery(booking, 'y')]);
    const s = await snapshot(f);
    expect(s.outcomes.get(booking.requestId)).toMatchObject({
      status: 'CANCELLED',
      reason: 'BEFORE_DECISION',
    });
    expect(s.slots.get('centre-a/three')?.holderIds).not.toContain(booking.requestId);
    checkInvariants(s);
  });

  it('a rebook that overtakes the person own pending cancellation carries it out, then confirms', async () => {
    const person = personKey('rebooker');
    const old = message('centre-a', 'three', person);
    await f.invoke([delivery(old)]);
    // The write authorizer admitted DELETE of the old booking (it marks it pending) before the POST.
    await new AdmissionStore(f.db, f.tableName, DEFAULT_ADMISSION_LIMITS).admit(
      person,
      { kind: 'CANCEL', target: old.requestId },
      Date.now(),
    );
    const rebook = message('centre-a', 'three', person);
    const res = await f.invoke([delivery(rebook)]);
    expect(res.batchItemFailures).toEqual([]);
    let s = await snapshot(f);
    expect(s.outcomes.get(rebook.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.get(old.requestId)).toMatchObject({ status: 'CANCELLED', reason: 'BY_PERSON' });
    // The cancellation message itself, arriving last and twice, changes nothing.
    const cancel = cancellation(person, old.requestId);
    await f.invoke([delivery(cancel, 'late-1'), delivery(cancel, 'late-2')]);
    s = await snapshot(f);
    expect(s.persons.get(person)?.holder?.requestId).toBe(rebook.requestId);
    checkInvariants(s);
  });
});

describe('worker: integrity under hostile deliveries', () => {
  it('refuses a request id replayed with a different body in the same batch: one seat, one person', async () => {
    const f = await fixture(
      oneCentre([
        { slotId: 'p', capacity: 5 },
        { slotId: 'q', capacity: 5 },
      ]),
    );
    const person = personKey('replayer');
    const genuine = message('centre-a', 'p', person);
    const forged = message('centre-a', 'q', person, genuine.requestId);
    const first = await f.invoke([delivery(genuine, 'g'), delivery(forged, 'f')]);
    // Whichever body decided first stands; the other copy fails (to the DLQ after its receives) and holds nothing.
    expect(first.batchItemFailures).toHaveLength(1);
    for (let i = 0; i < 4; i++) await f.invoke([delivery(genuine, 'g'), delivery(forged, 'f')]);
    const s = await snapshot(f);
    const seats = (s.slots.get('centre-a/p')?.booked ?? 0) + (s.slots.get('centre-a/q')?.booked ?? 0);
    expect(seats).toBe(1);
    expect(s.outcomes.get(genuine.requestId)?.status).toBe('CONFIRMED');
    checkInvariants(s);
  });

  it('bounds acceptance times: 1e300 or the year 2255 is refused before any write, and the cursor stays put', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 5 }]));
    const worker = makeWorkerHandler({
      db: f.db,
      tableName: f.tableName,
      region: 'eu-west-3',
      logger: silentLogger,
      progressIntervalMs: 0,
    });
    const ok = message('centre-a', 's', personKey('t-0'));
    const hostile = ['1e300', '9000000000000000'].map((acceptedAt, i) => {
      const m = message('centre-a', 's', personKey(`t-${i + 1}`));
      return { ...delivery(m, `hostile-${i}`), attributes: { ...m.raw.attributes, acceptedAt } };
    });
    const res = await worker(sqsEvent([delivery(ok), ...hostile]), fakeContext);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier).sort()).toEqual(['hostile-0', 'hostile-1']);
    const s = await snapshot(f);
    expect(s.slots.get('centre-a/s')?.booked).toBe(1);
    expect(await f.catalogue.listProgress()).toEqual([{ region: 'eu-west-3', processedUpTo: ok.acceptedAt }]);
  });

  it('refuses a message whose body still carries a person key', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 5 }]));
    const m = message('centre-a', 's', personKey('honest'));
    const smuggled = {
      ...delivery(m, 'smuggled'),
      body: JSON.stringify({ centreId: 'centre-a', slotId: 's', personKey: personKey('other') }),
    };
    const res = await f.invoke([smuggled]);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier)).toEqual(['smuggled']);
    expect((await snapshot(f)).slots.get('centre-a/s')?.booked).toBe(0);
  });
});

describe('worker: failures', () => {
  it('reports a malformed message as a batch item failure without blocking the rest of the batch', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 5 }]));
    const good1 = message('centre-a', 's', personKey('m-1'));
    const good2 = message('centre-a', 's', personKey('m-2'));
    const badShape = delivery(message('centre-a', 's', personKey('m-3')), 'bad-shape');
    const res = await f.invoke([
      delivery(good1),
      delivery('{not json', 'not-json'),
      { ...badShape, body: JSON.stringify({ centreId: 'centre-a' }) },
      delivery(good2),
    ]);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier).sort()).toEqual(['bad-shape', 'not-json']);
    const s = await snapshot(f);
    expect(s.outcomes.get(good1.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.get(good2.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.size).toBe(2);
  });

  it('answers a batch whose every record failed with a partial batch response listing them all, never by throwing', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 5 }]));
    const res = await f.invoke([delivery('{', 'x1'), delivery('[]', 'x2')]);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier).sort()).toEqual(['x1', 'x2']);
  });

  it('retries the items a database error interrupted mid-batch, and loses nothing', async () => {
    const db = localDocumentClient();
    const faults = faultInjector(db);
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 10 }]), db);
    const messages = Array.from({ length: 6 }, (_, i) => message('centre-a', 's', personKey(`db-${i}`)));
    // The person write of the 3rd and 5th requests fails once, after their seats were taken.
    faults.failOnce(
      (input) =>
        keyPart(input, 'pk')?.startsWith('PERSON#') === true &&
        [messages[2], messages[4]].some((m) => hasRequest(input, m.requestId)),
    );
    const first = await f.invoke(messages.map((m) => delivery(m)));
    expect(first.batchItemFailures.map((b) => b.itemIdentifier).sort()).toEqual(
      [messages[2].requestId, messages[4].requestId].sort(),
    );
    let s = await snapshot(f);
    expect(s.outcomes.size).toBe(4);
    expect(s.slots.get('centre-a/s')?.booked).toBe(6); // two seats held, not yet confirmed
    const retry = await f.invoke([delivery(messages[2]), delivery(messages[4])]);
    expect(retry.batchItemFailures).toEqual([]);
    s = await snapshot(f);
    expect([...s.outcomes.values()].every((o) => o.status === 'CONFIRMED')).toBe(true);
    expect(s.outcomes.size).toBe(6);
    expect(s.slots.get('centre-a/s')?.booked).toBe(6);
    checkInvariants(s);
  });

  it('never moves the progress cursor past a request the batch leaves for redelivery', async () => {
    const db = localDocumentClient();
    const faults = faultInjector(db);
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 10 }]), db);
    const worker = makeWorkerHandler({
      db,
      tableName: f.tableName,
      region: 'eu-west-3',
      logger: silentLogger,
      progressIntervalMs: 0,
    });
    const base = Date.now() - 10_000;
    const [early, mid, late] = [0, 1, 2].map((i) =>
      message('centre-a', 's', personKey(`cursor-${i}`), undefined, base + i * 1000),
    );
    // The seat write of `early` (its seat token is its body hash) fails once.
    faults.failOnce((input) => keyPart(input, 'sk') === 'SLOT#s' && hasRequest(input, early.bodyHash));
    const res = await worker(sqsEvent([early, mid, late].map((m) => delivery(m))), fakeContext);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier)).toEqual([early.requestId]);
    expect(await f.catalogue.listProgress()).toEqual([{ region: 'eu-west-3', processedUpTo: base }]);
  });
});

interface CommandInput {
  Key?: Record<string, unknown>;
  UpdateExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
  ExpressionAttributeNames?: Record<string, unknown>;
}

/** A key attribute as sent: a string (document commands) or `{ S }` (the store's low-level UpdateItem). */
function keyPart(input: CommandInput, name: 'pk' | 'sk'): string | undefined {
  const v = input.Key?.[name];
  if (typeof v === 'string') return v;
  const s = (v as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

function hasRequest(input: CommandInput, requestId: string): boolean {
  return JSON.stringify(
    [input.ExpressionAttributeValues ?? {}, input.ExpressionAttributeNames ?? {}],
    (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v),
  ).includes(requestId);
}

/** Fail chosen DynamoDB calls once with a throttling error, as a real table under surge would. */
function faultInjector(db: DynamoDBDocumentClient) {
  const rules: Array<{ match: (input: CommandInput) => boolean; fired: Set<string> }> = [];
  db.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as CommandInput;
      for (const rule of rules) {
        const key =
          JSON.stringify(input.Key) +
          JSON.stringify(input.ExpressionAttributeNames ?? {}) +
          JSON.stringify(input.ExpressionAttributeValues?.[':r'] ?? '');
        if (rule.match(input) && !rule.fired.has(key)) {
          rule.fired.add(key);
          const error = new Error('Throughput exceeds the current capacity of your table');
          error.name = 'ThrottlingException';
          throw error;
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'rempartFaultInjector' },
  );
  return { failOnce: (match: (input: CommandInput) => boolean) => rules.push({ match, fired: new Set() }) };
}
