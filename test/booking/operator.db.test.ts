import { AdmissionStore } from '../../lambda/booking/adapters/admission-store';
import { purgePersons, releasePerson } from '../../lambda/booking/adapters/person-maintenance';
import { BOUNDS } from '../../lambda/booking/domain/model';
import { DEFAULT_ADMISSION_LIMITS } from '../../lambda/booking/domain/admission';
import { checkInvariants, delivery, fixture, message, oneCentre, personKey, snapshot } from './harness';

// The operator's commands on person items (the MRSC table has no TTL): release a stuck person,
// cancel a booking by hand, and the retention purge.

describe('operator: release a person', () => {
  it('clears a stuck in-flight count so the gate admits the person again, and can cancel their booking', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 2 }]));
    const person = personKey('stuck-person');
    const limits = { ...DEFAULT_ADMISSION_LIMITS, maxInFlight: 1 };
    const gate = new AdmissionStore(f.db, f.tableName, limits);
    const now = Date.now();
    expect(await gate.admit(person, { kind: 'BOOK' }, now)).toMatchObject({ admitted: true });
    // That request is lost (dead-lettered): the person is held back until the lease ends...
    expect(await gate.admit(person, { kind: 'BOOK' }, now + 1000)).toMatchObject({
      admitted: false,
      refusal: 'IN_FLIGHT',
    });
    // ...or until an operator releases them.
    expect(await releasePerson(f.db, f.tableName, person, { cancelBooking: false })).toEqual({ found: true });
    expect(await gate.admit(person, { kind: 'BOOK' }, now + 2000)).toMatchObject({ admitted: true });

    const booked = message('centre-a', 's', person);
    await f.invoke([delivery(booked)]);
    expect(await releasePerson(f.db, f.tableName, person, { cancelBooking: true })).toEqual({
      found: true,
      cancelled: booked.requestId,
    });
    const s = await snapshot(f);
    expect(s.outcomes.get(booked.requestId)).toMatchObject({ status: 'CANCELLED', reason: 'BY_OPERATOR' });
    expect(s.slots.get('centre-a/s')?.booked).toBe(0);
    checkInvariants(s);
    expect(await releasePerson(f.db, f.tableName, personKey('nobody'), { cancelBooking: true })).toEqual({
      found: false,
    });
  });
});

describe('operator: retention purge', () => {
  it('deletes inactive persons whose booking is past, keeps those with a booking ahead, prunes old decisions', async () => {
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 200 * 86_400_000).toISOString();
    const f = await fixture(
      oneCentre([
        { slotId: 'soon', capacity: 5, startsAt: soon },
        { slotId: 'later', capacity: 5, startsAt: later },
      ]),
    );
    const past = personKey('purge-past');
    const ahead = personKey('purge-ahead');
    const rejectedOnly = personKey('purge-rejected');
    const pastBooking = message('centre-a', 'soon', past);
    const aheadBooking = message('centre-a', 'later', ahead);
    const unknown = message('centre-a', 'nope', rejectedOnly);
    await f.invoke([delivery(pastBooking), delivery(aheadBooking), delivery(unknown)]);
    const before = await purgePersons(f.db, f.tableName, { inactiveDays: 90, dryRun: true });
    expect(before).toMatchObject({ scanned: 3, deleted: 0 });

    // 100 days on: everyone is inactive; only the booking for the 'later' slot is still ahead.
    const now = Date.now() + 100 * 86_400_000;
    const dry = await purgePersons(f.db, f.tableName, { inactiveDays: 90, now, dryRun: true });
    expect(dry).toMatchObject({ scanned: 3, deleted: 2 });
    expect((await snapshot(f)).persons.size).toBe(3);
    const r = await purgePersons(f.db, f.tableName, { inactiveDays: 90, now });
    expect(r).toMatchObject({ scanned: 3, deleted: 2, recordsPruned: 0 });
    const s = await snapshot(f);
    expect([...s.persons.keys()]).toEqual([ahead]);
    expect(s.persons.get(ahead)?.holder?.requestId).toBe(aheadBooking.requestId);
  });

  it('prunes decision records older than any message can be from persons that stay', async () => {
    const f = await fixture(oneCentre([{ slotId: 's', capacity: 1 }]));
    const person = personKey('pruned');
    const oldTry = message('centre-a', 'missing', person);
    const booked = message('centre-a', 's', person);
    await f.invoke([delivery(oldTry)]);
    await f.invoke([delivery(booked)]);
    const now = Date.now() + BOUNDS.maxMessageAgeMs + 86_400_000;
    const r = await purgePersons(f.db, f.tableName, { inactiveDays: 90, now });
    expect(r).toMatchObject({ deleted: 0, recordsPruned: 1 });
    const p = (await snapshot(f)).persons.get(person);
    expect(Object.keys(p?.decisions ?? {})).toEqual([booked.requestId]);
    expect(p?.item.nq).toBe(1);
  });
});
