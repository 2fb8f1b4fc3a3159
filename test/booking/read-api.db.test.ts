import type { APIGatewayProxyEvent } from 'aws-lambda';
import { makeCatalogueHandler } from '../../lambda/booking/handlers/catalogue';
import { makeStatusHandler } from '../../lambda/booking/handlers/status';
import { delivery, fixture, message, oneCentre, personKey, type Fixture } from './harness';

// The read paths and the operator's loading path, against DynamoDB Local.

const event = (resource: string, pathParameters: Record<string, string> = {}) =>
  ({ resource, pathParameters }) as unknown as APIGatewayProxyEvent;

describe('read API', () => {
  let f: Fixture;
  let catalogue: ReturnType<typeof makeCatalogueHandler>;
  let status: ReturnType<typeof makeStatusHandler>;
  const booked = message('centre-a', 'morning', personKey('reader'));

  beforeAll(async () => {
    f = await fixture(
      oneCentre([
        { slotId: 'morning', capacity: 2 },
        { slotId: 'evening', capacity: 1 },
      ]),
    );
    await f.invoke([delivery(booked)]);
    catalogue = makeCatalogueHandler({ db: f.db, tableName: f.tableName, cacheSeconds: 5 });
    status = makeStatusHandler({ db: f.db, tableName: f.tableName, now: () => 42 });
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

  it('answers a decided request with its outcome, cacheable for minutes', async () => {
    const res = await status(event('/api/bookings/{requestId}', { requestId: booked.requestId }));
    expect(JSON.parse(res.body)).toMatchObject({
      requestId: booked.requestId,
      status: 'CONFIRMED',
      slotId: 'morning',
    });
    expect(res.headers?.['cache-control']).toBe('public, max-age=300, s-maxage=300');
  });

  it('answers an undecided request PENDING with Retry-After', async () => {
    const res = await status(event('/api/bookings/{requestId}', { requestId: 'req-not-yet-decided' }));
    expect(JSON.parse(res.body)).toMatchObject({ status: 'PENDING', retryAfterSeconds: 15 });
    expect(res.headers?.['retry-after']).toBe('15');
  });

  it('publishes the worker progress cursor of the Region', async () => {
    const res = await status(event('/api/progress'));
    const body = JSON.parse(res.body) as { processedUpTo: Record<string, number>; generatedAt: number };
    expect(body.processedUpTo['eu-west-3']).toBe(booked.acceptedAt);
    expect(body.generatedAt).toBe(42);
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
