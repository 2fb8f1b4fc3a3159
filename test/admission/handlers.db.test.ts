import type { APIGatewayProxyEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  ADMISSION_COOKIE_NAME,
  TICKET_COOKIE_NAME,
  verifyAdmissionCookie,
} from '../../lib/constructs/admission-control/contract';
import { DynamoAdmissionStore } from '../../lambda/admission/adapters/admission-store';
import { sha256Base64url } from '../../lambda/admission/domain/model';
import { makeControllerHandler } from '../../lambda/admission/handlers/controller';
import { makeEnterHandler } from '../../lambda/admission/handlers/enter';
import { makeJoinConsumer } from '../../lambda/admission/handlers/join-consumer';
import { makeOriginHandler } from '../../lambda/admission/handlers/origin';
import { createBookingTable, localDocumentClient } from '../helpers/dynamodb-local';
import { OPENING, secretOf, seedFor, testSettings, ticketIdAt } from './memory-port';

// The admission handlers end to end on DynamoDB Local: queue records in, HTTP answers out.

const REGION = 'eu-west-3';
const KEY = 'k'.repeat(64);
const settings = testSettings({ admitPerSecond: 2 });
const clock = { now: OPENING - 60_000 };

function sqsRecord(id: string, body: string, attrs: Record<string, string>): SQSRecord {
  const messageAttributes = Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [
      k,
      { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] },
    ]),
  );
  return { messageId: id, body, messageAttributes } as unknown as SQSRecord;
}

function http(resource: string, over: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource,
    headers: {},
    multiValueHeaders: {},
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    ...over,
  } as APIGatewayProxyEvent;
}

describe('admission handlers on DynamoDB Local', () => {
  let store: DynamoAdmissionStore;
  const people = Array.from({ length: 30 }, (_, n) => ({
    n,
    ticketId: ticketIdAt(OPENING - 50_000 + n, n),
    at: OPENING - 50_000 + n,
  }));

  beforeAll(async () => {
    const tableName = await createBookingTable('admission-handlers');
    store = new DynamoAdmissionStore(localDocumentClient(), tableName, settings, {
      now: () => clock.now,
      cursorMaxAgeMs: 0,
    });
  });

  it('join consumer: records valid joins and fails only the malformed message (to the dead-letter queue)', async () => {
    const consumer = makeJoinConsumer({ port: store, settings, region: REGION, now: () => clock.now });
    const records = people.map((p) =>
      sqsRecord(`m-${p.n}`, JSON.stringify({ secretHash: sha256Base64url(secretOf(p.n)) }), {
        ticketId: p.ticketId,
        acceptedAt: String(p.at),
        contentType: 'json',
      }),
    );
    const bad = sqsRecord('m-bad', '{"secretHash":"nope"}', {
      ticketId: ticketIdAt(OPENING - 1, 99),
      acceptedAt: String(OPENING - 1),
    });
    for (let i = 0; i < records.length; i += 10) {
      const batch = records.slice(i, i + 10);
      if (i === 0) batch.push(bad);
      const event: SQSEvent = { Records: batch };
      const res = await consumer(event);
      expect(res.batchItemFailures).toEqual(i === 0 ? [{ itemIdentifier: 'm-bad' }] : []);
    }
    expect(await store.getTicket(people[3]?.ticketId ?? '')).toMatchObject({
      seq: 3,
      group: 'P.general',
      region: REGION,
    });
  });

  it('controller handler: steps every 5 s until its minute is over, taking each step', async () => {
    clock.now = OPENING + 10_000;
    const controller = makeControllerHandler({
      port: store,
      settings,
      region: REGION,
      now: () => clock.now,
      sleep: (ms) => {
        clock.now += ms;
        return Promise.resolve();
      },
      randomSeed: seedFor('handlers'),
    });
    const started = clock.now;
    const result = await controller({}, { getRemainingTimeInMillis: () => 70_000 - (clock.now - started) });
    // 200 ms into each step, from 10.2 s to 65.2 s after the opening: the last one before 56 s have passed.
    expect(result).toEqual({ steps: 12, taken: 12 });
    const cursor = await store.readCursor({ fresh: true });
    expect(cursor?.tail).toBe(30);
    expect(cursor?.nowServing).toBe(30);
  });

  it('origin: one cacheable status for everyone, immutable ticket positions, and the page without JavaScript', async () => {
    const origin = makeOriginHandler({ port: store, settings, now: () => clock.now });
    const status = await origin(http('/admission/status'));
    expect(status.headers?.['Cache-Control']).toBe('public, max-age=2');
    expect(JSON.parse(status.body)).toMatchObject({
      v: 1,
      eventId: settings.eventId,
      state: 'open',
      nowServing: 30,
      placed: 30,
    });
    const who = people[7];
    if (!who) throw new Error('person 7 exists');
    const ticket = await origin(
      http('/admission/ticket/{ticketId}', { pathParameters: { ticketId: who.ticketId } }),
    );
    expect(ticket.headers?.['Cache-Control']).toMatch(/immutable/);
    const position = (JSON.parse(ticket.body) as { position: number }).position;
    expect(position).toBeGreaterThanOrEqual(1);
    expect(position).toBeLessThanOrEqual(30);
    const unknown = await origin(
      http('/admission/ticket/{ticketId}', { pathParameters: { ticketId: ticketIdAt(OPENING, 12345) } }),
    );
    expect(JSON.parse(unknown.body)).toEqual({ ticketId: ticketIdAt(OPENING, 12345), position: null });
    expect(unknown.headers?.['Cache-Control']).toBe('public, max-age=5');
    expect(
      (await origin(http('/admission/ticket/{ticketId}', { pathParameters: { ticketId: 'x' } }))).statusCode,
    ).toBe(400);
    const page = await origin(
      http('/admission/position', {
        headers: { Cookie: `${TICKET_COOKIE_NAME}=${who.ticketId}.${secretOf(7)}` },
      }),
    );
    expect(page.headers?.['Content-Type']).toMatch(/text\/html/);
    expect(page.headers?.['Cache-Control']).toBe('private, max-age=60');
    expect(page.body).toContain(`data-ticket="${who.ticketId}"`);
  });

  it('enter: signs the admission cookie the edge verifies, once per ticket; refuses a wrong secret; form posts redirect', async () => {
    const enter = makeEnterHandler({
      port: store,
      settings,
      kid: 'a',
      signingKey: () => Promise.resolve(KEY),
      now: () => clock.now,
    });
    const who = people[11];
    if (!who) throw new Error('person 11 exists');
    const json = (body: unknown) =>
      http('/admission/enter', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await enter(json({ ticketId: who.ticketId, secret: secretOf(11), next: '/booking' }));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ next: '/booking' });
    const setCookie = String(ok.headers?.['Set-Cookie']);
    expect(setCookie).toMatch(new RegExp(`^${ADMISSION_COOKIE_NAME}=v1\\.a\\.`));
    expect(setCookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const value = setCookie.slice(ADMISSION_COOKIE_NAME.length + 1, setCookie.indexOf(';'));
    expect(
      verifyAdmissionCookie(value, { a: KEY }, settings.eventId, Math.floor(clock.now / 1000)),
    ).toMatchObject({
      ok: true,
      claims: { kid: 'a', admissionId: who.ticketId },
    });
    const replay = await enter(json({ ticketId: who.ticketId, secret: secretOf(11) }));
    expect(replay.headers?.['Set-Cookie']).toBe(ok.headers?.['Set-Cookie']);
    const wrong = await enter(json({ ticketId: who.ticketId, secret: 'not-the-secret-0000' }));
    expect(wrong.statusCode).toBe(403);
    expect(JSON.parse(wrong.body)).toMatchObject({ reason: 'wrong-secret' });
    expect((await enter(http('/admission/enter', { body: 'not json' }))).statusCode).toBe(400);

    const other = people[12];
    if (!other) throw new Error('person 12 exists');
    const form = await enter(
      http('/admission/enter', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `${TICKET_COOKIE_NAME}=${other.ticketId}.${secretOf(12)}`,
        },
        body: 'next=%2Fbooking%2Fslots',
      }),
    );
    expect(form.statusCode).toBe(303);
    expect(form.headers?.Location).toBe('/booking/slots');
    expect(form.headers?.['Set-Cookie']).toMatch(new RegExp(`^${ADMISSION_COOKIE_NAME}=`));
    const noCookie = await enter(
      http('/admission/enter', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      }),
    );
    expect(noCookie).toMatchObject({ statusCode: 303, headers: { Location: '/admission/position' } });
  });
});
