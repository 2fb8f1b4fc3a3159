/**
 * Booking domain: types, validation, bounds and key layout. Pure: no AWS SDK, no I/O.
 *
 * Personal data is minimised: a person is only a `personKey`, the keyed hash (HMAC with a secret
 * pepper) of their identity provider's issuer and subject, derived by the API's authorizer from a
 * verified ID token and handed to the queue by API Gateway. No client ever sends or sees it; no
 * name, birth date, contact or token is ever stored or logged.
 */
import { createHash } from 'node:crypto';
import { PERSON_KEY, REQUEST_TAG_LENGTH, requestTag } from '../../identity/domain/person-key';

export { PERSON_KEY, requestTag };

/**
 * Upper bound of one slot item. The slot records its holders' seat tokens (~20 bytes each), and a
 * write costs one unit per KB of item: a 1,000-seat slot would cost ~20 WCU per booking. Real
 * slots are short windows of tens of seats (1 WCU); split anything larger into shorter slots.
 */
export const MAX_SLOT_CAPACITY = 1_000;

export const CENTRE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const SLOT_ID = /^[A-Za-z0-9][A-Za-z0-9:_.-]{0,62}$/;
/**
 * A booking request id: the caller's request tag, "-", then API Gateway's own request id. The tag
 * binds the id to its owner (see identity/domain/person-key.ts `requestTag`).
 */
export const REQUEST_ID_PATTERN = `[a-f0-9]{${REQUEST_TAG_LENGTH}}-[A-Za-z0-9-]{8,47}`;
export const REQUEST_ID = new RegExp(`^${REQUEST_ID_PATTERN}$`);

/** Does `requestId` carry the tag of `personKey` (was it minted for that person)? */
export function ownsRequest(personKey: string, requestId: string): boolean {
  return REQUEST_ID.test(requestId) && requestId.slice(0, REQUEST_TAG_LENGTH) === requestTag(personKey);
}

/** Longest POST body the API queues, characters; larger ones are answered 413 at the API. */
export const MAX_BOOKING_BODY_LENGTH = 1024;

/**
 * JSON schema (draft-04, API Gateway's dialect) of the POST /bookings body. The API rejects any other
 * body with 400 before anything is queued, including one that still carries a `personKey` (the
 * person comes from the verified token, never from the client); the worker re-checks.
 */
export const BOOKING_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['centreId', 'slotId'],
  properties: {
    centreId: { type: 'string', pattern: CENTRE_ID.source, maxLength: 63 },
    slotId: { type: 'string', pattern: SLOT_ID.source, maxLength: 63 },
  },
} as const;

export interface BookingRequest {
  readonly centreId: string;
  readonly slotId: string;
}

/** The queue's message kinds (the API's `operation` attribute: CREATE for POST, DELETE for DELETE). */
export type MessageKind = 'BOOK' | 'CANCEL';

interface MessageBase {
  /** `<request tag>-<API request id>`, minted by the API for this message. */
  readonly requestId: string;
  /** Epoch milliseconds at which API Gateway accepted the request. */
  readonly acceptedAt: number;
  /** From the authorizer (verified token), never from the body. */
  readonly personKey: string;
  /** Hash of everything the message says; every write for the request checks it (bodyHash). */
  readonly bodyHash: string;
}

export interface BookMessage extends MessageBase {
  readonly kind: 'BOOK';
  readonly booking: BookingRequest;
}

export interface CancelMessage extends MessageBase {
  readonly kind: 'CANCEL';
  /** The request whose booking (or pending request) the person cancels; always one of theirs. */
  readonly target: string;
}

export type BookingMessage = BookMessage | CancelMessage;

export type RejectionReason = 'FULL' | 'ALREADY_BOOKED' | 'UNKNOWN_SLOT' | 'SLOT_PASSED';
export type CancellationReason = 'BY_PERSON' | 'BEFORE_DECISION' | 'BY_OPERATOR';

export type Outcome =
  | { readonly status: 'CONFIRMED'; readonly centreId: string; readonly slotId: string }
  | {
      readonly status: 'REJECTED';
      readonly reason: RejectionReason;
      readonly centreId: string;
      readonly slotId: string;
    }
  | {
      readonly status: 'CANCELLED';
      readonly reason: CancellationReason;
      readonly centreId?: string;
      readonly slotId?: string;
    };

/** A message that can never succeed; it is reported as a batch item failure and ends in the DLQ. */
export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(`Malformed booking message: ${reason}`);
    this.name = 'MalformedMessageError';
  }
}

/**
 * A request id already decided for a different body (a replay with another slot or person): it is
 * refused, gives back anything it took, and goes to the DLQ for a person to look at.
 */
export class RequestMismatchError extends Error {
  constructor(readonly requestId: string) {
    super(`Request ${requestId} was already decided for a different body; this copy is refused`);
    this.name = 'RequestMismatchError';
  }
}

/** Bounds of every number that reaches the table. */
export const BOUNDS = {
  /**
   * Oldest acceptance time a message may carry: SQS keeps a message (and its dead-letter copy, whose
   * age counts from the first enqueue) at most 14 days; one day of slack for a late redrive.
   */
  maxMessageAgeMs: 15 * 24 * 3600 * 1000,
  /** How far ahead of the worker's clock an acceptance time may be (clock skew between services). */
  maxClockSkewMs: 5 * 60 * 1000,
  /** Slot start times the catalogue accepts: 2020-01-01 to 2100-01-01. */
  minStartsAtMs: Date.UTC(2020, 0, 1),
  maxStartsAtMs: Date.UTC(2100, 0, 1),
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Record<string, unknown>, name: string, pattern: RegExp): string {
  const v = obj[name];
  if (typeof v !== 'string' || !pattern.test(v))
    throw new MalformedMessageError(`${name} is missing or invalid`);
  return v;
}

function onlyFields(obj: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  // Names only, never values: a stray field may hold personal data.
  if (extra.length) throw new MalformedMessageError(`unexpected field(s) ${extra.join(', ')}`);
}

/** Validate a booking body against the same rules as BOOKING_REQUEST_SCHEMA. */
export function parseBookingRequest(value: unknown): BookingRequest {
  if (!isRecord(value)) throw new MalformedMessageError('booking is not an object');
  onlyFields(value, ['centreId', 'slotId']);
  return { centreId: field(value, 'centreId', CENTRE_ID), slotId: field(value, 'slotId', SLOT_ID) };
}

/** The message attributes API Gateway sets (see QueueBackedWriteApi). */
export interface MessageAttributes {
  readonly requestId?: string;
  readonly acceptedAt?: string;
  readonly operation?: string;
  readonly personKey?: string;
}

/** An acceptance time within the bounds, or a MalformedMessageError. */
export function boundedAcceptedAt(value: string | undefined, now: number): number {
  const acceptedAt = Number(value);
  if (
    !Number.isSafeInteger(acceptedAt) ||
    acceptedAt < now - BOUNDS.maxMessageAgeMs ||
    acceptedAt > now + BOUNDS.maxClockSkewMs
  ) {
    throw new MalformedMessageError('acceptedAt attribute is missing, not a whole number or out of bounds');
  }
  return acceptedAt;
}

/**
 * Parse one queued message: the body as the client sent it (validated by the API's schema),
 * identity and times as attributes. Never echoes field values (they may be personal data).
 */
export function parseBookingMessage(
  body: string,
  attributes: MessageAttributes,
  now: number,
): BookingMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  const { requestId, personKey } = attributes;
  if (typeof personKey !== 'string' || !PERSON_KEY.test(personKey)) {
    throw new MalformedMessageError('personKey attribute is missing or invalid');
  }
  if (typeof requestId !== 'string' || !ownsRequest(personKey, requestId)) {
    throw new MalformedMessageError("requestId attribute is missing, invalid or not the person's");
  }
  const acceptedAt = boundedAcceptedAt(attributes.acceptedAt, now);
  if (attributes.operation === 'CREATE') {
    const booking = parseBookingRequest(json);
    const bodyHash = hashOf([
      'BOOK',
      requestId,
      personKey,
      String(acceptedAt),
      booking.centreId,
      booking.slotId,
    ]);
    return { kind: 'BOOK', requestId, acceptedAt, personKey, bodyHash, booking };
  }
  if (attributes.operation === 'DELETE') {
    if (!isRecord(json)) throw new MalformedMessageError('cancellation is not an object');
    onlyFields(json, ['requestId']);
    const target = field(json, 'requestId', REQUEST_ID);
    if (!ownsRequest(personKey, target))
      throw new MalformedMessageError("the cancelled request is not the person's");
    const bodyHash = hashOf(['CANCEL', requestId, personKey, String(acceptedAt), target]);
    return { kind: 'CANCEL', requestId, acceptedAt, personKey, bodyHash, target };
  }
  throw new MalformedMessageError('operation attribute is missing or unknown');
}

/** 16 hex characters (64 bits) of SHA-256 over the parts: enough to tell two bodies apart. */
export function hashOf(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 16);
}

/**
 * The token a request leaves in its slot's holders: its body hash, which covers the request id,
 * the person, the slot and the acceptance time, so it names one request with one body. 16
 * characters instead of the ~70 of "<request id>.<hash>": a slot item is rewritten on every seat
 * taken or given back, and its size is what each of those writes costs (1 WCU per KB).
 */
export function seatToken(msg: BookMessage): string {
  return msg.bodyHash;
}

/** Key layout of the single booking table (pk, sk). */
export const keys = {
  centreList: () => ({ pk: 'CENTRES', sk: 'CENTRES' }),
  centre: (centreId: string) => ({ pk: 'CENTRES', sk: `CENTRE#${centreId}` }),
  slot: (centreId: string, slotId: string) => ({ pk: `CENTRE#${centreId}`, sk: `SLOT#${slotId}` }),
  slotsOf: (centreId: string) => ({ pk: `CENTRE#${centreId}`, skPrefix: 'SLOT#' }),
  person: (personKey: string) => ({ pk: `PERSON#${personKey}`, sk: 'PERSON' }),
  progress: (region: string) => ({ pk: 'PROGRESS', sk: region }),
  progressAll: () => ({ pk: 'PROGRESS' }),
};

/** Attribute of the person item that records the decision of one request. */
export function decisionAttribute(requestId: string): string {
  return `q:${requestId}`;
}

export type DecisionStatus = Outcome['status'];

/** What the person item records about one decided (or cancelled-before-decision) request. */
export interface DecisionRecord {
  readonly status: DecisionStatus;
  readonly reason?: RejectionReason | CancellationReason;
  readonly centreId?: string;
  readonly slotId?: string;
  /**
   * Body hash of the request that decided, which is also its seat token (absent on a cancellation
   * recorded before the request arrived).
   */
  readonly bodyHash?: string;
  readonly acceptedAt?: number;
  readonly decidedAt: number;
}

/** The person's confirmed booking (at most one). */
export interface HeldBooking {
  readonly requestId: string;
  /** Its seat token in the slot's holders. */
  readonly seat: string;
  readonly centreId: string;
  readonly slotId: string;
}

/** The parts of a person item the decisions need. */
export interface PersonState {
  readonly holder?: HeldBooking;
  /** Decision records by request id (only those the caller asked about may be present). */
  readonly decisions: Readonly<Record<string, DecisionRecord>>;
  /** A cancellation the person asked for at the API and that is not processed yet. */
  readonly pendingCancel?: { readonly requestId: string; readonly until: number };
}

export function outcomeOf(record: DecisionRecord): Outcome {
  const where = { centreId: record.centreId ?? '', slotId: record.slotId ?? '' };
  if (record.status === 'CONFIRMED') return { status: 'CONFIRMED', ...where };
  if (record.status === 'REJECTED') {
    const reason =
      (['FULL', 'UNKNOWN_SLOT', 'SLOT_PASSED'] as const).find((r) => r === record.reason) ?? 'ALREADY_BOOKED';
    return { status: 'REJECTED', reason, ...where };
  }
  const reason =
    (['BEFORE_DECISION', 'BY_OPERATOR'] as const).find((r) => r === record.reason) ?? 'BY_PERSON';
  return record.centreId ? { status: 'CANCELLED', reason, ...where } : { status: 'CANCELLED', reason };
}

/** The slot as read back after a refused seat update. */
export interface SlotState {
  readonly capacity: number;
  readonly booked: number;
  readonly holders: readonly string[];
  readonly startsAtMs?: number;
}

export type SeatDecision = 'already-held' | 'full' | 'unknown-slot' | 'slot-passed' | 'retry';

/** A seat update was refused: why? `retry` means the slot changed in between (a seat was freed). */
export function decideSeat(slot: SlotState | undefined, seat: string, now: number): SeatDecision {
  // A slot without numeric capacity/booked can never satisfy the write condition: retrying would loop.
  if (!slot || !Number.isFinite(slot.capacity) || !Number.isFinite(slot.booked)) return 'unknown-slot';
  if (slot.holders.includes(seat)) return 'already-held';
  if (slot.startsAtMs === undefined || !Number.isFinite(slot.startsAtMs) || slot.startsAtMs <= now)
    return 'slot-passed';
  if (slot.booked >= slot.capacity) return 'full';
  return 'retry';
}
