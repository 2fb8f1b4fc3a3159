/**
 * What the read paths answer, and how long each answer may be cached. Pure: no I/O.
 *
 * Caching is the surge defence: lists are micro-cached at CloudFront for a few seconds and one
 * shared "processed up to" cursor replaces a million per-client status polls. Personal answers (a
 * person's own outcome) are never stored in a shared cache.
 */
import {
  BOUNDS,
  CENTRE_ID,
  MAX_SLOT_CAPACITY,
  REQUEST_ID,
  SLOT_ID,
  outcomeOf,
  type DecisionRecord,
} from './model';

export interface Centre {
  readonly centreId: string;
  readonly name: string;
  readonly city: string;
}

export interface Slot {
  readonly slotId: string;
  /** ISO 8601 start time. */
  readonly startsAt: string;
  readonly capacity: number;
}

export interface SlotView extends Slot {
  readonly remaining: number;
  readonly full: boolean;
}

/** A catalogue the operator loads (seed command): centres with their slots. */
export interface Catalogue {
  readonly centres: ReadonlyArray<Centre & { readonly slots: readonly Slot[] }>;
}

export function slotView(slot: Slot & { readonly booked: number }): SlotView {
  const remaining = Math.max(0, slot.capacity - slot.booked);
  return {
    slotId: slot.slotId,
    startsAt: slot.startsAt,
    capacity: slot.capacity,
    remaining,
    full: remaining === 0,
  };
}

/** Validate a catalogue file; every problem at once, each naming the entry and the fix. */
export function validateCatalogue(value: unknown): Catalogue {
  const problems: string[] = [];
  const centres = (value as { centres?: unknown } | null)?.centres;
  if (!Array.isArray(centres))
    throw new Error('catalogue: "centres" must be an array. Fix: {"centres":[{...}]}');
  centres.forEach((c: unknown, i) => {
    const centre = c as Partial<Centre> & { slots?: unknown };
    const at = `centres[${i}]`;
    if (typeof centre.centreId !== 'string' || !CENTRE_ID.test(centre.centreId)) {
      problems.push(`${at}.centreId must match ${CENTRE_ID.source}. Fix: e.g. "paris-15-vaugirard"`);
    }
    if (typeof centre.name !== 'string' || centre.name.length === 0)
      problems.push(`${at}.name is missing. Fix: add the centre's public name`);
    if (typeof centre.city !== 'string' || centre.city.length === 0)
      problems.push(`${at}.city is missing. Fix: add the city`);
    if (!Array.isArray(centre.slots)) {
      problems.push(`${at}.slots must be an array. Fix: "slots": []`);
      return;
    }
    centre.slots.forEach((s: unknown, j) => {
      const slot = s as Partial<Slot>;
      const sat = `${at}.slots[${j}]`;
      if (typeof slot.slotId !== 'string' || !SLOT_ID.test(slot.slotId)) {
        problems.push(`${sat}.slotId must match ${SLOT_ID.source}. Fix: e.g. "2027-01-14T10:00"`);
      }
      const startsAtMs = typeof slot.startsAt === 'string' ? Date.parse(slot.startsAt) : Number.NaN;
      if (Number.isNaN(startsAtMs)) {
        problems.push(`${sat}.startsAt is not an ISO 8601 date-time. Fix: e.g. "2027-01-14T10:00:00+01:00"`);
      } else if (startsAtMs < BOUNDS.minStartsAtMs || startsAtMs >= BOUNDS.maxStartsAtMs) {
        problems.push(`${sat}.startsAt is outside 2020-2099. Fix: check the year`);
      }
      const cap = slot.capacity;
      if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0 || cap > MAX_SLOT_CAPACITY) {
        problems.push(
          `${sat}.capacity must be a whole number from 0 to ${MAX_SLOT_CAPACITY}. Fix: split a larger slot into shorter ones`,
        );
      }
    });
  });
  if (problems.length)
    throw new Error(`Invalid catalogue, ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  return value as Catalogue;
}

/** Cache lifetimes, seconds. */
export const CACHE = {
  /** The shared cursor: one object for every client, refreshed every few seconds. */
  progress: 2,
} as const;

/** Seconds a client waits before asking again about a pending request (plus its own jitter). */
export const PENDING_RETRY_AFTER_SECONDS = 15;

/** Personal answers: never kept by CloudFront, a proxy or the browser's shared caches. */
export const PERSONAL_CACHE_CONTROL = 'private, no-store';

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function json(
  statusCode: number,
  body: unknown,
  maxAge: number,
  extra: Record<string, string> = {},
): HttpAnswer {
  const cache = maxAge > 0 ? `public, max-age=${maxAge}, s-maxage=${maxAge}` : 'no-store';
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': cache, ...extra },
    body: JSON.stringify(body),
  };
}

function personal(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': PERSONAL_CACHE_CONTROL, ...extra },
    body: JSON.stringify(body),
  };
}

export function notFound(what: string, maxAge: number): HttpAnswer {
  return json(404, { message: `${what} not found` }, maxAge);
}

export function badRequest(message: string): HttpAnswer {
  return json(400, { message }, 0);
}

export function listAnswer(body: unknown, maxAge: number): HttpAnswer {
  return json(200, body, maxAge);
}

/** 401 from a function behind a cached authorization whose token has expired since. */
export function unauthorized(): HttpAnswer {
  return personal(
    401,
    { message: 'Your sign-in has expired. Please sign in again.' },
    { 'www-authenticate': 'Bearer' },
  );
}

/**
 * GET /bookings/{requestId} for the signed-in person: their own request's outcome, or PENDING with
 * back-off guidance. Another person's request id is answered exactly like an unknown one (404),
 * so an id seen elsewhere tells nothing about its owner. Always `private, no-store`.
 */
export function statusAnswer(
  requestId: string,
  owned: boolean,
  record: DecisionRecord | undefined,
): HttpAnswer {
  if (!REQUEST_ID.test(requestId)) {
    return personal(400, { message: 'requestId is not a booking request id' });
  }
  if (!owned) return personal(404, { message: 'booking request not found' });
  if (!record) {
    return personal(
      200,
      {
        requestId,
        status: 'PENDING',
        retryAfterSeconds: PENDING_RETRY_AFTER_SECONDS,
        guidance:
          'Poll GET /progress (shared, cached) until processedUpTo[your region] >= your acceptedAt, then ask again; otherwise back off exponentially with full jitter, starting at retryAfterSeconds.',
      },
      { 'retry-after': String(PENDING_RETRY_AFTER_SECONDS) },
    );
  }
  return personal(200, { requestId, ...outcomeOf(record) });
}

/**
 * GET /progress: per Region, the acceptance time up to which the worker has drained its queue
 * (approximate: SQS standard queues are not strictly ordered). A client compares the entry of the
 * Region that accepted it (the 202 names it) with its own `acceptedAt`. Shared by everyone: cacheable.
 */
export function progressAnswer(
  cursors: ReadonlyArray<{ region: string; processedUpTo: number }>,
  now: number,
): HttpAnswer {
  const processedUpTo = Object.fromEntries(cursors.map((c) => [c.region, c.processedUpTo]));
  return json(200, { processedUpTo, generatedAt: now }, CACHE.progress);
}
