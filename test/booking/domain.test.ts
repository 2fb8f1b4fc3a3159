import {
  DEFAULT_ADMISSION_LIMITS,
  admissionLimitsProblems,
  admit,
  type GateState,
} from '../../lambda/booking/domain/admission';
import {
  BOOKING_REQUEST_SCHEMA,
  BOUNDS,
  MalformedMessageError,
  RequestMismatchError,
  decideSeat,
  ownsRequest,
  parseBookingMessage,
  parseBookingRequest,
  requestTag,
  type BookingMessage,
  type DecisionRecord,
  type PersonState,
} from '../../lambda/booking/domain/model';
import { processMessage, type BookingPort } from '../../lambda/booking/domain/process-booking';
import {
  PERSONAL_CACHE_CONTROL,
  progressAnswer,
  slotView,
  statusAnswer,
  validateCatalogue,
} from '../../lambda/booking/domain/views';
import { parseSeedArgs } from '../../lambda/booking/cli/seed';
import { parseReleaseArgs } from '../../lambda/booking/cli/release-person';
import { parsePurgeArgs } from '../../lambda/booking/cli/purge-persons';

const key = 'a'.repeat(64);
const other = 'b'.repeat(64);
const NOW = 1_900_000_000_000;
const id = (person = key, suffix = 'req-0000000001') => `${requestTag(person)}-${suffix}`;
const attrs = (over: Record<string, string | undefined> = {}) => ({
  requestId: id(),
  acceptedAt: String(NOW - 1000),
  operation: 'CREATE',
  personKey: key,
  ...over,
});
const body = JSON.stringify({ centreId: 'c-1', slotId: '2027-01-14T10:00' });

describe('booking message parsing', () => {
  it('accepts a valid body with the API attributes, and binds it to a hash of everything it says', () => {
    const m = parseBookingMessage(body, attrs(), NOW);
    expect(m).toMatchObject({
      kind: 'BOOK',
      requestId: id(),
      acceptedAt: NOW - 1000,
      personKey: key,
      booking: { centreId: 'c-1', slotId: '2027-01-14T10:00' },
    });
    expect(m.bodyHash).toMatch(/^[a-f0-9]{16}$/);
    const otherSlot = parseBookingMessage(JSON.stringify({ centreId: 'c-1', slotId: 'x' }), attrs(), NOW);
    expect(otherSlot.bodyHash).not.toBe(m.bodyHash);
  });

  it('parses a cancellation of one of the person own requests', () => {
    const target = id(key, 'req-target-01');
    const m = parseBookingMessage(JSON.stringify({ requestId: target }), attrs({ operation: 'DELETE' }), NOW);
    expect(m).toMatchObject({ kind: 'CANCEL', target });
  });

  it.each<[string, string, Record<string, string | undefined>, RegExp]>([
    ['not JSON', '{', {}, /body is not JSON/],
    ['an array', '[]', {}, /booking is not an object/],
    [
      'a client-sent person key',
      JSON.stringify({ centreId: 'c', slotId: 's', personKey: key }),
      {},
      /unexpected field\(s\) personKey/,
    ],
    [
      'an extra field',
      JSON.stringify({ centreId: 'c', slotId: 's', name: 'Jean Dupont' }),
      {},
      /unexpected field\(s\) name/,
    ],
    ['no person attribute', body, { personKey: undefined }, /personKey attribute is missing/],
    [
      'a request id of another person',
      body,
      { requestId: id(other) },
      /requestId attribute .* not the person's/,
    ],
    ['an unbound request id', body, { requestId: 'req-0000000001' }, /requestId attribute/],
    ['no acceptance time', body, { acceptedAt: undefined }, /acceptedAt attribute/],
    ['acceptedAt 1e300', body, { acceptedAt: '1e300' }, /acceptedAt attribute .* out of bounds/],
    ['acceptedAt in the year 2255', body, { acceptedAt: '9000000000000000' }, /acceptedAt attribute/],
    [
      'acceptedAt older than any queue keeps a message',
      body,
      { acceptedAt: String(NOW - BOUNDS.maxMessageAgeMs - 1) },
      /acceptedAt/,
    ],
    ['acceptedAt not whole', body, { acceptedAt: '1.5' }, /acceptedAt/],
    ['no operation', body, { operation: undefined }, /operation attribute/],
    [
      'a cancellation of another person request',
      JSON.stringify({ requestId: id(other) }),
      { operation: 'DELETE' },
      /not the person's/,
    ],
  ])('rejects %s without echoing its content', (_what, b, over, message) => {
    let error: unknown;
    try {
      parseBookingMessage(b, attrs(over), NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('Jean');
    expect((error as Error).message).not.toContain(key);
  });

  it('applies the same rules as the API Gateway JSON schema, which refuses a person key', () => {
    expect(BOOKING_REQUEST_SCHEMA.required).toEqual(['centreId', 'slotId']);
    expect(BOOKING_REQUEST_SCHEMA.additionalProperties).toBe(false);
    expect(Object.keys(BOOKING_REQUEST_SCHEMA.properties)).not.toContain('personKey');
    for (const [field, def] of Object.entries(BOOKING_REQUEST_SCHEMA.properties)) {
      const valid = { centreId: 'c-1', slotId: 's-1' };
      expect(() => parseBookingRequest({ ...valid, [field]: 'BAD VALUE!' })).toThrow(MalformedMessageError);
      expect(new RegExp(def.pattern).test('BAD VALUE!')).toBe(false);
      expect(def.maxLength).toBeLessThanOrEqual(64);
    }
  });

  it('binds request ids to their owner by the tag alone', () => {
    expect(ownsRequest(key, id(key))).toBe(true);
    expect(ownsRequest(other, id(key))).toBe(false);
    expect(ownsRequest(key, `${requestTag(key)}-x`)).toBe(false);
  });
});

describe('seat decisions', () => {
  const slot = { capacity: 2, booked: 1, holders: ['r1.h'], startsAtMs: NOW + 1000 };
  it('tells a replay, a full slot, an unknown or started slot and a slot that changed apart', () => {
    expect(decideSeat(slot, 'r1.h', NOW)).toBe('already-held');
    expect(decideSeat({ ...slot, booked: 2 }, 'r2.h', NOW)).toBe('full');
    expect(decideSeat(undefined, 'r2.h', NOW)).toBe('unknown-slot');
    expect(decideSeat({ ...slot, startsAtMs: NOW }, 'r2.h', NOW)).toBe('slot-passed');
    expect(decideSeat({ ...slot, startsAtMs: undefined }, 'r2.h', NOW)).toBe('slot-passed');
    expect(decideSeat({ ...slot, capacity: Number.NaN }, 'r2.h', NOW)).toBe('unknown-slot');
    expect(decideSeat(slot, 'r2.h', NOW)).toBe('retry');
  });
});

describe('admission (per-identity limits before the queue)', () => {
  const limits = { ...DEFAULT_ADMISSION_LIMITS, maxInFlight: 2, requestsPerWindow: 5, windowSeconds: 600 };
  const book = { kind: 'BOOK' } as const;

  it('admits a new person and counts the request in the window and in flight', () => {
    const d = admit({}, book, NOW, limits);
    expect(d).toMatchObject({ admitted: true, write: { windowCount: 1, inFlight: 1, inFlightAt: NOW } });
    if (d.admitted) expect(d.write.expectedVersion).toBeUndefined();
  });

  it('refuses a booking while maxInFlight are undecided, with a clear message', () => {
    const state: GateState = {
      version: 3,
      windowStart: Math.floor(NOW / 600_000) * 600_000,
      windowCount: 2,
      inFlight: 2,
      inFlightAt: NOW - 1000,
    };
    expect(admit(state, book, NOW, limits)).toMatchObject({
      admitted: false,
      refusal: 'IN_FLIGHT',
      message: expect.stringMatching(/still being processed/) as string,
    });
    // A cancellation is never held back by requests in flight.
    expect(admit(state, { kind: 'CANCEL', target: 'x' }, NOW, limits)).toMatchObject({
      admitted: true,
      write: { inFlight: 2, pendingCancel: { requestId: 'x' } },
    });
  });

  it('forgets requests in flight after the lease: a request that will never be decided cannot block its person', () => {
    const state: GateState = {
      version: 1,
      inFlight: 2,
      inFlightAt: NOW - limits.inFlightLeaseSeconds * 1000 - 1,
    };
    expect(admit(state, book, NOW, limits)).toMatchObject({ admitted: true, write: { inFlight: 1 } });
    expect(admit({ version: 1, inFlight: -3, inFlightAt: NOW }, book, NOW, limits)).toMatchObject({
      admitted: true,
      write: { inFlight: 1 },
    });
  });

  it('refuses past requestsPerWindow until the next window, whatever the kind', () => {
    const windowStart = Math.floor(NOW / 600_000) * 600_000;
    const state: GateState = { version: 1, windowStart, windowCount: 5, inFlight: 0, inFlightAt: NOW };
    const d = admit(state, { kind: 'CANCEL' }, NOW, limits);
    expect(d).toMatchObject({ admitted: false, refusal: 'RATE' });
    if (!d.admitted) expect(d.retryAfterSeconds).toBe(Math.ceil((windowStart + 600_000 - NOW) / 1000));
    expect(admit(state, book, windowStart + 600_000, limits)).toMatchObject({
      admitted: true,
      write: { windowCount: 1 },
    });
  });

  it('refuses a person whose item tracks maxTrackedRequests decisions', () => {
    expect(admit({ tracked: limits.maxTrackedRequests }, book, NOW, limits)).toMatchObject({
      refusal: 'TOO_MANY_REQUESTS',
    });
  });

  it('checks limits, naming the field and the fix', () => {
    expect(admissionLimitsProblems(DEFAULT_ADMISSION_LIMITS)).toEqual([]);
    expect(
      admissionLimitsProblems({ ...DEFAULT_ADMISSION_LIMITS, maxInFlight: 0 }, 'booking.limits.'),
    ).toEqual([
      expect.stringMatching(
        /^booking\.limits\.maxInFlight is 0\. Fix: use a whole number from 1 to 10/,
      ) as string,
    ]);
    expect(
      admissionLimitsProblems({ ...DEFAULT_ADMISSION_LIMITS, requestsPerWindow: 1, maxInFlight: 2 }).join(),
    ).toMatch(/requestsPerWindow \(1\) is below maxInFlight \(2\)/);
  });
});

/** A port scripted per call, recording the calls (the db tests drive the real one). */
function scriptedPort(script: Partial<Record<keyof BookingPort, (...args: unknown[]) => unknown>>) {
  const calls: string[] = [];
  const port = Object.fromEntries(
    (['takeSeat', 'releaseSeat', 'confirm', 'recordDecision', 'cancelHolder'] as const).map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return Promise.resolve(script[name]?.(...args));
      },
    ]),
  ) as unknown as BookingPort;
  return { port, calls };
}

describe('processMessage (scripted storage)', () => {
  const msg = parseBookingMessage(body, attrs(), NOW) as Extract<BookingMessage, { kind: 'BOOK' }>;
  const refused = (p: Partial<PersonState>): PersonState => ({ decisions: {}, ...p });
  const record = (over: Partial<DecisionRecord>): DecisionRecord => ({
    status: 'REJECTED',
    decidedAt: NOW,
    ...over,
  });

  it('confirms in two conditional writes and no read', async () => {
    const { port, calls } = scriptedPort({ takeSeat: () => 'taken', confirm: () => undefined });
    await expect(processMessage(port, msg, NOW)).resolves.toMatchObject({ status: 'CONFIRMED' });
    expect(calls).toEqual(['takeSeat', 'confirm']);
  });

  it('rejects FULL with one decision write and takes nothing', async () => {
    const { port, calls } = scriptedPort({ takeSeat: () => 'full', recordDecision: () => undefined });
    await expect(processMessage(port, msg, NOW)).resolves.toMatchObject({
      status: 'REJECTED',
      reason: 'FULL',
    });
    expect(calls).toEqual(['takeSeat', 'recordDecision']);
  });

  it('gives its seat back when the person holds another booking (ALREADY_BOOKED)', async () => {
    const holder = { requestId: id(key, 'req-other-001'), seat: 's', centreId: 'c', slotId: 'x' };
    const { port, calls } = scriptedPort({
      takeSeat: () => 'taken',
      confirm: () => refused({ holder }),
      recordDecision: () => undefined,
    });
    await expect(processMessage(port, msg, NOW)).resolves.toMatchObject({
      status: 'REJECTED',
      reason: 'ALREADY_BOOKED',
    });
    expect(calls).toEqual(['takeSeat', 'confirm', 'recordDecision', 'releaseSeat']);
  });

  it('keeps the first decision of a request: a later copy that found a seat gives it back', async () => {
    const first = record({ reason: 'FULL', bodyHash: msg.bodyHash });
    const { port, calls } = scriptedPort({
      takeSeat: () => 'taken',
      confirm: () => refused({ decisions: { [msg.requestId]: first } }),
    });
    await expect(processMessage(port, msg, NOW)).resolves.toMatchObject({
      status: 'REJECTED',
      reason: 'FULL',
    });
    expect(calls).toEqual(['takeSeat', 'confirm', 'releaseSeat']);
  });

  it('refuses a request id decided for another body, after giving back the seat this copy took', async () => {
    const first = record({ status: 'CONFIRMED', bodyHash: 'ffffffffffffffff' });
    const { port, calls } = scriptedPort({
      takeSeat: () => 'taken',
      confirm: () => refused({ decisions: { [msg.requestId]: first } }),
    });
    await expect(processMessage(port, msg, NOW)).rejects.toBeInstanceOf(RequestMismatchError);
    expect(calls).toEqual(['takeSeat', 'confirm', 'releaseSeat']);
  });

  it('carries out the person own pending cancellation when a rebook overtakes it', async () => {
    const holder = { requestId: id(key, 'req-old-0001'), seat: 'old.h', centreId: 'c', slotId: 'old' };
    let confirms = 0;
    const { port, calls } = scriptedPort({
      takeSeat: () => 'taken',
      confirm: () =>
        confirms++ === 0
          ? refused({ holder, pendingCancel: { requestId: holder.requestId, until: NOW + 1 } })
          : undefined,
      cancelHolder: () => ({ cancelled: holder }),
    });
    await expect(processMessage(port, msg, NOW)).resolves.toMatchObject({ status: 'CONFIRMED' });
    expect(calls).toEqual(['takeSeat', 'confirm', 'cancelHolder', 'releaseSeat', 'confirm']);
  });

  it('records a cancellation that arrives before its request, without touching in-flight counts', async () => {
    const target = id(key, 'req-target-01');
    const cancel = parseBookingMessage(
      JSON.stringify({ requestId: target }),
      attrs({ operation: 'DELETE' }),
      NOW,
    );
    const ends: unknown[] = [];
    const { port, calls } = scriptedPort({
      cancelHolder: () => ({ refused: refused({}) }),
      recordDecision: (...args) => {
        ends.push(args[3]);
        return undefined;
      },
    });
    await expect(processMessage(port, cancel, NOW)).resolves.toEqual({
      status: 'CANCELLED',
      reason: 'BEFORE_DECISION',
    });
    expect(calls).toEqual(['cancelHolder', 'recordDecision']);
    expect(ends).toEqual([false]);
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

  it('never lets a shared cache keep a personal outcome, and answers another person id 404', () => {
    const confirmed: DecisionRecord = { status: 'CONFIRMED', centreId: 'c', slotId: 's', decidedAt: 1 };
    const final = statusAnswer(id(), true, confirmed);
    expect(final.headers['cache-control']).toBe(PERSONAL_CACHE_CONTROL);
    expect(PERSONAL_CACHE_CONTROL).toBe('private, no-store');
    expect(JSON.parse(final.body)).toEqual({
      requestId: id(),
      status: 'CONFIRMED',
      centreId: 'c',
      slotId: 's',
    });
    const pending = statusAnswer(id(), true, undefined);
    expect(pending.headers['cache-control']).toBe('private, no-store');
    expect(pending.headers['retry-after']).toBe('15');
    expect(JSON.parse(pending.body)).toMatchObject({ status: 'PENDING', retryAfterSeconds: 15 });
    const foreign = statusAnswer(id(other), false, undefined);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers['cache-control']).toBe('private, no-store');
    expect(statusAnswer('bad id!', false, undefined).statusCode).toBe(400);
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
            slots: [
              { slotId: 's', startsAt: 'x', capacity: 5000 },
              { slotId: 't', startsAt: '2250-01-01T10:00:00Z', capacity: 5 },
            ],
          },
        ],
      }),
    ).toThrow(
      /5 problem\(s\)[\s\S]*centreId[\s\S]*name is missing[\s\S]*startsAt[\s\S]*capacity must be a whole number from 0 to 1000[\s\S]*slots\[1\]\.startsAt is outside 2020-2099/,
    );
    expect(() => validateCatalogue({})).toThrow(/"centres" must be an array/);
  });
});

describe('operator command lines', () => {
  it('parses the seed command line', () => {
    expect(parseSeedArgs(['--table', 't', '--region', 'eu-west-3', 'c.json'])).toEqual({
      table: 't',
      region: 'eu-west-3',
      file: 'c.json',
    });
    expect(() => parseSeedArgs(['c.json'])).toThrow(/Usage: seed\.ts --table/);
  });

  it('parses release-person by person key or by identity, and refuses a malformed key', () => {
    expect(parseReleaseArgs(['--table', 't', '--region', 'r', '--person', key, '--cancel-booking'])).toEqual({
      table: 't',
      region: 'r',
      person: key,
      cancelBooking: true,
    });
    expect(
      parseReleaseArgs([
        '--table',
        't',
        '--region',
        'r',
        '--issuer',
        'https://i',
        '--subject',
        's',
        '--pepper-secret',
        'p',
      ]),
    ).toMatchObject({
      identity: { issuer: 'https://i', subject: 's', pepperSecret: 'p' },
      cancelBooking: false,
    });
    expect(() => parseReleaseArgs(['--table', 't', '--region', 'r', '--person', 'nope'])).toThrow(
      /--person is not a person key/,
    );
    expect(() => parseReleaseArgs(['--table', 't', '--region', 'r'])).toThrow(
      /Missing --issuer, --subject, --pepper-secret/,
    );
  });

  it('parses purge-persons with a bounded retention', () => {
    expect(parsePurgeArgs(['--table', 't', '--region', 'r'])).toEqual({
      table: 't',
      region: 'r',
      inactiveDays: 90,
      dryRun: false,
    });
    expect(() => parsePurgeArgs(['--table', 't', '--region', 'r', '--inactive-days', '0'])).toThrow(
      /--inactive-days is 0\. Fix/,
    );
  });
});
