import {
  RequestMismatchError,
  outcomeOf,
  seatToken,
  type BookMessage,
  type BookingMessage,
  type CancellationReason,
  type CancelMessage,
  type DecisionRecord,
  type HeldBooking,
  type Outcome,
  type PersonState,
  type RejectionReason,
} from './model';

export type SeatResult = 'taken' | 'already-held' | 'full' | 'unknown-slot' | 'slot-passed';

/**
 * What the booking algorithm needs from storage. Every method is ONE single-item conditional write
 * (multi-Region strong consistency has no transactions); a refused write reports the item as it
 * stood, so the algorithm never needs a read on its happy path.
 */
export interface BookingPort {
  /**
   * Take one seat for `seat` (a request id bound to its body): only if the slot exists, starts after
   * `now`, has room, and does not hold `seat` already.
   */
  takeSeat(centreId: string, slotId: string, seat: string, now: number): Promise<SeatResult>;
  /** Give a seat back, only if `seat` holds one: exactly once, however often it is called. */
  releaseSeat(centreId: string, slotId: string, seat: string): Promise<void>;
  /**
   * Make `requestId` the person's booking and record it CONFIRMED, only if the person holds no
   * booking and the request is not decided yet. (A request the person asked to cancel may still
   * confirm here; its cancellation, queued or carried out by a rebook, cancels it.)
   * @returns undefined when done, else the person as it stood
   */
  confirm(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    now: number,
  ): Promise<PersonState | undefined>;
  /**
   * Record a decision (REJECTED, or CANCELLED before any decision) for `requestId`, only if it has
   * none. `endsRequest`: the request's own decision, which frees one of the person's in-flight places.
   * @returns undefined when recorded, else the person as it stood
   */
  recordDecision(
    personKey: string,
    requestId: string,
    record: DecisionRecord,
    endsRequest: boolean,
    now: number,
  ): Promise<PersonState | undefined>;
  /**
   * Cancel the person's booking if `requestId` is it: the person then holds none, and the record
   * says CANCELLED (keeping its body hash, the seat token, so a replay can still give the seat back).
   */
  cancelHolder(
    personKey: string,
    requestId: string,
    reason: CancellationReason,
    now: number,
  ): Promise<{ readonly cancelled: HeldBooking } | { readonly refused: PersonState }>;
}

/** Rounds of "refused, look at why, try again" before a record is left to SQS to redeliver. */
const MAX_ROUNDS = 8;

/**
 * Process one queued message. Exactly one decision per request id whatever the number, order or
 * concurrency of deliveries; never more seats than capacity; at most one booking per person; a
 * cancelled booking gives its seat back exactly once. Nothing ever waits on another request: there
 * is no claim to hold, so no delivery is retried because of a busy person.
 *
 * @throws RequestMismatchError when the request id was decided for another body (after giving
 *   back anything this copy took)
 */
export async function processMessage(port: BookingPort, msg: BookingMessage, now: number): Promise<Outcome> {
  return msg.kind === 'BOOK' ? processBook(port, msg, now) : processCancel(port, msg, now);
}

/**
 * A booking: (1) take a seat, (2) confirm the person. Two conditional writes on the happy path. The
 * seat is taken first so that the person item, written second, is the single place where the
 * request's decision is made: every other outcome is decided there too, once.
 */
async function processBook(port: BookingPort, msg: BookMessage, now: number): Promise<Outcome> {
  const { requestId, personKey, bodyHash, acceptedAt } = msg;
  const { centreId, slotId } = msg.booking;
  const seat = seatToken(msg);
  const base = { centreId, slotId, bodyHash, acceptedAt, decidedAt: now };

  const taken = await port.takeSeat(centreId, slotId, seat, now);
  if (taken === 'full' || taken === 'unknown-slot' || taken === 'slot-passed') {
    const reason: RejectionReason =
      taken === 'full' ? 'FULL' : taken === 'unknown-slot' ? 'UNKNOWN_SLOT' : 'SLOT_PASSED';
    return rejectWithoutSeat(port, msg, reason, now);
  }

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const refused = await port.confirm(personKey, requestId, { ...base, status: 'CONFIRMED' }, now);
    if (!refused) return { status: 'CONFIRMED', centreId, slotId };

    const mine = refused.decisions[requestId];
    if (mine) return settleDecided(port, msg, mine, seat);

    const pending =
      refused.pendingCancel && refused.pendingCancel.until > now
        ? refused.pendingCancel.requestId
        : undefined;
    if (pending === requestId) {
      // The person asked to cancel this very request before it was decided.
      const again = await port.recordDecision(
        personKey,
        requestId,
        { ...base, status: 'CANCELLED', reason: 'BEFORE_DECISION' },
        true,
        now,
      );
      if (again) continue;
      await port.releaseSeat(centreId, slotId, seat);
      return { status: 'CANCELLED', reason: 'BEFORE_DECISION', centreId, slotId };
    }

    const holder = refused.holder;
    if (holder) {
      if (pending === holder.requestId) {
        // A rebook that overtook the person's own cancellation: carry the cancellation out first.
        await cancelBooking(port, personKey, holder.requestId, 'BY_PERSON', now);
        continue;
      }
      const again = await port.recordDecision(
        personKey,
        requestId,
        { ...base, status: 'REJECTED', reason: 'ALREADY_BOOKED' },
        true,
        now,
      );
      if (again) continue;
      await port.releaseSeat(centreId, slotId, seat);
      return { status: 'REJECTED', reason: 'ALREADY_BOOKED', centreId, slotId };
    }
    // Refused for a reason gone by the time it was reported: the person item changed in between.
  }
  throw new Error(
    `Booking ${requestId}: person still contended after ${MAX_ROUNDS} rounds; SQS will redeliver`,
  );
}

/** The request is already decided: this copy keeps a seat only if that decision is its confirmation. */
async function settleDecided(
  port: BookingPort,
  msg: BookMessage,
  mine: DecisionRecord,
  seat: string,
): Promise<Outcome> {
  const { centreId, slotId } = msg.booking;
  if (mine.bodyHash !== undefined && mine.bodyHash !== msg.bodyHash) {
    // Our seat token carries our body hash, so it is never the decided body's seat: give it back.
    await port.releaseSeat(centreId, slotId, seat);
    throw new RequestMismatchError(msg.requestId);
  }
  if (mine.status !== 'CONFIRMED') await port.releaseSeat(centreId, slotId, seat);
  return outcomeOf(mine);
}

async function rejectWithoutSeat(
  port: BookingPort,
  msg: BookMessage,
  reason: RejectionReason,
  now: number,
): Promise<Outcome> {
  const { centreId, slotId } = msg.booking;
  const record: DecisionRecord = {
    status: 'REJECTED',
    reason,
    centreId,
    slotId,
    bodyHash: msg.bodyHash,
    acceptedAt: msg.acceptedAt,
    decidedAt: now,
  };
  const refused = await port.recordDecision(msg.personKey, msg.requestId, record, true, now);
  if (!refused) return { status: 'REJECTED', reason, centreId, slotId };
  const mine = refused.decisions[msg.requestId];
  if (!mine) throw new Error(`Booking ${msg.requestId}: decision refused but absent`);
  if (mine.bodyHash !== undefined && mine.bodyHash !== msg.bodyHash)
    throw new RequestMismatchError(msg.requestId);
  // Another copy decided first (possibly CONFIRMED, when a seat was freed in between): it stands.
  return outcomeOf(mine);
}

async function processCancel(port: BookingPort, msg: CancelMessage, now: number): Promise<Outcome> {
  return cancelBooking(port, msg.personKey, msg.target, 'BY_PERSON', now);
}

/**
 * Cancel request `target` of a person: if it is their booking, the person is freed and the seat
 * given back (conditional on the seat token: exactly once); if it is not decided yet, it is recorded
 * as cancelled so that it never confirms; if it was rejected, there is nothing to do.
 */
export async function cancelBooking(
  port: BookingPort,
  personKey: string,
  target: string,
  reason: CancellationReason,
  now: number,
): Promise<Outcome> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const result = await port.cancelHolder(personKey, target, reason, now);
    if ('cancelled' in result) {
      const held = result.cancelled;
      await port.releaseSeat(held.centreId, held.slotId, held.seat);
      return { status: 'CANCELLED', reason, centreId: held.centreId, slotId: held.slotId };
    }
    const record = result.refused.decisions[target];
    if (record) {
      if (record.status === 'CANCELLED') {
        // A redelivery: the person item says cancelled; make sure the seat went back too (the
        // record's body hash is the seat token; releasing a token nobody holds changes nothing).
        if (record.bodyHash && record.centreId && record.slotId) {
          await port.releaseSeat(record.centreId, record.slotId, record.bodyHash);
        }
        return outcomeOf(record);
      }
      if (record.status === 'REJECTED') return outcomeOf(record);
      throw new Error(`Person item inconsistent: ${target} is confirmed but not held`);
    }
    const again = await port.recordDecision(
      personKey,
      target,
      { status: 'CANCELLED', reason: 'BEFORE_DECISION', decidedAt: now },
      // Not the target's own decision: a cancellation must not free in-flight places it never took.
      false,
      now,
    );
    if (!again) return { status: 'CANCELLED', reason: 'BEFORE_DECISION' };
  }
  throw new Error(
    `Cancellation of ${target}: person still contended after ${MAX_ROUNDS} rounds; SQS will redeliver`,
  );
}
