import { timingSafeEqual } from 'node:crypto';
import { admissionOf, redemptionShard } from './cursor';
import { SECRET, TICKET_ID, bucketHour, bucketOfGroup, sha256Base64url, stepHour } from './model';
import { positionOf } from './order';
import type { EntryPort, TicketReader } from './ports';
import type { AdmissionSettings } from './settings';

export type RefusalReason =
  'bad-request' | 'unknown-ticket' | 'wrong-secret' | 'before-opening' | 'not-placed' | 'not-yet' | 'lapsed';

export type EntryOutcome =
  | {
      readonly kind: 'admitted';
      readonly ticketId: string;
      readonly position: number;
      readonly step: number;
      /** Admission cookie expiry, epoch seconds: the entry deadline plus the admission lifetime. */
      readonly expiresEpochSeconds: number;
      /** False when this ticket had already entered: the same cookie is issued again. */
      readonly first: boolean;
    }
  | {
      readonly kind: 'refused';
      readonly reason: RefusalReason;
      readonly position?: number;
      readonly nowServing?: number;
    };

function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash);
  const received = Buffer.from(sha256Base64url(secret));
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** The position of a ticket, or null while its bucket is not sealed (or the ticket not recorded). */
export async function ticketPosition(
  port: TicketReader,
  settings: AdmissionSettings,
  ticketId: string,
): Promise<number | null> {
  const ticket = await port.getTicket(ticketId);
  if (!ticket) return null;
  const bucket = bucketOfGroup(settings, ticket.group);
  const doc = await port.getBucketDoc(bucket, bucketHour(settings, bucket));
  return (doc && positionOf(doc, ticket)) ?? null;
}

/**
 * Exchange a ticket and its secret for an admission, exactly once per ticket: the secret must hash
 * to the ticket's, its position must be at or below the cursor, within `noShowAfterSeconds` of the
 * step that admitted it. The entry is recorded in ONE conditional write that also counts it for the
 * controller's no-show arithmetic. A replay (lost response, second tab) gets the same admission
 * again (same expiry, so the same cookie) without counting twice.
 */
export async function enter(
  port: EntryPort,
  settings: AdmissionSettings,
  request: { readonly ticketId: unknown; readonly secret: unknown },
  now: number,
): Promise<EntryOutcome> {
  const { ticketId, secret } = request;
  if (
    typeof ticketId !== 'string' ||
    !TICKET_ID.test(ticketId) ||
    typeof secret !== 'string' ||
    !SECRET.test(secret)
  ) {
    return { kind: 'refused', reason: 'bad-request' };
  }
  if (now < settings.openingAt) return { kind: 'refused', reason: 'before-opening' };
  const ticket = await port.getTicket(ticketId);
  if (!ticket) return { kind: 'refused', reason: 'unknown-ticket' };
  if (!secretMatches(secret, ticket.secretHash)) return { kind: 'refused', reason: 'wrong-secret' };

  const bucket = bucketOfGroup(settings, ticket.group);
  const doc = await port.getBucketDoc(bucket, bucketHour(settings, bucket));
  const position = doc ? positionOf(doc, ticket) : undefined;
  if (position === undefined) return { kind: 'refused', reason: 'not-placed' };

  let cursor = await port.readCursor({ fresh: false });
  let admission = cursor ? admissionOf(settings, cursor, position, now) : undefined;
  if (!admission || admission.kind === 'not-yet') {
    // The cached copy may be a step behind the status the person just saw: read once more, strongly.
    cursor = await port.readCursor({ fresh: true });
    admission = cursor ? admissionOf(settings, cursor, position, now) : undefined;
  }
  if (!cursor || !admission || admission.kind === 'not-yet') {
    return { kind: 'refused', reason: 'not-yet', position, nowServing: cursor?.nowServing ?? 0 };
  }
  if (admission.kind === 'lapsed')
    return { kind: 'refused', reason: 'lapsed', position, nowServing: cursor.nowServing };

  const recorded = await port.recordEntry(
    admission.step,
    stepHour(settings, admission.step),
    redemptionShard(cursor, position),
    position,
  );
  return {
    kind: 'admitted',
    ticketId,
    position,
    step: admission.step,
    expiresEpochSeconds: Math.floor((admission.deadline + settings.admissionTtlSeconds * 1000) / 1000),
    first: recorded === 'new',
  };
}
