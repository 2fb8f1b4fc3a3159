import type { APIGatewayProxyEvent } from 'aws-lambda';
import { makeCatalogueHandler } from '../../lambda/booking/handlers/catalogue';
import { makeStatusHandler } from '../../lambda/booking/handlers/status';
import { delivery, fixture, message, oneCentre, personKey, requestId, type Fixture } from './harness';

// The read paths and the operator's loading path, against DynamoDB Local.

const event = (
  resource: string,
  pathParameters: Record<string, string> = {},
  authorizer?: Record<string, unknown>,
) => ({ resource, pathParameters, requestContext: { authorizer } }) as unknown as APIGatewayProxyEvent;

describe('read API', () => {
  let f: Fixture;
  let catalogue: ReturnType<typeof makeCatalogueHandler>;
  let status: ReturnType<typeof makeStatusHandler>;
  const reader = personKey('reader');
  const booked = message('centre-a', 'morning', reader);
  const signedIn = (person: string, expiresAt = Math.floor(Date.now() / 1000) + 300) => ({
    personKey: person,
    expiresAt,
  });

  beforeAll(async () => {
    f = await fixture(
      oneCentre([
        { slotId: 'morning', capacity: 2 },
        { slotId: 'evening', capacity: 1 },
      ]),
    );
    await f.invoke([delivery(booked)]);
    catalogue = makeCatalogueHandler({ db: f.db, tableName: f.tableName, cacheSeconds: 5 });
    status = makeStatusHandler({ db: f.db, tableName: f.tableName, now: () => 42_000 });
  });

  it('lists centres, micro-cacheable', async () => {
    const res = await catalogue(event('/api/centres'));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['cache-control']).toBe('public, max-age=5, s-maxage=5');
    expect(JSON.parse(res.body)).toEqual({
      centres: [{ centreId: 'centre-a', name: 'Centre de vaccination A', city: 'Paris' }],
    });
  });

  it('lists a centre slots with remaining seats', async () => {
    const res = await catalogue(event('/api/centres/{centreId}/slots', { centreId: 'centre-a' }));
    const body = JSON.parse(res.body) as { slots: Array<{ slotId: string; remaining: number }> };
    expect(body.slots.map((s) => [s.slotId, s.remaining]).sort()).toEqual([
      ['evening', 1],
      ['morning', 1],
    ]);
    expect(
      (await catalogue(event('/api/centres/{centreId}/slots', { centreId: 'NOT VALID' }))).statusCode,
    ).toBe(400);
  });

  it("answers the signed-in person's decided request with its outcome, never cacheable by others", async () => {
    const now = Date.now();
    const live = makeStatusHandler({ db: f.db, tableName: f.tableName, now: () => now });
    const res = await live(
      event('/api/bookings/{requestId}', { requestId: booked.requestId }, signedIn(reader)),
    );
    expect(JSON.parse(res.body)).toEqual({
      requestId: booked.requestId,
      status: 'CONFIRMED',
      centreId: 'centre-a',
      slotId: 'morning',
    });
    expect(res.headers?.['cache-control']).toBe('private, no-store');
  });

  it('answers an undecided request of the person PENDING with Retry-After, still private', async () => {
    const live = makeStatusHandler({ db: f.db, tableName: f.tableName });
    const res = await live(
      event('/api/bookings/{requestId}', { requestId: requestId(reader) }, signedIn(reader)),
    );
    expect(JSON.parse(res.body)).toMatchObject({ status: 'PENDING', retryAfterSeconds: 15 });
    expect(res.headers?.['retry-after']).toBe('15');
    expect(res.headers?.['cache-control']).toBe('private, no-store');
  });

  it("answers 404 for another person's request, 401 without a person or past the token's expiry", async () => {
    const live = makeStatusHandler({ db: f.db, tableName: f.tableName });
    const foreign = await live(
      event(
        '/api/bookings/{requestId}',
        { requestId: booked.requestId },
        signedIn(personKey('someone-else')),
      ),
    );
    expect(foreign.statusCode).toBe(404);
    expect((await live(event('/api/bookings/{requestId}', { requestId: booked.requestId }))).statusCode).toBe(
      401,
    );
    const expired = await live(
      event(
        '/api/bookings/{requestId}',
        { requestId: booked.requestId },
        signedIn(reader, Math.floor(Date.now() / 1000) - 3600),
      ),
    );
    expect(expired.statusCode).toBe(401);
  });

  it('publishes the worker progress cursor of the Region, shared and cacheable', async () => {
    const res = await status(event('/api/progress'));
    const body = JSON.parse(res.body) as { processedUpTo: Record<string, number>; generatedAt: number };
    expect(body.processedUpTo['eu-west-3']).toBe(booked.acceptedAt);
    expect(body.generatedAt).toBe(42_000);
    expect(res.headers?.['cache-control']).toBe('public, max-age=2, s-maxage=2');
  });

  it('refuses to move the cursor to an absurd time (it never goes back)', async () => {
    await expect(f.catalogue.advanceProgress('eu-west-3', 9e15)).rejects.toThrow(/not a time within bounds/);
    await expect(f.catalogue.advanceProgress('eu-west-3', 1e300)).rejects.toThrow(/not a time within bounds/);
  });

  it('reloads the catalogue idempotently, keeping bookings and refusing a capacity below them', async () => {
    await f.catalogue.load(oneCentre([{ slotId: 'morning', capacity: 3 }]));
    const res = await catalogue(event('/api/centres/{centreId}/slots', { centreId: 'centre-a' }));
    const morning = (
      JSON.parse(res.body) as { slots: Array<{ slotId: string; remaining: number; capacity: number }> }
    ).slots.find((s) => s.slotId === 'morning');
    expect(morning).toMatchObject({ capacity: 3, remaining: 2 });
    await expect(f.catalogue.load(oneCentre([{ slotId: 'morning', capacity: 0 }]))).rejects.toThrow(
      /capacity 0 is below the seats already booked/,
    );
  });
});
