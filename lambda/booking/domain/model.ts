/**
 * Booking domain: types, validation and key layout. Pure: no AWS SDK, no I/O.
 *
 * Personal data is minimised: a person is only a `personKey`, the SHA-256 (hex) of their normalised
 * identity computed by the front end; no name, birth date or contact is ever sent, stored or logged.
 */

/**
 * Upper bound of one slot item. The slot records its holders' request ids (~40 bytes each), and a
 * write costs one unit per KB of item: a 1,000-seat slot would cost ~40 WCU per booking. Real
 * slots are short windows of tens of seats; split anything larger into shorter slots.
 */
export const MAX_SLOT_CAPACITY = 1_000;

export const CENTRE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const SLOT_ID = /^[A-Za-z0-9][A-Za-z0-9:_.-]{0,62}$/;
export const PERSON_KEY = /^[a-f0-9]{64}$/;
export const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/**
 * JSON schema (draft-04, API Gateway's dialect) of the POST /bookings body. The API rejects any other
 * body with 400 before anything is queued; the worker re-checks with `parseBookingMessage`.
 */
export const BOOKING_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['centreId', 'slotId', 'personKey'],
  properties: {
    centreId: { type: 'string', pattern: CENTRE_ID.source },
    slotId: { type: 'string', pattern: SLOT_ID.source },
    personKey: { type: 'string', pattern: PERSON_KEY.source },
  },
} as const;

export interface BookingRequest {
  readonly centreId: string;
  readonly slotId: string;
  readonly personKey: string;
}

/** A queued booking: the validated body plus the API's request id and acceptance time. */
export interface BookingMessage {
  readonly requestId: string;
  /** Epoch milliseconds at which API Gateway accepted the request. */
  readonly acceptedAt: number;
  readonly booking: BookingRequest;
}

export type RejectionReason = 'FULL' | 'ALREADY_BOOKED' | 'UNKNOWN_SLOT';

export type Outcome =
  | { readonly status: 'CONFIRMED'; readonly centreId: string; readonly slotId: string }
  | {
      readonly status: 'REJECTED';
      readonly reason: RejectionReason;
      readonly centreId: string;
      readonly slotId: string;
    };

/** A message that can never succeed; it is reported as a batch item failure and ends in the DLQ. */
export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(`Malformed booking message: ${reason}`);
    this.name = 'MalformedMessageError';
  }
}

/** The person is held by another request still in flight: retry this one later (not an outcome). */
export class PersonBusyError extends Error {
  constructor(readonly requestId: string) {
    super(`Person is held by another booking request still in flight; ${requestId} will be retried`);
    this.name = 'PersonBusyError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Record<string, unknown>, name: string, pattern: RegExp): string {
  const v = obj[name];
  if (typeof v !== 'string' || !pattern.test(v))
    throw new MalformedMessageError(`${name} is missing or invalid`);
  return v;
}

/** Validate a booking body against the same rules as BOOKING_REQUEST_SCHEMA. */
export function parseBookingRequest(value: unknown): BookingRequest {
  if (!isRecord(value)) throw new MalformedMessageError('booking is not an object');
  const extra = Object.keys(value).filter((k) => !['centreId', 'slotId', 'personKey'].includes(k));
  if (extra.length) throw new MalformedMessageError(`unexpected field(s) ${extra.join(', ')}`);
  return {
    centreId: field(value, 'centreId', CENTRE_ID),
    slotId: field(value, 'slotId', SLOT_ID),
    personKey: field(value, 'personKey', PERSON_KEY),
  };
}

/**
 * Parse one queued booking: the body is the validated POST body as received; API Gateway adds its
 * request id and acceptance time as message attributes. Never echoes field values (personal data).
 */
export function parseBookingMessage(
  body: string,
  attributes: { readonly requestId?: string; readonly acceptedAt?: string },
): BookingMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  const requestId = attributes.requestId;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) {
    throw new MalformedMessageError('requestId attribute is missing or invalid');
  }
  const acceptedAt = Number(attributes.acceptedAt);
  if (!Number.isFinite(acceptedAt) || acceptedAt <= 0) {
    throw new MalformedMessageError('acceptedAt attribute is missing or invalid');
  }
  return { requestId, acceptedAt, booking: parseBookingRequest(json) };
}

/** Key layout of the single booking table (pk, sk). */
export const keys = {
  centreList: () => ({ pk: 'CENTRES', sk: 'CENTRES' }),
  centre: (centreId: string) => ({ pk: 'CENTRES', sk: `CENTRE#${centreId}` }),
  slot: (centreId: string, slotId: string) => ({ pk: `CENTRE#${centreId}`, sk: `SLOT#${slotId}` }),
  slotsOf: (centreId: string) => ({ pk: `CENTRE#${centreId}`, skPrefix: 'SLOT#' }),
  person: (personKey: string) => ({ pk: `PERSON#${personKey}`, sk: 'PERSON' }),
  outcome: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'OUTCOME' }),
  progress: (region: string) => ({ pk: 'PROGRESS', sk: region }),
  progressAll: () => ({ pk: 'PROGRESS' }),
};

/** Who holds a person's single booking right. */
export interface PersonHolder {
  readonly requestId: string;
  readonly state: 'CLAIMED' | 'CONFIRMED';
}

export type ClaimDecision = 'proceed' | 'busy' | 'already-booked';

/** A claim failed because `holder` holds the person: what does that mean for `requestId`? */
export function decideClaim(holder: PersonHolder | undefined, requestId: string): ClaimDecision {
  if (!holder || holder.requestId === requestId) return 'proceed';
  return holder.state === 'CONFIRMED' ? 'already-booked' : 'busy';
}

/** The slot as read back after a refused seat update. */
export interface SlotState {
  readonly capacity: number;
  readonly booked: number;
  readonly holders: readonly string[];
}

export type SeatDecision = 'already-held' | 'full' | 'unknown-slot' | 'retry';

/** A seat update was refused: why? `retry` means the slot changed in between (seat freed). */
export function decideSeat(slot: SlotState | undefined, requestId: string): SeatDecision {
  // A slot without numeric capacity/booked can never satisfy the write condition: retrying would loop.
  if (!slot || !Number.isFinite(slot.capacity) || !Number.isFinite(slot.booked)) return 'unknown-slot';
  if (slot.holders.includes(requestId)) return 'already-held';
  if (slot.booked >= slot.capacity) return 'full';
  return 'retry';
}
