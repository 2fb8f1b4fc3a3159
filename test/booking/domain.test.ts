import {
  BOOKING_REQUEST_SCHEMA,
  MalformedMessageError,
  PersonBusyError,
  decideClaim,
  decideSeat,
  parseBookingMessage,
  parseBookingRequest,
  type Outcome,
} from '../../lambda/booking/domain/model';
import { processBooking, type BookingPort } from '../../lambda/booking/domain/process-booking';
import { progressAnswer, slotView, statusAnswer, validateCatalogue } from '../../lambda/booking/domain/views';
import { parseSeedArgs } from '../../lambda/booking/cli/seed';

const key = 'a'.repeat(64);
const attrs = { requestId: 'req-0000000001', acceptedAt: '1700000000000' };

describe('booking message parsing', () => {
  it('accepts a valid body with the API attributes', () => {
    const m = parseBookingMessage(
      JSON.stringify({ centreId: 'c-1', slotId: '2027-01-14T10:00', personKey: key }),
      attrs,
    );
    expect(m).toEqual({
      requestId: 'req-0000000001',
      acceptedAt: 1_700_000_000_000,
      booking: { centreId: 'c-1', slotId: '2027-01-14T10:00', personKey: key },
    });
  });

  it.each<[string, string, Partial<typeof attrs>, RegExp]>([
    ['not JSON', '{', attrs, /body is not JSON/],
    ['an array', '[]', attrs, /booking is not an object/],
    [
      'an extra field',
      JSON.stringify({ centreId: 'c', slotId: 's', personKey: key, name: 'Jean' }),
      attrs,
      /unexpected field\(s\) name/,
    ],
    [
      'a clear-text identity',
      JSON.stringify({ centreId: 'c', slotId: 's', personKey: '1 52 03 75 123 456' }),
      attrs,
      /personKey is missing or invalid/,
    ],
    [
      'no request id',
      JSON.stringify({ centreId: 'c', slotId: 's', personKey: key }),
      { acceptedAt: '1' },
      /requestId attribute/,
    ],
    [
      'no acceptance time',
      JSON.stringify({ centreId: 'c', slotId: 's', personKey: key }),
      { requestId: 'req-0000000001' },
      /acceptedAt attribute/,
    ],
  ])('rejects %s without echoing its content', (_what, body, a, message) => {
    let error: unknown;
    try {
      parseBookingMessage(body, a);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('1 52 03');
  });

  it('applies the same rules as the API Gateway JSON schema', () => {
    expect(BOOKING_REQUEST_SCHEMA.required).toEqual(['centreId', 'slotId', 'personKey']);
    for (const [field, def] of Object.entries(BOOKING_REQUEST_SCHEMA.properties)) {
      const valid = { centreId: 'c-1', slotId: 's-1', personKey: key };
      expect(() => parseBookingRequest({ ...valid, [field]: 'BAD VALUE!' })).toThrow(MalformedMessageError);
      expect(new RegExp(def.pattern).test('BAD VALUE!')).toBe(false);
    }
  });
});

describe('decisions', () => {
  it('decides a refused person claim', () => {
    expect(decideClaim(undefined, 'r1')).toBe('proceed');
    expect(decideClaim({ requestId: 'r1', state: 'CONFIRMED' }, 'r1')).toBe('proceed');
    expect(decideClaim({ requestId: 'r2', state: 'CONFIRMED' }, 'r1')).toBe('already-booked');
    expect(decideClaim({ requestId: 'r2', state: 'CLAIMED' }, 'r1')).toBe('busy');
  });

  it('decides a refused seat', () => {
    expect(decideSeat(undefined, 'r1')).toBe('unknown-slot');
    expect(decideSeat({ capacity: 2, booked: 2, holders: ['r1', 'r2'] }, 'r1')).toBe('already-held');
    expect(decideSeat({ capacity: 2, booked: 2, holders: ['r2', 'r3'] }, 'r1')).toBe('full');
    expect(decideSeat({ capacity: 2, booked: 1, holders: ['r2'] }, 'r1')).toBe('retry');
    // A malformed slot item (no numeric capacity) is unknown, never an endless retry.
    expect(decideSeat({ capacity: Number.NaN, booked: 0, holders: [] }, 'r1')).toBe('unknown-slot');
    expect(decideSeat({ capacity: 2, booked: Number.NaN, holders: [] }, 'r1')).toBe('unknown-slot');
  });
});

/** A port that records calls and answers from a script: the algorithm's branches, without a database. */
type SyncPort = {
  [K in keyof BookingPort]: (...args: Parameters<BookingPort[K]>) => Awaited<ReturnType<BookingPort[K]>>;
};

function scriptedPort(overrides: Partial<SyncPort>) {
  const calls: string[] = [];
  const port: SyncPort = {
    getOutcome: () => undefined,
    claimPerson: () => undefined,
    takeSeat: () => 'taken',
    releaseSeat: () => undefined,
    confirmPerson: () => true,
    releasePerson: () => undefined,
    recordOutcome: (_r: string, o: Outcome) => o,
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(port).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name === 'releasePerson' ? `releasePerson(${String(args[2])})` : name);
        return Promise.resolve((fn as (...a: unknown[]) => unknown)(...args));
      },
    ]),
  ) as unknown as BookingPort;
  return { port: recorded, calls };
}

const msg = { requestId: 'r1', acceptedAt: 1, booking: { centreId: 'c', slotId: 's', personKey: key } };
const confirmed: Outcome = { status: 'CONFIRMED', centreId: 'c', slotId: 's' };

describe('processBooking', () => {
  it('confirms in four single-item writes after one read', async () => {
    const { port, calls } = scriptedPort({});
    await expect(processBooking(port, msg)).resolves.toEqual(confirmed);
    expect(calls).toEqual(['getOutcome', 'claimPerson', 'takeSeat', 'confirmPerson', 'recordOutcome']);
  });

  it('returns a recorded confirmation with no write', async () => {
    const { port, calls } = scriptedPort({ getOutcome: () => confirmed });
    await expect(processBooking(port, msg)).resolves.toEqual(confirmed);
    expect(calls).toEqual(['getOutcome']);
  });

  it('makes sure a recorded rejection holds nothing (compensation is idempotent)', async () => {
    const rejected: Outcome = { status: 'REJECTED', reason: 'FULL', centreId: 'c', slotId: 's' };
    const { port, calls } = scriptedPort({ getOutcome: () => rejected });
    await expect(processBooking(port, msg)).resolves.toEqual(rejected);
    expect(calls).toEqual(['getOutcome', 'releaseSeat', 'releasePerson(false)']);
  });

  it('answers FULL and frees an unconfirmed claim only', async () => {
    const { port, calls } = scriptedPort({ takeSeat: () => 'full' });
    await expect(processBooking(port, msg)).resolves.toMatchObject({ status: 'REJECTED', reason: 'FULL' });
    expect(calls).toEqual(['getOutcome', 'claimPerson', 'takeSeat', 'releasePerson(true)', 'recordOutcome']);
  });

  it('rejects ALREADY_BOOKED when another request holds a confirmed booking', async () => {
    const { port, calls } = scriptedPort({
      claimPerson: () => ({ requestId: 'r0', state: 'CONFIRMED' }),
    });
    await expect(processBooking(port, msg)).resolves.toMatchObject({ reason: 'ALREADY_BOOKED' });
    expect(calls).not.toContain('takeSeat');
  });

  it('asks for a retry while another request of the person is in flight', async () => {
    const { port } = scriptedPort({ claimPerson: () => ({ requestId: 'r0', state: 'CLAIMED' }) });
    await expect(processBooking(port, msg)).rejects.toBeInstanceOf(PersonBusyError);
  });

  it('gives the seat back when the person was taken by another request meanwhile', async () => {
    const { port, calls } = scriptedPort({ confirmPerson: () => false });
    await expect(processBooking(port, msg)).resolves.toMatchObject({ reason: 'ALREADY_BOOKED' });
    expect(calls).toEqual([
      'getOutcome',
      'claimPerson',
      'takeSeat',
      'confirmPerson',
      'releaseSeat',
      'recordOutcome',
    ]);
  });

  it('undoes its seat and claim when a concurrent delivery recorded a rejection first', async () => {
    const rejected: Outcome = { status: 'REJECTED', reason: 'FULL', centreId: 'c', slotId: 's' };
    const { port, calls } = scriptedPort({ recordOutcome: () => rejected });
    await expect(processBooking(port, msg)).resolves.toEqual(rejected);
    expect(calls.slice(-3)).toEqual(['recordOutcome', 'releaseSeat', 'releasePerson(false)']);
  });
});

describe('views', () => {
  it('shows remaining seats and fullness', () => {
    expect(slotView({ slotId: 's', startsAt: 't', capacity: 3, booked: 3 })).toMatchObject({
      remaining: 0,
      full: true,
    });
    expect(slotView({ slotId: 's', startsAt: 't', capacity: 3, booked: 1 })).toMatchObject({
      remaining: 2,
      full: false,
    });
  });

  it('caches final outcomes for minutes and pending ones briefly, with Retry-After and back-off guidance', () => {
    const final = statusAnswer('req-0000000001', confirmed);
    expect(final.headers['cache-control']).toBe('public, max-age=300, s-maxage=300');
    const pending = statusAnswer('req-0000000001', undefined);
    expect(pending.headers['cache-control']).toBe('public, max-age=5, s-maxage=5');
    expect(pending.headers['retry-after']).toBe('15');
    expect(JSON.parse(pending.body)).toMatchObject({ status: 'PENDING', retryAfterSeconds: 15 });
    expect(statusAnswer('bad id!', undefined).statusCode).toBe(400);
  });

  it('publishes one shared progress cursor per Region, cacheable for 2 seconds', () => {
    const a = progressAnswer(
      [
        { region: 'eu-west-3', processedUpTo: 10 },
        { region: 'eu-central-1', processedUpTo: 20 },
      ],
      99,
    );
    expect(JSON.parse(a.body)).toEqual({
      processedUpTo: { 'eu-west-3': 10, 'eu-central-1': 20 },
      generatedAt: 99,
    });
    expect(a.headers['cache-control']).toBe('public, max-age=2, s-maxage=2');
  });

  it('validates a catalogue, listing every problem with its fix', () => {
    expect(() =>
      validateCatalogue({
        centres: [
          {
            centreId: 'Bad Id',
            name: '',
            city: 'Paris',
            slots: [{ slotId: 's', startsAt: 'x', capacity: 5000 }],
          },
        ],
      }),
    ).toThrow(
      /4 problem\(s\)[\s\S]*centreId[\s\S]*name is missing[\s\S]*startsAt[\s\S]*capacity must be a whole number from 0 to 1000/,
    );
    expect(() => validateCatalogue({})).toThrow(/"centres" must be an array/);
  });

  it('parses the seed command line', () => {
    expect(parseSeedArgs(['--table', 't', '--region', 'eu-west-3', 'c.json'])).toEqual({
      table: 't',
      region: 'eu-west-3',
      file: 'c.json',
    });
    expect(() => parseSeedArgs(['c.json'])).toThrow(/Usage: seed\.ts --table/);
  });
});
