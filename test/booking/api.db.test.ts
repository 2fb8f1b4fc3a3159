import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from '../../lambda/booking/domain/admission';
import { makeStatusHandler } from '../../lambda/booking/handlers/status';
import { makeWorkerHandler } from '../../lambda/booking/handlers/worker';
import { makeWriteAuthorizer } from '../../lambda/booking/handlers/write-authorizer';
import { createTokenVerifier } from '../../lambda/identity/adapters/token-verifier';
import { derivePersonKey } from '../../lambda/identity/domain/person-key';
import { makeReadAuthorizer } from '../../lambda/identity/handlers/authorizer';
import { captureOutput } from '../helpers/capture-logs';
import { localDocumentClient } from '../helpers/dynamodb-local';
import {
  startOidcIssuer,
  symmetricToken,
  tamperedToken,
  unsignedToken,
  type LocalOidcIssuer,
} from '../helpers/oidc-issuer';
import { SimulatedBookingApi } from './api-harness';
import {
  checkInvariants,
  deliverUntilSettled,
  fakeContext,
  fixture,
  oneCentre,
  snapshot,
  sqsEvent,
  type Fixture,
} from './harness';

// The booking API end to end on DynamoDB Local: a local OpenID Connect issuer (keys generated here),
// the real write authorizer (token, person key, per-identity limits), API Gateway's checks, the
// queue, the real worker, the real read authorizer and status function.

const PEPPER = 'pepper-for-tests-'.padEnd(48, 'x');
const LIMITS: AdmissionLimits = {
  ...DEFAULT_ADMISSION_LIMITS,
  maxInFlight: 2,
  requestsPerWindow: 10,
  windowSeconds: 600,
};

describe('booking API with verified identity', () => {
  let idp: LocalOidcIssuer;
  let f: Fixture;
  let api: SimulatedBookingApi;
  let clock = Date.now();
  const statusReads: string[] = [];
  // Silent, except while the log test captures what it writes.
  const logger = new Logger({ serviceName: 'booking-test', logLevel: 'SILENT' });

  const bearer = async (subject: string, options?: Parameters<LocalOidcIssuer['idToken']>[1]) =>
    `Bearer ${await idp.idToken(subject, { at: clock, ...options })}`;
  const personOf = (subject: string) => derivePersonKey(PEPPER, idp.issuer, subject);
  const body = (slotId: string) => JSON.stringify({ centreId: 'centre-a', slotId });
  /** Deliver what the API queued, every message twice, then empty the queue. */
  const drain = async () => {
    const messages = api.queue.splice(0).map((raw) => ({ raw, requestId: raw.attributes.requestId }));
    return deliverUntilSettled(f, messages, { copies: 2, concurrency: 4 });
  };

  beforeAll(async () => {
    idp = await startOidcIssuer();
    f = await fixture(
      oneCentre([
        ...Array.from({ length: 60 }, (_, i) => ({ slotId: `s-${i}`, capacity: 3 })),
        { slotId: 'big', capacity: 100 },
      ]),
      localDocumentClient(),
      () => clock,
    );
    const identity = {
      verify: createTokenVerifier(
        {
          issuer: idp.issuer,
          audience: idp.audience,
          jwksUrl: idp.jwksUrl,
          algorithms: ['ES256', 'RS256'],
          clockToleranceSeconds: 5,
        },
        { now: () => clock },
      ),
      pepper: () => Promise.resolve(PEPPER),
      logger,
    };
    const statusDb: DynamoDBDocumentClient = localDocumentClient();
    statusDb.middlewareStack.add(
      (next, context) => async (args) => {
        statusReads.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'statusReads' },
    );
    api = new SimulatedBookingApi({
      writeAuthorizer: makeWriteAuthorizer({
        ...identity,
        db: f.db,
        tableName: f.tableName,
        limits: LIMITS,
        now: () => clock,
      }),
      readAuthorizer: makeReadAuthorizer(identity),
      status: makeStatusHandler({
        db: statusDb,
        tableName: f.tableName,
        clockToleranceSeconds: 5,
        now: () => clock,
      }),
      now: () => clock,
    });
  });
  afterAll(() => idp.close());

  describe('tokens', () => {
    const cases: Array<[string, () => Promise<string | undefined>]> = [
      ['no Authorization header', () => Promise.resolve(undefined)],
      ['alg none', async () => `Bearer ${unsignedToken(await idp.idToken('t-none', { at: clock }))}`],
      [
        'HS256',
        async () => `Bearer ${await symmetricToken(idp.issuer, idp.audience, 't-hs', 's'.repeat(32))}`,
      ],
      ['a wrong issuer', () => bearer('t-iss', { issuer: 'https://accounts.evil.example' })],
      ['a wrong audience', () => bearer('t-aud', { audience: 'another-service' })],
      ['an expired token', () => bearer('t-exp', { expiresIn: -120 })],
      ['a token not valid yet', () => bearer('t-nbf', { notBefore: 600 })],
      ['an unknown kid', () => bearer('t-kid', { unpublishedKey: true })],
      [
        'a tampered payload',
        async () => `Bearer ${tamperedToken(await idp.idToken('t-tamper', { at: clock }), 'someone-else')}`,
      ],
      ['a token in the wrong scheme', async () => `Basic ${await idp.idToken('t-basic', { at: clock })}`],
    ];
    it.each(cases)('refuses %s with 401 and queues nothing (write, cancel, status)', async (_what, token) => {
      const t = await token();
      const before = api.queue.length;
      expect((await api.post(t, body('s-0'))).status).toBe(401);
      expect((await api.cancel(t, 'abcdef0123456789-req-000000001')).status).toBe(401);
      expect((await api.status(t, 'abcdef0123456789-req-000000001')).status).toBe(401);
      expect(api.queue.length).toBe(before);
    });
  });

  it('refuses a body that still carries a person key (400) and a padded body (413); nothing queued', async () => {
    const victim = personOf('victim');
    const t = await bearer('lockout-attacker');
    const smuggled = await api.post(
      t,
      JSON.stringify({ centreId: 'centre-a', slotId: 's-1', personKey: victim }),
    );
    expect(smuggled.status).toBe(400);
    expect(String(smuggled.body.reason)).toMatch(/not allowed by the schema: \["personKey"\]/);
    const padded = await api.post(t, `{"centreId":"centre-a",${' '.repeat(5000)}"slotId":"s-1"}`);
    expect(padded.status).toBe(413);
    expect(api.queue).toHaveLength(0);
    // The victim books normally: nobody can lock them out with a key of theirs.
    const mine = await api.post(await bearer('victim'), body('s-1'));
    expect(mine.status).toBe(202);
    await drain();
    expect((await api.status(await bearer('victim'), String(mine.body.requestId))).body.status).toBe(
      'CONFIRMED',
    );
  });

  it('hoarding: one identity, 50 concurrent requests for 50 slots: at most maxInFlight queued, exactly 1 confirmed', async () => {
    const t = await bearer('hoarder');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api.post(t, body(`s-${10 + i}`))));
    const admitted = answers.filter((a) => a.status === 202);
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    expect(admitted.length).toBeLessThanOrEqual(LIMITS.maxInFlight);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBe(50 - admitted.length);
    expect(refused[0].body).toMatchObject({
      refusal: 'IN_FLIGHT',
      message: expect.stringMatching(/still being processed/) as string,
    });
    await drain();
    const s = await snapshot(f);
    expect(s.persons.get(personOf('hoarder'))?.holder).toBeDefined();
    const mine = Object.values(s.persons.get(personOf('hoarder'))?.decisions ?? {});
    expect(mine.filter((d) => d.status === 'CONFIRMED')).toHaveLength(1);
    checkInvariants(s);
  });

  it('N identities can hold at most N bookings and queue at most N x requestsPerWindow per window', async () => {
    const N = 12;
    const tokens = await Promise.all(Array.from({ length: N }, (_, i) => bearer(`bot-${i}`)));
    let queued = 0;
    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all(tokens.map((t, i) => api.post(t, body(`s-${(i + round) % 60}`))));
      queued += answers.filter((a) => a.status === 202).length;
      await drain();
    }
    expect(queued).toBeLessThanOrEqual(N * LIMITS.requestsPerWindow);
    const s = await snapshot(f);
    for (let i = 0; i < N; i++) {
      const d = Object.values(s.persons.get(personOf(`bot-${i}`))?.decisions ?? {});
      expect(d.filter((x) => x.status === 'CONFIRMED').length).toBeLessThanOrEqual(1);
    }
    // Past the window's quota each identity is refused before the queue, with the reason.
    const over = await api.post(tokens[0], body('s-5'));
    expect(over).toMatchObject({ status: 429, body: { refusal: 'RATE' } });
    checkInvariants(s);
  });

  it('binds status and cancellation to the identity: another person gets 404, read nothing, queued nothing', async () => {
    clock += LIMITS.windowSeconds * 1000; // a new window for everyone
    const owner = await bearer('owner');
    const intruder = await bearer('intruder');
    const booked = await api.post(owner, body('big'));
    await drain();
    const id = String(booked.body.requestId);
    statusReads.length = 0;
    const peek = await api.status(intruder, id);
    expect(peek.status).toBe(404);
    expect(peek.headers['cache-control']).toBe('private, no-store');
    expect(statusReads).toEqual([]);
    const steal = await api.cancel(intruder, id);
    expect(steal.status).toBe(404);
    expect(api.queue).toHaveLength(0);
    const own = await api.status(owner, id);
    expect(own).toMatchObject({ status: 200, body: { status: 'CONFIRMED', slotId: 'big' } });
    expect(own.headers['cache-control']).toBe('private, no-store');
  });

  it('cancels one own booking through the queue: the seat comes back once, the person books again', async () => {
    clock += LIMITS.windowSeconds * 1000;
    const t = await bearer('rebooker');
    const first = await api.post(t, body('s-59'));
    await drain();
    const id = String(first.body.requestId);
    expect((await api.cancel(t, id)).status).toBe(202);
    const second = await api.post(t, body('s-58'));
    expect(second.status).toBe(202);
    await drain();
    expect((await api.status(t, id)).body).toMatchObject({ status: 'CANCELLED', reason: 'BY_PERSON' });
    expect((await api.status(t, String(second.body.requestId))).body).toMatchObject({ status: 'CONFIRMED' });
    const s = await snapshot(f);
    expect(s.slots.get('centre-a/s-59')?.holderIds).not.toContain(id);
    checkInvariants(s);
  });

  it('forgets in-flight requests after the lease: a request that will never be decided blocks nobody for good', async () => {
    clock += LIMITS.windowSeconds * 1000;
    const t = await bearer('stuck');
    expect((await api.post(t, body('s-40'))).status).toBe(202);
    expect((await api.post(t, body('s-41'))).status).toBe(202);
    expect((await api.post(t, body('s-42'))).status).toBe(429);
    api.queue.splice(0); // both lost (say, dead-lettered): never decided
    clock += LIMITS.inFlightLeaseSeconds * 1000 + 1000;
    expect((await api.post(await bearer('stuck'), body('s-43'))).status).toBe(202);
    await drain();
  });

  it('refuses a cached read authorization once its token has expired', async () => {
    clock = Date.now();
    const t = await bearer('short-lived', { expiresIn: 30 });
    const booked = await api.post(t, body('big'));
    await drain();
    const id = String(booked.body.requestId);
    expect((await api.status(t, id)).status).toBe(200);
    clock += 120_000; // the authorizer's answer is still cached; the token is not valid any more
    expect((await api.status(t, id)).status).toBe(401);
    clock = Date.now() + 10 * LIMITS.windowSeconds * 1000;
  });

  it('logs no token, subject or e-mail anywhere on the write, worker and read paths', async () => {
    const subject = 'subject-7f3a9c-never-logged';
    const email = 'marie.curie@example.fr';
    const t = await bearer(subject, { claims: { email } });
    const worker = makeWorkerHandler({
      db: f.db,
      tableName: f.tableName,
      region: 'eu-west-3',
      logger,
      now: () => clock,
    });
    logger.setLogLevel('INFO');
    const output = await captureOutput(async () => {
      const booked = await api.post(t, body('big'));
      await api.post(`Bearer ${tamperedToken(t.slice(7), 'other')}`, body('big'));
      const deliveries = api.queue
        .splice(0)
        .map((raw) => ({ messageId: raw.attributes.requestId, body: raw.body, attributes: raw.attributes }));
      await worker(sqsEvent(deliveries), fakeContext);
      await worker(
        sqsEvent([{ messageId: 'junk', body: `{"email":"${email}"}`, attributes: {} }]),
        fakeContext,
      );
      await api.status(t, String(booked.body.requestId));
    }).finally(() => logger.setLogLevel('SILENT'));
    expect(output).toContain('booking decided');
    expect(output).toContain('token refused');
    for (const secret of [subject, email, t.slice(7), t.slice(7).split('.')[1]])
      expect(output).not.toContain(secret);
  });
});
