import {
  FUTURE,
  checkInvariants,
  deliverUntilSettled,
  fixture,
  message,
  personKey,
  snapshot,
} from './harness';

// The acceptance race of issue 3: ≥ 10,000 booking requests, every message delivered twice, in
// shuffled batches of 10, 4 worker invocations at once each processing its 10 records concurrently
// (40 requests in flight: DynamoDB Local serialises writes, so more only queues them and costs CPU),
// against DynamoDB Local. Bounded by work: every delivery is counted, nothing waits on a clock.
//  - pool A: 9,000 people, one request each, on 300 slots with skewed demand (some oversubscribed);
//  - pool B: 500 people, two requests each for two different slots, with a seat for everyone.
// Slots are 15-minute windows of 20 to 44 seats, as in a vaccination centre.

const SLOTS_A = 300;
const PEOPLE_A = 9_000;
const PEOPLE_B = 500;
const SLOTS_B = 50;

const capacityOf = (i: number) => 20 + (i % 25);
const catalogue = {
  centres: [
    {
      centreId: 'centre-race',
      name: 'Centre de vaccination (course)',
      city: 'Lyon',
      slots: [
        ...Array.from({ length: SLOTS_A }, (_, i) => ({
          slotId: `a-${i}`,
          capacity: capacityOf(i),
          startsAt: FUTURE,
        })),
        // Each b-slot is wanted by exactly 20 people (as first or second choice): room for all.
        ...Array.from({ length: SLOTS_B }, (_, i) => ({
          slotId: `b-${i}`,
          capacity: (2 * PEOPLE_B) / SLOTS_B,
          startsAt: FUTURE,
        })),
      ],
    },
  ],
};

describe('race: 10,000 requests, each delivered twice', () => {
  const demand = new Map<string, number>();
  const messages: Array<ReturnType<typeof message>> = [];
  for (let p = 0; p < PEOPLE_A; p++) {
    // Skewed demand: low-numbered slots are the popular ones.
    const slot = `a-${Math.floor(SLOTS_A * (p / PEOPLE_A) ** 1.6)}`;
    demand.set(slot, (demand.get(slot) ?? 0) + 1);
    messages.push(message('centre-race', slot, personKey(`race-a-${p}`)));
  }
  for (let p = 0; p < PEOPLE_B; p++) {
    messages.push(message('centre-race', `b-${p % SLOTS_B}`, personKey(`race-b-${p}`)));
    messages.push(message('centre-race', `b-${(p + SLOTS_B / 2) % SLOTS_B}`, personKey(`race-b-${p}`)));
  }

  let result: Awaited<ReturnType<typeof snapshot>>;
  let run: Awaited<ReturnType<typeof deliverUntilSettled>>;
  beforeAll(async () => {
    const f = await fixture(catalogue);
    run = await deliverUntilSettled(f, messages, { copies: 2, batchSize: 10, concurrency: 4 });
    result = await snapshot(f);
  });

  it('uses at least 10,000 requests, each delivered at least twice', () => {
    expect(messages.length).toBeGreaterThanOrEqual(10_000);
    expect(run.deliveries).toBeGreaterThanOrEqual(2 * messages.length);
  });

  it('leaves 0 requests without an outcome', () => {
    const missing = messages.filter((m) => !result.outcomes.has(m.requestId));
    expect(missing).toHaveLength(0);
  });

  it('confirms min(demand, capacity) on every slot, and never more seats than capacity', () => {
    for (let i = 0; i < SLOTS_A; i++) {
      const slot = `a-${i}`;
      const confirmed = messages.filter(
        (m) => m.booking.slotId === slot && result.outcomes.get(m.requestId)?.status === 'CONFIRMED',
      ).length;
      const expected = Math.min(demand.get(slot) ?? 0, capacityOf(i));
      expect({ slot, confirmed }).toEqual({ slot, confirmed: expected });
      expect(result.slots.get(`centre-race/${slot}`)?.booked).toBe(expected);
      expect(result.slots.get(`centre-race/${slot}`)?.holders).toHaveLength(expected);
      expect(
        result.slots
          .get(`centre-race/${slot}`)
          ?.holderIds.every((id) => result.outcomes.get(id)?.status === 'CONFIRMED'),
      ).toBe(true);
    }
    // The skew really oversubscribes some slots and leaves room in others.
    expect([...demand.entries()].some(([s, d]) => d > capacityOf(Number(s.slice(2))))).toBe(true);
    expect([...demand.entries()].some(([s, d]) => d < capacityOf(Number(s.slice(2))))).toBe(true);
  });

  it('leaves 0 persons with two bookings, and every two-slot racer with exactly one', () => {
    const bookingsPerPerson = new Map<string, number>();
    for (const m of messages) {
      if (result.outcomes.get(m.requestId)?.status === 'CONFIRMED') {
        bookingsPerPerson.set(m.personKey, (bookingsPerPerson.get(m.personKey) ?? 0) + 1);
      }
    }
    expect([...bookingsPerPerson.values()].filter((n) => n > 1)).toHaveLength(0);
    for (let p = 0; p < PEOPLE_B; p++) expect(bookingsPerPerson.get(personKey(`race-b-${p}`))).toBe(1);
    const b = messages.filter((m) => m.booking.slotId.startsWith('b-'));
    const rejected = b.filter((m) => result.outcomes.get(m.requestId)?.status === 'REJECTED');
    expect(rejected).toHaveLength(PEOPLE_B);
    expect(rejected.every((m) => result.outcomes.get(m.requestId)?.reason === 'ALREADY_BOOKED')).toBe(true);
  });

  it('keeps every seat, person and decision consistent with each other, with no retry for a busy person', () => {
    for (const m of messages) {
      const outcome = result.outcomes.get(m.requestId);
      const holds = result.slots.get(`centre-race/${m.booking.slotId}`)?.holderIds.includes(m.requestId);
      expect({ id: m.requestId, holds }).toEqual({ id: m.requestId, holds: outcome?.status === 'CONFIRMED' });
      if (outcome?.status === 'CONFIRMED') {
        expect(result.persons.get(m.personKey)?.holder?.requestId).toBe(m.requestId);
      }
    }
    checkInvariants(result);
    // Nothing waits on another request: every delivery is decided on its first receive.
    expect(run.failures).toBe(0);
    expect(run.rounds).toBe(1);
  });
});
