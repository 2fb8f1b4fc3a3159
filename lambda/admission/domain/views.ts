import {
  ADMISSION_POSITION_PATH,
  STATUS_CACHE_SECONDS,
  TICKET_PENDING_CACHE_SECONDS,
  estimatedWaitMinutes,
  safeNextPath,
  type WaitingState,
  type WaitingStatus,
  type WaitingTicket,
} from '../../../lib/constructs/admission-control/contract';
import { admittedPerMinute, type CursorState } from './cursor';
import type { EntryOutcome, RefusalReason } from './enter';
import { drawBucket } from './model';
import type { AdmissionSettings } from './settings';

/** What a handler returns, mapped 1:1 to API Gateway's proxy result. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const NO_STORE = 'no-store';

function json(
  statusCode: number,
  body: unknown,
  cacheControl: string,
  extra: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cacheControl, ...extra },
    body: JSON.stringify(body),
  };
}

export function badRequest(reason: string): HttpAnswer {
  return json(400, { reason }, NO_STORE);
}

/** The status adds two public facts to the contract's fields: how far the line is placed and sealed. */
export interface AdmissionStatus extends WaitingStatus {
  /** People placed in the line (sealed buckets). */
  readonly placed: number;
  /** Last sealed bucket (-1: none): a ticket of a later bucket has no position yet. */
  readonly sealedThrough: number;
}

/** The shared status. "before-opening" lasts until the first draw is sealed: before that nobody has a position. */
export function waitingStatus(
  settings: AdmissionSettings,
  cursor: CursorState | undefined,
  now: number,
): AdmissionStatus {
  const firstDraw = Math.min(...settings.cohorts.map((c) => drawBucket(settings, c)));
  const drawn = cursor !== undefined && cursor.sealedThrough >= firstDraw;
  const state: WaitingState = cursor?.closed
    ? 'closed'
    : !drawn
      ? 'before-opening'
      : cursor?.paused
        ? 'paused'
        : 'open';
  return {
    v: 1,
    eventId: settings.eventId,
    state,
    nowServing: cursor?.nowServing ?? 0,
    admittedPerMinute: cursor ? admittedPerMinute(cursor, now) : 0,
    updatedAt: Math.floor((cursor?.updatedAt ?? now) / 1000),
    opensAt: Math.floor(settings.openingAt / 1000),
    placed: cursor?.tail ?? 0,
    sealedThrough: cursor?.sealedThrough ?? -1,
  };
}

/** Everyone gets the same document: the edge cache answers nearly every poll. */
export function statusAnswer(status: AdmissionStatus): HttpAnswer {
  return json(200, status, `public, max-age=${STATUS_CACHE_SECONDS}`);
}

/** A position never changes once given: cache it as long as the edge allows. */
export function ticketAnswer(ticket: WaitingTicket): HttpAnswer {
  return json(
    200,
    ticket,
    ticket.position === null
      ? `public, max-age=${TICKET_PENDING_CACHE_SECONDS}`
      : 'public, max-age=86400, immutable',
  );
}

const REFUSAL_STATUS: Record<RefusalReason, number> = {
  'bad-request': 400,
  'wrong-secret': 403,
  'unknown-ticket': 404,
  'before-opening': 409,
  'not-placed': 409,
  'not-yet': 409,
  lapsed: 410,
};

/** Explanations for people and scripts; never echoes the secret. */
const REFUSAL_TEXT: Record<RefusalReason, string> = {
  'bad-request': 'ticketId and secret are required (a ticket id from the join, the secret kept by the page)',
  'wrong-secret': 'this secret does not open this ticket',
  'unknown-ticket': 'no such ticket (it may still be in the queue: retry in a few seconds)',
  'before-opening': 'the line opens at the announced time',
  'not-placed': 'this ticket has no position yet',
  'not-yet': 'not your turn yet',
  lapsed: 'your turn passed without an entry; join again',
};

export interface EntryAnswerInput {
  readonly outcome: EntryOutcome;
  /** Signed cookie value, for an admitted outcome. */
  readonly cookie?: string;
  readonly setCookie?: string;
  readonly next: string | undefined;
  /** A form post (no JavaScript): answer with redirects instead of JSON. */
  readonly form: boolean;
}

export function entryAnswer(input: EntryAnswerInput): HttpAnswer {
  const next = safeNextPath(input.next);
  const { outcome } = input;
  if (outcome.kind === 'admitted' && input.setCookie) {
    const cookie = { 'Set-Cookie': input.setCookie };
    return input.form
      ? { statusCode: 303, headers: { Location: next, 'Cache-Control': NO_STORE, ...cookie }, body: '' }
      : json(200, { next }, NO_STORE, cookie);
  }
  if (outcome.kind === 'admitted') throw new Error('an admitted outcome needs its cookie');
  if (input.form) {
    // The no-JavaScript view explains where the ticket stands.
    return {
      statusCode: 303,
      headers: { Location: ADMISSION_POSITION_PATH, 'Cache-Control': NO_STORE },
      body: '',
    };
  }
  return json(
    REFUSAL_STATUS[outcome.reason],
    {
      reason: outcome.reason,
      message: REFUSAL_TEXT[outcome.reason],
      ...(outcome.position !== undefined ? { position: outcome.position } : {}),
      ...(outcome.nowServing !== undefined ? { nowServing: outcome.nowServing } : {}),
    },
    NO_STORE,
  );
}

/** What the no-JavaScript page shows for a ticket (the contract's `WaitingPageView`). */
export function noscriptView(ticketId: string, position: number | null, status: AdmissionStatus) {
  return {
    ticketId,
    position,
    nowServing: status.nowServing,
    waitMinutes: position === null ? null : estimatedWaitMinutes(position, status),
    served: position !== null && status.state === 'open' && position <= status.nowServing,
    opensAt: status.opensAt,
  };
}
