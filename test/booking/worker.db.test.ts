import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDocumentClient } from '../helpers/dynamodb-local';
import { makeWorkerHandler } from '../../lambda/booking/handlers/worker';
import {
  delivery,
  fakeContext,
  silentLogger,
  sqsEvent,
  deliverUntilSettled,
  fixture,
  message,
  oneCentre,
  personKey,
  pool,
  snapshot,
  type Fixture,
} from './harness';

// The worker handler against AWS's DynamoDB Local (started by jest's global setup).

describe('worker: booking rules', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(
      oneCentre([
        { slotId: 'happy', capacity: 5 },
        { slotId: 'single', capacity: 1 },
        { slotId: 'dup', capacity: 3 },
        { slotId: 'race-1', capacity: 10 },
        { slotId: 'race-2', capacity: 10 },
        { slotId: 'closed', capacity: 0 },
      ]),
    );
  });

  it('confirms a booking on a free slot and records it everywhere once (happy path)', async () => {
    const m = message('centre-a', 'happy', personKey('happy'));
    const res = await f.invoke([delivery(m)]);
    expect(res.batchItemFailures).toEqual([]);
    const s = await snapshot(f);
    expect(s.outcomes.get(m.requestId)).toMatchObject({
      status: 'CONFIRMED',
      centreId: 'centre-a',
      slotId: 'happy',
    });
    expect(s.persons.get(personKey('happy'))).toMatchObject({ requestId: m.requestId, state: 'CONFIRMED' });
    expect(s.slots.get('centre-a/happy')).toEqual({ capacity: 5, booked: 1, holders: [m.requestId] });
  });

  it('answers FULL once a slot has no seat left, and frees the person for another try', async () => {
    const first = message('centre-a', 'single', personKey('full-1'));
    const second = message('centre-a', 'single', personKey('full-2'));
    await f.invoke([delivery(first)]);
    await f.invoke([delivery(second)]);
    const s = await snapshot(f);
    expect(s.outcomes.get(first.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.outcomes.get(second.requestId)).toMatchObject({ status: 'REJECTED', reason: 'FULL' });
    expect(s.persons.has(personKey('full-2'))).toBe(false);
    expect(s.slots.get('centre-a/single')?.booked).toBe(1);
  });

  it('rejects an unknown slot and a closed (capacity 0) slot with their reasons', async () => {
    const unknown = message('centre-a', 'no-such-slot', personKey('unknown'));
    const closed = message('centre-a', 'closed', personKey('closed'));
    const res = await f.invoke([delivery(unknown), delivery(closed)]);
    expect(res.batchItemFailures).toEqual([]);
    const s = await snapshot(f);
    expect(s.outcomes.get(unknown.requestId)).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_SLOT' });
    expect(s.outcomes.get(closed.requestId)).toMatchObject({ status: 'REJECTED', reason: 'FULL' });
  });

  it('gives duplicated and redelivered messages exactly one effect', async () => {
    const m = message('centre-a', 'dup', personKey('dup'));
    // Twice in one batch (SQS at-least-once), then redelivered twice more, concurrently.
    await f.invoke([delivery(m, 'a'), delivery(m, 'b')]);
    await Promise.all([f.invoke([delivery(m, 'c')]), f.invoke([delivery(m, 'd')])]);
    const s = await snapshot(f);
    expect(s.outcomes.get(m.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.slots.get('centre-a/dup')).toEqual({ capacity: 3, booked: 1, holders: [m.requestId] });
  });

  it('lets a person who races for two slots hold at most one booking', async () => {
    const person = personKey('racer');
    const a = message('centre-a', 'race-1', person);
    const b = message('centre-a', 'race-2', person);
    await deliverUntilSettled(f, [a, b], { copies: 2, batchSize: 1, concurrency: 4 });
    const s = await snapshot(f);
    const statuses = [a, b].map((m) => s.outcomes.get(m.requestId)?.status).sort();
    expect(statuses).toEqual(['CONFIRMED', 'REJECTED']);
    const rejected = [a, b].find((m) => s.outcomes.get(m.requestId)?.status === 'REJECTED');
    expect(s.outcomes.get(rejected?.requestId ?? '')).toMatchObject({ reason: 'ALREADY_BOOKED' });
    const seats =
      (s.slots.get('centre-a/race-1')?.booked ?? 0) + (s.slots.get('centre-a/race-2')?.booked ?? 0);
    expect(seats).toBe(1);
  });
});

describe('worker: concurrency on one slot', () => {
  it('confirms exactly the capacity when 300 people race 30 concurrent invocations for 25 seats', async () => {
    const f = await fixture(oneCentre([{ slotId: 'hot', capacity: 25 }]));
    const messages = Array.from({ length: 300 }, (_, i) => message('centre-a', 'hot', personKey(`hot-${i}`)));
    const batches = Array.from({ length: 30 }, (_, i) => messages.slice(i * 10, i * 10 + 10));
    await pool(batches, 30, async (batch) => {
      const res = await f.invoke(batch.map((m) => delivery(m)));
      expect(res.batchItemFailures).toEqual([]);
    });
    const s = await snapshot(f);
    const confirmed = [...s.outcomes.values()].filter((o) => o.status === 'CONFIRMED');
    expect(confirmed).toHaveLength(25);
    expect(s.outcomes.size).toBe(300);
    expect(s.slots.get('centre-a/hot')).toMatchObject({ capacity: 25, booked: 25 });
    expect(s.slots.get('centre-a/hot')?.holders).toHaveLength(25);
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

  it('retries the items a database error interrupted mid-batch, and loses nothing', async () => {
    const db = localDocumentClient();
    const faults = faultInjector(db);
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 10 }]), db);
    const messages = Array.from({ length: 6 }, (_, i) => message('centre-a', 's', personKey(`db-${i}`)));
    // The seat update of the 3rd and 5th requests fails once, after their person claims succeeded.
    faults.failOnce(
      (input) =>
        input.Key?.sk === 'SLOT#s' && [messages[2], messages[4]].some((m) => hasRequest(input, m.requestId)),
    );
    const first = await f.invoke(messages.map((m) => delivery(m)));
    expect(first.batchItemFailures.map((b) => b.itemIdentifier).sort()).toEqual(
      [messages[2].requestId, messages[4].requestId].sort(),
    );
    let s = await snapshot(f);
    expect(s.outcomes.size).toBe(4);
    // SQS makes the failed items visible again: redeliver exactly those.
    const retry = await f.invoke([delivery(messages[2]), delivery(messages[4])]);
    expect(retry.batchItemFailures).toEqual([]);
    s = await snapshot(f);
    expect([...s.outcomes.values()].every((o) => o.status === 'CONFIRMED')).toBe(true);
    expect(s.outcomes.size).toBe(6);
    expect(s.slots.get('centre-a/s')?.booked).toBe(6);
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
    const [early, mid, late] = [1_000, 2_000, 3_000].map((acceptedAt, i) => ({
      ...message('centre-a', 's', personKey(`cursor-${i}`)),
      acceptedAt,
    }));
    faults.failOnce((input) => input.Key?.sk === 'SLOT#s' && hasRequest(input, early.requestId));
    const res = await worker(sqsEvent([early, mid, late].map((m) => delivery(m))), fakeContext);
    expect(res.batchItemFailures.map((b) => b.itemIdentifier)).toEqual([early.requestId]);
    expect(await f.catalogue.listProgress()).toEqual([{ region: 'eu-west-3', processedUpTo: 1_000 }]);
  });

  it('completes a booking interrupted after its seat was taken, without taking a second seat', async () => {
    const db = localDocumentClient();
    const faults = faultInjector(db);
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 10 }]), db);
    const m = message('centre-a', 's', personKey('crash'));
    // The crash point: the person confirmation, i.e. after the seat update succeeded.
    faults.failOnce((input) => String(input.UpdateExpression ?? '').includes(':confirmed'));
    // A batch whose every record failed makes the invocation fail: SQS retries the whole batch.
    await expect(f.invoke([delivery(m)])).rejects.toThrow(/All records failed processing/);
    expect((await snapshot(f)).slots.get('centre-a/s')?.booked).toBe(1);
    await f.invoke([delivery(m)]);
    const s = await snapshot(f);
    expect(s.outcomes.get(m.requestId)).toMatchObject({ status: 'CONFIRMED' });
    expect(s.slots.get('centre-a/s')).toMatchObject({ booked: 1, holders: [m.requestId] });
    expect(s.persons.get(personKey('crash'))).toMatchObject({ state: 'CONFIRMED', requestId: m.requestId });
  });
});

interface CommandInput {
  Key?: Record<string, unknown>;
  UpdateExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function hasRequest(input: CommandInput, requestId: string): boolean {
  return JSON.stringify(input.ExpressionAttributeValues ?? {}).includes(requestId);
}

/** Fail chosen DynamoDB calls once with a throttling error, as a real table under surge would. */
function faultInjector(db: DynamoDBDocumentClient) {
  const rules: Array<{ match: (input: CommandInput) => boolean; fired: Set<string> }> = [];
  db.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as CommandInput;
      for (const rule of rules) {
        const key = JSON.stringify(input.Key) + JSON.stringify(input.ExpressionAttributeValues?.[':r'] ?? '');
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
