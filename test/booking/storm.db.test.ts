import { AdmissionStore } from '../../lambda/booking/adapters/admission-store';
import { DEFAULT_ADMISSION_LIMITS } from '../../lambda/booking/domain/admission';
import {
  FUTURE,
  cancellation,
  checkInvariants,
  deliverUntilSettled,
  fixture,
  message,
  personKey,
  pool,
  snapshot,
} from './harness';

// Cancel/rebook storm: 1,000 people each book a first slot, cancel that booking and book a second
// slot, all at once: the 3,000 messages are shuffled together and every one is delivered twice. For
// half of the people the write authorizer saw the cancellation before the rebook (it marks it
// pending on the person item, as at the API). At the end: seats taken = confirmed bookings, no seat
// leaked, nobody holds two, no cancelled booking survives, and a rebook that overtook the person's
// own pending cancellation still confirms.

const PEOPLE = 1_000;
const FIRST_SLOTS = 40; // 25 people each, capacity 30: every first booking can confirm
const SECOND_SLOTS = 40; // capacity 30: room for every rebook

describe('cancel/rebook storm: 1,000 people, every message delivered twice', () => {
  const people = Array.from({ length: PEOPLE }, (_, p) => personKey(`storm-${p}`));
  const first = people.map((person, p) => message('centre-storm', `first-${p % FIRST_SLOTS}`, person));
  const cancels = people.map((person, p) => cancellation(person, first[p].requestId));
  const rebooks = people.map((person, p) =>
    message('centre-storm', `second-${(p * 7) % SECOND_SLOTS}`, person),
  );
  const markedPending = (p: number) => p % 2 === 0;

  let result: Awaited<ReturnType<typeof snapshot>>;
  let run: Awaited<ReturnType<typeof deliverUntilSettled>>;
  beforeAll(async () => {
    const f = await fixture({
      centres: [
        {
          centreId: 'centre-storm',
          name: 'Centre (storm)',
          city: 'Lille',
          slots: [
            ...Array.from({ length: FIRST_SLOTS }, (_, i) => ({
              slotId: `first-${i}`,
              capacity: 30,
              startsAt: FUTURE,
            })),
            ...Array.from({ length: SECOND_SLOTS }, (_, i) => ({
              slotId: `second-${i}`,
              capacity: 30,
              startsAt: FUTURE,
            })),
          ],
        },
      ],
    });
    const gate = new AdmissionStore(f.db, f.tableName, DEFAULT_ADMISSION_LIMITS);
    await pool(
      people.filter((_, p) => markedPending(p)),
      8,
      async (person) => {
        const p = people.indexOf(person);
        await gate.admit(person, { kind: 'CANCEL', target: first[p].requestId }, Date.now());
      },
    );
    run = await deliverUntilSettled(f, [...first, ...cancels, ...rebooks], {
      copies: 2,
      batchSize: 10,
      concurrency: 4,
      seed: 7,
    });
    result = await snapshot(f);
  });

  it('delivered 3,000 messages twice each, and settled with no retry for a busy person', () => {
    expect(run.deliveries).toBeGreaterThanOrEqual(2 * 3 * PEOPLE);
    expect(run.failures).toBe(0);
  });

  it('keeps seats taken equal to confirmed bookings: no seat leaked, nobody holds two', () => {
    checkInvariants(result);
    const seats = [...result.slots.values()].reduce((n, s) => n + s.booked, 0);
    const confirmed = [...result.outcomes.values()].filter((o) => o.status === 'CONFIRMED').length;
    const holders = [...result.persons.values()].filter((p) => p.holder).length;
    expect(seats).toBe(confirmed);
    expect(holders).toBe(confirmed);
    expect(confirmed).toBeGreaterThan(PEOPLE / 2);
  });

  it('cancels every first booking, whatever the order the cancellation arrived in', () => {
    for (const m of first) {
      expect({ id: m.requestId, status: result.outcomes.get(m.requestId)?.status }).toEqual({
        id: m.requestId,
        status: expect.stringMatching(/^(CANCELLED|REJECTED)$/) as string,
      });
    }
    // The cancellation overtook some bookings, and some bookings confirmed before being cancelled.
    const reasons = new Set(first.map((m) => result.outcomes.get(m.requestId)?.reason));
    expect(reasons).toContain('BEFORE_DECISION');
    expect(reasons).toContain('BY_PERSON');
  });

  it('confirms every rebook whose cancellation the gate had seen, even when the rebook overtook it', () => {
    people.forEach((_, p) => {
      if (markedPending(p))
        expect({ p, status: result.outcomes.get(rebooks[p].requestId)?.status }).toEqual({
          p,
          status: 'CONFIRMED',
        });
    });
  });

  it('gives every request exactly one decision, and the other rebooks a clear one', () => {
    for (const m of [...first, ...rebooks]) expect(result.outcomes.has(m.requestId)).toBe(true);
    for (const m of rebooks) {
      const o = result.outcomes.get(m.requestId);
      expect(o?.status === 'CONFIRMED' || (o?.status === 'REJECTED' && o.reason === 'ALREADY_BOOKED')).toBe(
        true,
      );
    }
  });
});
