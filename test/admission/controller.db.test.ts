import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAdmissionStore } from '../../lambda/admission/adapters/admission-store';
import { ADMISSION_ALLOWED_COMMANDS } from '../../lambda/admission/adapters/dynamodb';
import { controllerStep } from '../../lambda/admission/domain/controller';
import { enter, ticketPosition } from '../../lambda/admission/domain/enter';
import { recordJoins } from '../../lambda/admission/domain/join';
import {
  HOUR_MS,
  hourOf,
  keys,
  sha256Base64url,
  type JoinMessage,
} from '../../lambda/admission/domain/model';
import type { AdmissionSettings } from '../../lambda/admission/domain/settings';
import { sweepOnce } from '../../lambda/admission/domain/sweep';
import { makeSweepHandler } from '../../lambda/admission/handlers/sweep';
import { createBookingTable, localDocumentClient } from '../helpers/dynamodb-local';
import { OPENING, secretOf, seedFor, testSettings, ticketIdAt } from './memory-port';

// The admission adapter against AWS's DynamoDB Local: the controller race, no-show compensation,
// expiry, and the MRSC rule (single-item operations only).

const WEST = 'eu-west-3';
const CENTRAL = 'eu-central-1';

function join(n: number, acceptedAt: number): JoinMessage {
  return {
    ticketId: ticketIdAt(acceptedAt, n),
    acceptedAt,
    secretHash: sha256Base64url(secretOf(n)),
    cohort: 'general',
  };
}

/** Every command the adapters send, by name, from every client built here. */
const sent: string[] = [];
function recordingClient(): DynamoDBDocumentClient {
  const db = localDocumentClient();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'admissionCommandRecorder' },
  );
  return db;
}

async function setUp(settings: AdmissionSettings, people: number, clock: { now: number }) {
  const tableName = await createBookingTable('admission');
  const store = () =>
    new DynamoAdmissionStore(recordingClient(), tableName, settings, { now: () => clock.now });
  const joins = Array.from({ length: people }, (_, i) => join(i, OPENING - 120_000 + i * 10));
  const west = store();
  for (let i = 0; i < joins.length; i += 10) {
    await recordJoins(
      west,
      settings,
      { region: i % 20 ? WEST : CENTRAL, shard: (i / 10) % 8 },
      joins.slice(i, i + 10),
      OPENING - 1000,
    );
  }
  return { tableName, store, joins };
}

describe('two controllers racing on DynamoDB Local', () => {
  const settings = testSettings({ admitPerSecond: 4 });
  const clock = { now: OPENING };
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    ctx = await setUp(settings, 600, clock);
  });

  it('never advance the cursor twice for one step, whatever the interleaving', async () => {
    const west = ctx.store();
    const central = ctx.store();
    const first = OPENING + (settings.bucketSeconds + settings.settleSeconds) * 1000;
    const taken: number[] = [];
    for (let k = 0; k < 12; k++) {
      clock.now = first + k * settings.stepSeconds * 1000;
      const [a, b] = await Promise.all([
        controllerStep(west, settings, { now: clock.now, region: WEST, randomSeed: seedFor('w') }),
        controllerStep(central, settings, { now: clock.now, region: CENTRAL, randomSeed: seedFor('c') }),
      ]);
      taken.push([a, b].filter((r) => r.taken).length);
      // A third, late controller for the same step changes nothing.
      const late = await controllerStep(ctx.store(), settings, {
        now: clock.now + 10,
        region: WEST,
        randomSeed: seedFor('l'),
      });
      expect(late.taken).toBe(false);
    }
    expect(taken).toEqual(Array(12).fill(1));
    const cursor = await west.readCursor({ fresh: true });
    // 20 people per step. A step admits against the tail it read, and the first step sealed the
    // draw after moving: it admitted nobody, the next 11 twenty each.
    expect(cursor?.nowServing).toBe(11 * 20);
    expect(cursor?.history.map((h) => h.nowServing)).toEqual(
      Array.from({ length: 11 }, (_, i) => (i + 1) * 20),
    );
    expect(cursor?.tail).toBe(600);
  });
});

describe('no-show compensation on DynamoDB Local', () => {
  const settings = testSettings({ admitPerSecond: 4, noShowAfterSeconds: 60 });
  const clock = { now: OPENING };
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    ctx = await setUp(settings, 400, clock);
  });

  it('moves the cursor further by exactly the admitted people who did not enter in time', async () => {
    const store = ctx.store();
    const stepMs = settings.stepSeconds * 1000;
    const t0 = OPENING + (settings.bucketSeconds + settings.settleSeconds) * 1000;
    const step = async (k: number) => {
      clock.now = t0 + k * stepMs;
      return controllerStep(store, settings, { now: clock.now, region: WEST, randomSeed: seedFor('ns') });
    };
    await step(0); // seals the draw
    const first = await step(1);
    expect(first.admitted).toBe(20);
    const positions = await Promise.all(ctx.joins.map((j) => ticketPosition(store, settings, j.ticketId)));
    // 15 of the first 20 enter (some twice: counted once); 5 never come.
    for (let p = 1; p <= 15; p++) {
      const i = positions.indexOf(p);
      const who = ctx.joins[i];
      if (!who) throw new Error(`position ${p} exists`);
      const outcome = await enter(
        store,
        settings,
        { ticketId: who.ticketId, secret: secretOf(i) },
        clock.now + 100,
      );
      expect(outcome).toMatchObject({ kind: 'admitted', position: p, first: true });
      if (p % 5 === 0) {
        expect(
          await enter(store, settings, { ticketId: who.ticketId, secret: secretOf(i) }, clock.now + 200),
        ).toMatchObject({
          first: false,
        });
      }
    }
    // Everyone of later steps enters, so only step 1's five no-shows are replaced.
    const moves: number[] = [];
    for (let k = 2; k <= 16; k++) {
      const before = (await store.readCursor({ fresh: true }))?.nowServing ?? 0;
      const r = await step(k);
      moves.push(r.admitted);
      for (let p = before + 1; p <= r.nowServing; p++) {
        const i = positions.indexOf(p);
        const who = ctx.joins[i];
        if (who)
          await enter(store, settings, { ticketId: who.ticketId, secret: secretOf(i) }, clock.now + 100);
      }
    }
    // Step 1 matures 60 s + one step after it: 13 steps later.
    expect(moves).toEqual([20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 25, 20, 20]);
    const cursor = await store.readCursor({ fresh: true });
    expect(cursor?.noShows).toBe(5);
  });
});

describe('expiry without TTL on DynamoDB Local', () => {
  const settings = testSettings({ admitPerSecond: 4, retentionHours: 2 });
  const clock = { now: OPENING };
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    ctx = await setUp(settings, 50, clock);
    const store = ctx.store();
    clock.now = OPENING + 20_000;
    await controllerStep(store, settings, { now: clock.now, region: WEST, randomSeed: seedFor('x') });
    clock.now += 5_000;
    await controllerStep(store, settings, { now: clock.now, region: WEST, randomSeed: seedFor('x') });
  });

  const exists = async (key: { pk: string; sk: string }) =>
    (
      await localDocumentClient().send(
        new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true }),
      )
    ).Item !== undefined;

  it('deletes nothing before the retention has passed', async () => {
    const report = await sweepOnce(ctx.store(), settings, {
      now: OPENING + HOUR_MS,
      leaseMs: 60_000,
      concurrency: 8,
    });
    expect(report).toEqual({ deleted: 0 });
    expect(await exists(keys.ticket(settings, ctx.joins[0]?.ticketId ?? ''))).toBe(true);
  });

  it('deletes an hour of tickets, counters and bucket documents by partition queries, and keeps the cursor', async () => {
    const sweeper = makeSweepHandler({ port: ctx.store(), settings, now: () => OPENING + 4 * HOUR_MS });
    const result = await sweeper({}, { getRemainingTimeInMillis: () => 600_000 });
    const openingHour = hourOf(OPENING);
    expect(result.hours).toContain(openingHour - 1);
    expect(result.hours).toContain(openingHour);
    // 50 tickets (joined the hour before); in the opening hour, the 7 buckets sealed 25 s after the
    // opening: their documents and 16 counters per group (bucket 0 holds the draw and its arrivals).
    expect(result.deleted).toBe(50 + 7 + (2 + 6) * 16);
    for (const j of ctx.joins.slice(0, 5))
      expect(await exists(keys.ticket(settings, j.ticketId))).toBe(false);
    expect(await exists(keys.cursor(settings.eventId))).toBe(true);
    // Hours are not swept twice, and the next one is not due yet.
    const again = await sweepOnce(ctx.store(), settings, {
      now: OPENING + 4 * HOUR_MS,
      leaseMs: 60_000,
      concurrency: 8,
    });
    expect(again.deleted).toBe(0);
  });
});

describe('MRSC compatibility of the admission adapters', () => {
  it('sent only single-item operations and partition queries: no transaction, batch, scan or TTL call', () => {
    expect(sent.length).toBeGreaterThan(1000);
    expect(new Set(sent)).toEqual(new Set(ADMISSION_ALLOWED_COMMANDS));
    expect(sent.filter((n) => /Transact|Batch|Scan|TimeToLive|ExecuteStatement/.test(n))).toEqual([]);
  });
});
