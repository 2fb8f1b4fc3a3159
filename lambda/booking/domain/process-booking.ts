import {
  PersonBusyError,
  decideClaim,
  type BookingMessage,
  type Outcome,
  type PersonHolder,
  type RejectionReason,
} from './model';

/**
 * What the booking algorithm needs from storage. Every method is ONE single-item conditional write
 * or one strongly consistent read, and each is idempotent for a given request id: this is what keeps
 * the algorithm correct under multi-Region strong consistency, where transactions do not exist.
 */
export interface BookingPort {
  /** Strongly consistent read of the recorded outcome. */
  getOutcome(requestId: string): Promise<Outcome | undefined>;
  /** Give the person to `requestId` unless another request holds it; returns the other holder. */
  claimPerson(personKey: string, requestId: string): Promise<PersonHolder | undefined>;
  /** Take one seat for `requestId` (at most once); says why not when refused. */
  takeSeat(
    centreId: string,
    slotId: string,
    requestId: string,
  ): Promise<'taken' | 'already-held' | 'full' | 'unknown-slot'>;
  /** Give a seat back, only if `requestId` holds one (compensation). */
  releaseSeat(centreId: string, slotId: string, requestId: string): Promise<void>;
  /** Mark the person CONFIRMED for `requestId`; false if another request holds the person. */
  confirmPerson(personKey: string, requestId: string): Promise<boolean>;
  /**
   * Free the person, only if `requestId` holds it; with `onlyUnconfirmed`, only while the claim is
   * not yet CONFIRMED (a delivery that found the slot full must not undo a concurrent confirmation).
   */
  releasePerson(personKey: string, requestId: string, onlyUnconfirmed: boolean): Promise<void>;
  /** Record the outcome unless one exists; returns the outcome that stands (first writer wins). */
  recordOutcome(requestId: string, outcome: Outcome, acceptedAt: number): Promise<Outcome>;
}

/**
 * Process one booking request. Exactly one outcome per request id whatever the number, order or
 * concurrency of deliveries; never more seats than capacity; at most one booking per person.
 *
 * Steps (each idempotent, any of them may be interrupted and replayed by a redelivery):
 *   0. outcome already recorded → make sure a rejected request holds nothing, return it;
 *   1. claim the person (or learn it is booked / busy with another request);
 *   2. take a seat, recording the request id in the slot (the seat's idempotency guard);
 *   3. confirm the person; 4. record the outcome.
 * A request that loses the outcome race after taking a seat gives the seat back (compensation).
 *
 * @throws PersonBusyError when another request of the same person is still in flight (retry later).
 */
export async function processBooking(port: BookingPort, msg: BookingMessage): Promise<Outcome> {
  const { requestId, acceptedAt } = msg;
  const { centreId, slotId, personKey } = msg.booking;

  const recorded = await port.getOutcome(requestId);
  if (recorded) {
    if (recorded.status === 'REJECTED') await undo(port, msg);
    return recorded;
  }

  const reject = async (reason: RejectionReason): Promise<Outcome> =>
    settle(port, msg, { status: 'REJECTED', reason, centreId, slotId }, acceptedAt);

  const holder = await port.claimPerson(personKey, requestId);
  const claim = decideClaim(holder, requestId);
  if (claim === 'already-booked') return reject('ALREADY_BOOKED');
  if (claim === 'busy') throw new PersonBusyError(requestId);

  const seat = await port.takeSeat(centreId, slotId, requestId);
  if (seat === 'full' || seat === 'unknown-slot') {
    await port.releasePerson(personKey, requestId, true);
    return reject(seat === 'full' ? 'FULL' : 'UNKNOWN_SLOT');
  }

  if (!(await port.confirmPerson(personKey, requestId))) {
    // Only possible if this request's claim was released by a concurrent duplicate delivery that
    // found the slot full, and another request of the person claimed it since: give the seat back.
    await port.releaseSeat(centreId, slotId, requestId);
    return reject('ALREADY_BOOKED');
  }
  return settle(port, msg, { status: 'CONFIRMED', centreId, slotId }, acceptedAt);
}

/** Record `mine`; if another delivery recorded a rejection first, this one must hold nothing. */
async function settle(
  port: BookingPort,
  msg: BookingMessage,
  mine: Outcome,
  acceptedAt: number,
): Promise<Outcome> {
  const standing = await port.recordOutcome(msg.requestId, mine, acceptedAt);
  if (standing.status === 'REJECTED' && mine.status === 'CONFIRMED') await undo(port, msg);
  return standing;
}

/** Idempotent compensation: a rejected request keeps no seat and no claim on the person. */
async function undo(port: BookingPort, msg: BookingMessage): Promise<void> {
  await port.releaseSeat(msg.booking.centreId, msg.booking.slotId, msg.requestId);
  await port.releasePerson(msg.booking.personKey, msg.requestId, false);
}
