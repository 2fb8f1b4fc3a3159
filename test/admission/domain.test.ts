import { admissionLoad, MAX_ITEM_WRITES_PER_SECOND } from '../../lambda/admission/domain/capacity';
import { controllerStep } from '../../lambda/admission/domain/controller';
import {
  admissionOf,
  admittedPerMinute,
  decideAdvance,
  initialCursor,
  type CursorState,
} from '../../lambda/admission/domain/cursor';
import { enter, ticketPosition } from '../../lambda/admission/domain/enter';
import { recordJoins } from '../../lambda/admission/domain/join';
import {
  MalformedJoinError,
  arrivalGroup,
  drawGroup,
  groupOfJoin,
  parseJoinMessage,
  sha256Base64url,
  ticketTime,
  type JoinMessage,
} from '../../lambda/admission/domain/model';
import { buildBucketDoc, positionOf } from '../../lambda/admission/domain/order';
import { admissionSettingsProblems, redeemShardsFor } from '../../lambda/admission/domain/settings';
import { entryAnswer, statusAnswer, ticketAnswer, waitingStatus } from '../../lambda/admission/domain/views';
import { bookingCapacity } from '../../lib/workloads/booking/capacity';
import { bookingDefaults } from '../../lib/workloads/booking/config';
import { MemoryAdmissionPort, OPENING, secretOf, seedFor, testSettings, ticketIdAt } from './memory-port';

const S = testSettings();
const STEP = S.stepSeconds * 1000;

function join(n: number, acceptedAt: number, cohort = 'general'): JoinMessage {
  return {
    ticketId: ticketIdAt(acceptedAt, n),
    acceptedAt,
    secretHash: sha256Base64url(secretOf(n)),
    cohort,
  };
}

describe('admission settings', () => {
  it('accepts the defaults and derives the entry-record shards from the pace', () => {
    expect(admissionSettingsProblems(S)).toEqual([]);
    expect(redeemShardsFor(2000, 5)).toBe(100);
    expect(S.redeemShards).toBe(redeemShardsFor(100, 5));
  });

  it('names each bad setting, its value and the fix', () => {
    const problems = admissionSettingsProblems({
      ...S,
      eventId: 'bad id',
      regions: ['eu-west-3', 'eu-west-3'],
      cohorts: [
        { id: 'over-75', delaySeconds: 10 },
        { id: 'Bad', delaySeconds: 0 },
      ],
      noShowAfterSeconds: 10,
      redeemShards: 1,
      admitPerSecond: 2000,
    });
    const text = problems.join('\n');
    expect(text).toMatch(/eventId is "bad id"\. Fix/);
    expect(text).toMatch(/regions lists "eu-west-3" twice/);
    expect(text).toMatch(/cohorts\[1\]\.id is "Bad"/);
    expect(text).toMatch(/cohorts\[1\]\.delaySeconds \(0\) is below the previous/);
    expect(text).toMatch(/cohorts\[0\]\.delaySeconds is not 0/);
    expect(text).toMatch(/noShowAfterSeconds is 10\. Fix: use a whole number from 60/);
    expect(text).toMatch(/redeemShards is 1, below 100/);
  });
});

describe('no hot key: write arithmetic at the default surge (docs/waiting-room.md)', () => {
  // The default surge as declared (the embedded default configuration's booking section).
  const surge = bookingDefaults.surge;
  const peakJoinsPerSecond = bookingCapacity({ surge, waitingRoom: { enabled: true } }).peakPeoplePerSecond;
  const admitPerSecond = surge.workerBookingsPerSecond;
  const load = admissionLoad({
    peakJoinsPerSecond,
    admitPerSecond,
    regions: 2,
    shardsPerRegion: 8,
    consumerBatchSize: 10,
    stepSeconds: 5,
    bucketSeconds: 2,
    cohorts: 1,
    redeemShards: redeemShardsFor(admitPerSecond, 5),
  });

  it('keeps every item under a few hundred writes per second, one Region taking every join', () => {
    expect(Math.round(peakJoinsPerSecond)).toBe(2778);
    expect(load.joinCounterWritesPerSecond).toBeCloseTo(34.7, 1);
    expect(load.ticketPartitionWritesPerSecond).toBeCloseTo(43.4, 1);
    expect(load.entryRecordWritesPerSecond).toBe(20);
    expect(load.cursorWritesPerSecond).toBeCloseTo(0.7, 5);
    expect(load.sealWritesPerSecond).toBe(8);
    expect(load.hottest).toBe('ticket partition');
    expect(load.maxItemWritesPerSecond).toBeLessThan(MAX_ITEM_WRITES_PER_SECOND);
  });

  it('would flag a single counter taking one write per join', () => {
    const hot = admissionLoad({
      peakJoinsPerSecond,
      admitPerSecond,
      regions: 2,
      shardsPerRegion: 1,
      consumerBatchSize: 1,
      stepSeconds: 5,
      bucketSeconds: 2,
      cohorts: 1,
      redeemShards: 100,
    });
    expect(hot.hottest).toBe('join counter');
    expect(hot.maxItemWritesPerSecond).toBeGreaterThan(MAX_ITEM_WRITES_PER_SECOND);
  });
});

describe('joins', () => {
  const cohorts = S.cohorts;
  const id = ticketIdAt(OPENING - 5000, 1);
  const attributes = { ticketId: id, acceptedAt: String(OPENING - 5000) };

  it('parses a JSON join and a form join (whose secret is hashed here, never stored)', () => {
    const hash = sha256Base64url('x'.repeat(43));
    expect(parseJoinMessage(JSON.stringify({ secretHash: hash }), attributes, cohorts)).toEqual({
      ticketId: id,
      acceptedAt: OPENING - 5000,
      secretHash: hash,
      cohort: 'general',
    });
    const form = parseJoinMessage(
      'secret=0123456789abcdef-uuid',
      { ...attributes, contentType: 'form' },
      cohorts,
    );
    expect(form.secretHash).toBe(sha256Base64url('0123456789abcdef-uuid'));
    expect(ticketTime(id)).toBe(OPENING - 5000);
  });

  it.each([
    ['{"secretHash":"short"}', attributes, /secretHash/],
    ['not json', attributes, /JSON object/],
    [`{"secretHash":"${'a'.repeat(43)}","cohort":"vip"}`, attributes, /cohort/],
    [`{"secretHash":"${'a'.repeat(43)}"}`, { ...attributes, acceptedAt: '1' }, /acceptedAt/],
    [`{"secretHash":"${'a'.repeat(43)}"}`, { ...attributes, ticketId: 'x' }, /ticketId/],
    ['secret=short', { ...attributes, contentType: 'form' }, /secret/],
  ])('refuses a malformed join (%s)', (body, attrs, reason) => {
    expect(() => parseJoinMessage(body, attrs, cohorts)).toThrow(MalformedJoinError);
    expect(() => parseJoinMessage(body, attrs, cohorts)).toThrow(reason);
  });

  it('puts pre-opening joins in their cohort draw, later ones in the arrival bucket shifted by the cohort delay', () => {
    const s = testSettings({
      cohorts: [
        { id: 'over-75', delaySeconds: 0 },
        { id: 'general', delaySeconds: 60 },
      ],
    });
    expect(groupOfJoin(s, join(1, OPENING - 1, 'general'))).toBe(drawGroup('general'));
    expect(groupOfJoin(s, join(2, OPENING + 4_999, 'over-75'))).toBe(arrivalGroup(2, 'over-75'));
    expect(groupOfJoin(s, join(3, OPENING + 4_999, 'general'))).toBe(arrivalGroup(32, 'general'));
  });
});

describe('the order of the line', () => {
  it('gives every ticket of a bucket one position, draws first, with the draw permuted', () => {
    const counts = new Map([
      [
        drawGroup('general'),
        new Map([
          ['eu-west-3#0', 40],
          ['eu-central-1#3', 60],
        ]),
      ],
      [arrivalGroup(0, 'general'), new Map([['eu-west-3#1', 7]])],
    ]);
    const doc = buildBucketDoc(S, 0, 0, counts, new Map([[drawGroup('general'), seedFor('doc')()]]), OPENING);
    expect(doc.end).toBe(107);
    const positions: number[] = [];
    for (let q = 0; q < 40; q++)
      positions.push(
        positionOf(doc, { group: drawGroup('general'), region: 'eu-west-3', shard: 0, seq: q }) ?? -1,
      );
    for (let q = 0; q < 60; q++)
      positions.push(
        positionOf(doc, { group: drawGroup('general'), region: 'eu-central-1', shard: 3, seq: q }) ?? -1,
      );
    for (let q = 0; q < 7; q++)
      positions.push(
        positionOf(doc, { group: arrivalGroup(0, 'general'), region: 'eu-west-3', shard: 1, seq: q }) ?? -1,
      );
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: 107 }, (_, i) => i + 1));
    // Arrivals keep their order, after the draw.
    expect(positions.slice(100)).toEqual([101, 102, 103, 104, 105, 106, 107]);
    // The draw does not follow arrival order.
    expect(positions.slice(0, 40)).not.toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(
      positionOf(doc, { group: drawGroup('general'), region: 'eu-west-3', shard: 0, seq: 40 }),
    ).toBeUndefined();
  });
});

describe('cursor decisions', () => {
  const region = 'eu-west-3';
  const open = (over: Partial<CursorState> = {}): CursorState => ({
    ...initialCursor(S, OPENING, region),
    tail: 10_000,
    sealedThrough: 10,
    ...over,
  });
  const at = OPENING + 60_000;

  it('moves at the pace, never past the tail, never twice for one step, never before the opening', () => {
    const d = decideAdvance(S, open(), { now: at, region, enteredByStep: new Map() });
    expect(d.admitted).toBe(500);
    expect(d.next?.nowServing).toBe(500);
    expect(
      decideAdvance(S, d.next ?? open(), { now: at + 1, region, enteredByStep: new Map() }).next,
    ).toBeUndefined();
    expect(
      decideAdvance(S, open({ tail: 120 }), { now: at, region, enteredByStep: new Map() }).admitted,
    ).toBe(120);
    expect(decideAdvance(S, open(), { now: OPENING - 1, region, enteredByStep: new Map() }).admitted).toBe(0);
    expect(
      decideAdvance(S, open({ paused: true }), { now: at, region, enteredByStep: new Map() }).admitted,
    ).toBe(0);
  });

  it('carries the fraction of a person to the next step, only when the pace limited the step', () => {
    const s = testSettings({ admitPerSecond: 0.5, stepSeconds: 3 });
    const d = decideAdvance(s, open(), { now: at, region, enteredByStep: new Map() });
    expect(d.admitted).toBe(1);
    expect(d.next?.credit).toBeCloseTo(0.5);
    const d2 = decideAdvance(s, d.next ?? open(), { now: at + 3000, region, enteredByStep: new Map() });
    expect(d2.admitted).toBe(2);
  });

  it('replaces the no-shows of a step once its window has closed, at most one extra step of pace', () => {
    const admitted = decideAdvance(S, open(), { now: at, region, enteredByStep: new Map() }).next ?? open();
    const before = decideAdvance(S, admitted, { now: at + 300_000, region, enteredByStep: new Map() });
    expect(before.noShows).toBe(0);
    const late = at + (S.noShowAfterSeconds + S.stepSeconds) * 1000;
    const d = decideAdvance(S, admitted, {
      now: late,
      region,
      enteredByStep: new Map([[admitted.step, 380]]),
    });
    expect(d.noShows).toBe(120);
    expect(d.admitted).toBe(620);
    // A backlog of no-shows (say after an outage) is paid back over several steps.
    const burst = decideAdvance(S, admitted, {
      now: late,
      region,
      enteredByStep: new Map([[admitted.step, 0]]),
    });
    expect(burst.admitted).toBe(1000);
    expect(burst.next?.owed).toBe(0);
    const withDebt = decideAdvance(
      S,
      { ...admitted, owed: 900 },
      { now: late, region, enteredByStep: new Map([[admitted.step, 0]]) },
    );
    expect(withDebt.admitted).toBe(1000);
    expect(withDebt.next?.owed).toBe(900);
  });

  it('dates an admission and lets it lapse after the no-show window', () => {
    const admitted = decideAdvance(S, open(), { now: at, region, enteredByStep: new Map() }).next ?? open();
    expect(admissionOf(S, admitted, 501, at)).toEqual({ kind: 'not-yet' });
    expect(admissionOf(S, admitted, 500, at + 1000)).toMatchObject({ kind: 'admitted', step: admitted.step });
    expect(admissionOf(S, admitted, 1, at + S.noShowAfterSeconds * 1000)).toEqual({ kind: 'lapsed' });
    expect(admittedPerMinute(admitted, at + 1000)).toBe(500);
  });
});

describe('controller, joins and entries on the in-memory port', () => {
  const region = 'eu-west-3';

  async function opening(people: number, admitPerSecond = 20) {
    const port = new MemoryAdmissionPort();
    const settings = testSettings({ admitPerSecond });
    const joins = Array.from({ length: people }, (_, i) => join(i, OPENING - 60_000 + i));
    await recordJoins(port, settings, { region, shard: 0 }, joins.slice(0, people / 2), OPENING - 1000);
    await recordJoins(
      port,
      settings,
      { region: 'eu-central-1', shard: 5 },
      joins.slice(people / 2),
      OPENING - 1000,
    );
    return { port, settings, joins };
  }

  it('holds still before the opening, seals the draw after it, then admits at the pace', async () => {
    const { port, settings } = await opening(400);
    const seeds = seedFor('controller');
    const r0 = await controllerStep(port, settings, { now: OPENING - 10_000, region, randomSeed: seeds });
    expect(r0).toMatchObject({ taken: true, admitted: 0, sealed: 0, tail: 0 });
    const sealAt = OPENING + (settings.bucketSeconds + settings.settleSeconds) * 1000;
    const r1 = await controllerStep(port, settings, { now: sealAt, region, randomSeed: seeds });
    expect(r1).toMatchObject({ taken: true, sealed: 1, tail: 400, waiting: 400 });
    const r2 = await controllerStep(port, settings, { now: sealAt + STEP, region, randomSeed: seeds });
    expect(r2.admitted).toBe(100);
    expect(r2.nowServing).toBe(100);
  });

  it('lets exactly one of two racing controllers take a step', async () => {
    const { port, settings } = await opening(10);
    const now = OPENING + 60_000;
    const [a, b] = await Promise.all([
      controllerStep(port, settings, { now, region: 'eu-west-3', randomSeed: seedFor('a') }),
      controllerStep(port, settings, { now, region: 'eu-central-1', randomSeed: seedFor('b') }),
    ]);
    expect([a.taken, b.taken].filter(Boolean)).toHaveLength(1);
  });

  it('queues a join whose draw was sealed while it waited as an arrival of now (it never jumps the line)', async () => {
    const { port, settings } = await opening(10);
    const seeds = seedFor('late');
    await controllerStep(port, settings, { now: OPENING + 20_000, region, randomSeed: seeds });
    const lateJoin = join(99, OPENING - 30_000);
    const report = await recordJoins(
      port,
      settings,
      { region, shard: 2 },
      [lateJoin, lateJoin],
      OPENING + 21_000,
    );
    expect(report).toEqual({ created: 1, duplicates: 0, late: 1 });
    expect(port.tickets.get(lateJoin.ticketId)?.group).toBe(arrivalGroup(10, 'general'));
  });

  it('enters a served ticket once, with its secret only, and gives the same admission on a replay', async () => {
    const { port, settings, joins } = await opening(40, 4);
    const seeds = seedFor('enter');
    const t0 = OPENING + 20_000;
    await controllerStep(port, settings, { now: t0, region, randomSeed: seeds });
    const positions = await Promise.all(joins.map((j) => ticketPosition(port, settings, j.ticketId)));
    const first = joins[positions.indexOf(1)];
    const last = joins[positions.indexOf(40)];
    if (!first || !last) throw new Error('positions 1 and 40 exist');
    const n = (j: JoinMessage) => joins.indexOf(j);
    expect(
      await enter(port, settings, { ticketId: first.ticketId, secret: secretOf(n(first)) }, t0 + 1),
    ).toMatchObject({
      kind: 'refused',
      reason: 'not-yet',
    });
    await controllerStep(port, settings, { now: t0 + STEP, region, randomSeed: seeds });
    expect(
      await enter(
        port,
        settings,
        { ticketId: first.ticketId, secret: 'wrong-secret-1234567' },
        t0 + STEP + 1,
      ),
    ).toEqual({
      kind: 'refused',
      reason: 'wrong-secret',
    });
    const ok = await enter(
      port,
      settings,
      { ticketId: first.ticketId, secret: secretOf(n(first)) },
      t0 + STEP + 1,
    );
    expect(ok).toMatchObject({ kind: 'admitted', position: 1, first: true });
    const again = await enter(
      port,
      settings,
      { ticketId: first.ticketId, secret: secretOf(n(first)) },
      t0 + STEP + 2,
    );
    expect(again).toMatchObject({ kind: 'admitted', position: 1, first: false });
    if (ok.kind === 'admitted' && again.kind === 'admitted')
      expect(again.expiresEpochSeconds).toBe(ok.expiresEpochSeconds);
    expect(
      await port.countEntries(ok.kind === 'admitted' ? ok.step : -1, 0, port.cursor?.redeemShards ?? 1),
    ).toBe(1);
    expect(
      await enter(port, settings, { ticketId: last.ticketId, secret: secretOf(n(last)) }, t0 + STEP + 3),
    ).toMatchObject({
      kind: 'refused',
      reason: 'not-yet',
      position: 40,
    });
    const lapsed = t0 + STEP + settings.noShowAfterSeconds * 1000;
    expect(
      await enter(port, settings, { ticketId: first.ticketId, secret: secretOf(n(first)) }, lapsed),
    ).toMatchObject({
      kind: 'refused',
      reason: 'lapsed',
    });
  });
});

describe('answers', () => {
  it('serves one status for everyone (cacheable), "before-opening" until the draw is sealed', () => {
    const cursor = { ...initialCursor(S, OPENING, 'eu-west-3'), nowServing: 12, tail: 40 };
    expect(waitingStatus(S, cursor, OPENING + 1).state).toBe('before-opening');
    const open = waitingStatus(S, { ...cursor, sealedThrough: 0 }, OPENING + 1);
    expect(open).toMatchObject({ v: 1, state: 'open', nowServing: 12, placed: 40, opensAt: OPENING / 1000 });
    expect(waitingStatus(S, { ...cursor, sealedThrough: 0, paused: true }, OPENING).state).toBe('paused');
    expect(waitingStatus(S, { ...cursor, closed: true }, OPENING).state).toBe('closed');
    expect(statusAnswer(open).headers['Cache-Control']).toBe('public, max-age=2');
  });

  it('caches a placed ticket for a day and a pending one for seconds', () => {
    expect(ticketAnswer({ ticketId: 't', position: 5 }).headers['Cache-Control']).toMatch(/immutable/);
    expect(ticketAnswer({ ticketId: 't', position: null }).headers['Cache-Control']).toBe(
      'public, max-age=5',
    );
  });

  it('maps refusals to 4xx with a reason, and a form post to redirects', () => {
    const refused = (reason: 'not-yet' | 'wrong-secret' | 'lapsed' | 'unknown-ticket' | 'bad-request') =>
      entryAnswer({ outcome: { kind: 'refused', reason }, next: '/x', form: false });
    expect(refused('not-yet').statusCode).toBe(409);
    expect(refused('wrong-secret').statusCode).toBe(403);
    expect(refused('lapsed').statusCode).toBe(410);
    expect(refused('unknown-ticket').statusCode).toBe(404);
    expect(JSON.parse(refused('bad-request').body)).toMatchObject({ reason: 'bad-request' });
    const form = entryAnswer({ outcome: { kind: 'refused', reason: 'not-yet' }, next: '/x', form: true });
    expect(form).toMatchObject({ statusCode: 303, headers: { Location: '/admission/position' } });
    const admitted = entryAnswer({
      outcome: { kind: 'admitted', ticketId: 't', position: 1, step: 1, expiresEpochSeconds: 1, first: true },
      setCookie: 'c=1',
      next: '//evil.example',
      form: true,
    });
    expect(admitted).toMatchObject({ statusCode: 303, headers: { Location: '/', 'Set-Cookie': 'c=1' } });
  });
});
