/**
 * The admission contract: what the edge gate (a CloudFront Function reading a KeyValueStore) and the
 * admission origin (join, ticket, status, enter; the waiting page's JavaScript) agree on. Pure
 * TypeScript with node:crypto only, so the origin Lambda functions, the edge tests and the
 * configuration can all import it. The edge function source (`edge/admission-gate.js`) cannot import
 * anything: a test checks that it agrees with this file.
 *
 * Flow: the edge sends a person without a valid admission cookie to the waiting page; the page joins
 * (`POST /admission/join`), reads its ticket until it has a position (`GET /admission/ticket/<id>`),
 * polls the shared, edge-cached status (`GET /admission/status`), and when `nowServing >= position`
 * redeems the ticket (`POST /admission/enter`); the origin checks the ticket secret and sets the
 * admission cookie, which the edge verifies on every protected request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------
// CloudFront limits (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html)
// ---------------------------------------------------------------------------------------------------

/** Maximum size of a CloudFront Function's code. */
export const CLOUDFRONT_FUNCTION_MAX_CODE_BYTES = 10 * 1024;
/** Maximum size of one KeyValueStore value. */
export const KVS_MAX_VALUE_BYTES = 1024;
/** Maximum size of one KeyValueStore key. */
export const KVS_MAX_KEY_BYTES = 512;
/** Maximum total size of one KeyValueStore. */
export const KVS_MAX_STORE_BYTES = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Admission cookie
// ---------------------------------------------------------------------------------------------------

/**
 * `__Host-` makes browsers refuse the cookie unless it is Secure, Path=/ and has no Domain, so a
 * sibling subdomain cannot plant or overwrite an admission.
 */
export const ADMISSION_COOKIE_NAME = '__Host-rempart-admission';
/** First field of the cookie value: a format change gets a new version, which the edge refuses until it knows it. */
export const ADMISSION_COOKIE_VERSION = 'v1';

/**
 * The two key slots. Rotation writes a new key into the slot that is not current, makes it current,
 * and leaves the old slot valid until every cookie signed with it has expired (see docs/waiting-room.md).
 */
export const ADMISSION_KIDS = ['a', 'b'] as const;
/** A key slot (`ADMISSION_KIDS`): names which of the two signing keys signed a cookie. */
export type AdmissionKid = (typeof ADMISSION_KIDS)[number];

/** The edge refuses a cookie whose expiry is further away than this, whatever the signature says. */
export const ADMISSION_COOKIE_MAX_TTL_SECONDS = 4 * 60 * 60;

/** Event ids and admission ids: base64url alphabet (no ".", the field separator). */
export const ADMISSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Cookie value: `v1.<kid>.<eventId>.<expiresEpochSeconds>.<admissionId>.<signature>`, where signature
 * is base64url (no padding) of HMAC-SHA256 over everything before the last ".", keyed with the UTF-8
 * bytes of the kid's key string (the KVS value as stored, so the edge needs no decoding step).
 */
export interface AdmissionClaims {
  readonly kid: AdmissionKid;
  readonly eventId: string;
  readonly expiresEpochSeconds: number;
  /** The ticket id the admission was issued for (lets booking count no-shows and replays). */
  readonly admissionId: string;
}

/** The signed part of the cookie value: every field but the signature, in the order the edge reads them. */
export function admissionCookiePayload(claims: AdmissionClaims): string {
  const { kid, eventId, expiresEpochSeconds, admissionId } = claims;
  return [ADMISSION_COOKIE_VERSION, kid, eventId, String(expiresEpochSeconds), admissionId].join('.');
}

/** Signs claims with the key of `claims.kid`. Throws on claims the edge would never accept. */
export function signAdmissionCookie(claims: AdmissionClaims, key: string): string {
  const problems = admissionClaimsProblems(claims);
  if (problems.length) throw new Error(`signAdmissionCookie: ${problems.join('; ')}`);
  if (!key)
    throw new Error('signAdmissionCookie: key is empty. Fix: pass the signing key of the current kid');
  const payload = admissionCookiePayload(claims);
  return `${payload}.${hmac(payload, key)}`;
}

/**
 * What `verifyAdmissionCookie` decided: the claims of a valid cookie, or why it was refused (each
 * reason matches one check of the edge function, so a refusal seen at the origin can be traced).
 */
export type AdmissionVerdict =
  | { readonly ok: true; readonly claims: AdmissionClaims }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'unknown-kid' | 'bad-signature' | 'expired' | 'too-long' | 'wrong-event';
    };

/**
 * Reference verification, the same decisions as the edge function: format, kid, signature
 * (constant-time), expiry, maximum lifetime, event.
 */
export function verifyAdmissionCookie(
  value: string,
  keys: Partial<Record<AdmissionKid, string>>,
  eventId: string,
  nowEpochSeconds: number,
): AdmissionVerdict {
  const parts = value.split('.');
  if (parts.length !== 6 || parts[0] !== ADMISSION_COOKIE_VERSION) return { ok: false, reason: 'malformed' };
  const [, kid, cookieEvent, expires, admissionId, signature] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (
    !/^\d{1,10}$/.test(expires) ||
    !ADMISSION_ID_PATTERN.test(cookieEvent) ||
    !ADMISSION_ID_PATTERN.test(admissionId)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (!isKid(kid) || !keys[kid]) return { ok: false, reason: 'unknown-kid' };
  const expected = Buffer.from(hmac(parts.slice(0, 5).join('.'), keys[kid]));
  const received = Buffer.from(signature);
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
    return { ok: false, reason: 'bad-signature' };
  }
  const expiresEpochSeconds = Number(expires);
  if (expiresEpochSeconds <= nowEpochSeconds) return { ok: false, reason: 'expired' };
  if (expiresEpochSeconds - nowEpochSeconds > ADMISSION_COOKIE_MAX_TTL_SECONDS)
    return { ok: false, reason: 'too-long' };
  if (cookieEvent !== eventId) return { ok: false, reason: 'wrong-event' };
  return { ok: true, claims: { kid, eventId: cookieEvent, expiresEpochSeconds, admissionId } };
}

/** The `Set-Cookie` value the enter endpoint returns. HttpOnly: page scripts never need to read it. */
export function admissionSetCookie(cookieValue: string, maxAgeSeconds: number): string {
  return `${ADMISSION_COOKIE_NAME}=${cookieValue}; Max-Age=${Math.floor(maxAgeSeconds)}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

/** Every reason the edge would refuse these claims whatever the signature; empty when they are acceptable. */
export function admissionClaimsProblems(claims: AdmissionClaims): string[] {
  const problems: string[] = [];
  if (!isKid(claims.kid))
    problems.push(`kid is "${String(claims.kid)}". Fix: use one of ${ADMISSION_KIDS.join(', ')}`);
  if (!ADMISSION_ID_PATTERN.test(claims.eventId)) {
    problems.push(`eventId is "${claims.eventId}". Fix: use 1-64 characters of A-Z a-z 0-9 _ -`);
  }
  if (!ADMISSION_ID_PATTERN.test(claims.admissionId)) {
    problems.push(`admissionId is "${claims.admissionId}". Fix: use 1-64 characters of A-Z a-z 0-9 _ -`);
  }
  if (
    !Number.isInteger(claims.expiresEpochSeconds) ||
    claims.expiresEpochSeconds < 0 ||
    claims.expiresEpochSeconds > 9_999_999_999
  ) {
    problems.push(`expiresEpochSeconds is ${claims.expiresEpochSeconds}. Fix: use whole epoch seconds`);
  }
  return problems;
}

function isKid(kid: string): kid is AdmissionKid {
  return (ADMISSION_KIDS as readonly string[]).includes(kid);
}

function hmac(payload: string, key: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

// ---------------------------------------------------------------------------------------------------
// KeyValueStore layout (one store, with the distribution, in us-east-1). Every key below is written at
// deploy by the edge gate's sync function, so a failing `kvs.get` at the edge always means the store
// is unreachable, never "not configured yet".
// ---------------------------------------------------------------------------------------------------

/** Signing key of one kid: a 64-character [A-Za-z0-9] string generated by Secrets Manager. */
export function kvsSigningKey(kid: AdmissionKid): string {
  return `${KVS_SIGNING_KEY_PREFIX}${kid}`;
}
/** Prefix of the signing-key entries (`kvsSigningKey`). */
export const KVS_SIGNING_KEY_PREFIX = 'adm:key:';
/** The kid the origin signs new cookies with (the edge accepts both; kept for operators). */
export const KVS_CURRENT_KID = 'adm:kid:current';
/** The event being admitted; cookies for another event are refused. */
export const KVS_EVENT_ID = 'adm:event';
/** `on` or `off`: the alarm-driven fail-open switch. `on` lets path classes whose failure policy is `open` through. */
export const KVS_FAIL_OPEN = 'adm:failopen';
/** The values of `KVS_FAIL_OPEN` (and of `KVS_FAIL_OPEN_VERDICT`). */
export const FAIL_OPEN_VALUES = ['on', 'off'] as const;
/**
 * `on` or `off`: the alarms' verdict the fail-open switch last applied (its memory; the edge never
 * reads it). The switch writes `adm:failopen` only when this verdict changes, so a value an operator
 * forces by hand holds until the alarms say otherwise. Written by the switch, not at deploy.
 */
export const KVS_FAIL_OPEN_VERDICT = 'adm:failopen:verdict';
/** Operator override of one path class (see `AdmissionMode`). */
export function kvsPathMode(pathClass: string): string {
  return `${KVS_PATH_MODE_PREFIX}${pathClass}`;
}
/** Prefix of the per-path-class mode entries (`kvsPathMode`). */
export const KVS_PATH_MODE_PREFIX = 'adm:mode:';

/**
 * Per path class, in the store:
 * - `gate`: check the admission cookie (the normal state during an event);
 * - `open`: let everyone through (forced fail-open; writes still queue);
 * - `closed`: send everyone to the waiting page (forced fail-closed, e.g. before the opening).
 */
export const ADMISSION_MODES = ['gate', 'open', 'closed'] as const;
/** The operator override of one path class (`ADMISSION_MODES`), in the store at `adm:mode:<pathClass>`. */
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

/**
 * What the edge does on a path class when the store cannot be read, or when the fail-open switch is
 * `on`. Compiled into the function (the store is exactly what may be unavailable).
 */
export const FAILURE_POLICIES = ['open', 'closed'] as const;
/** What a path class does when the gate cannot decide (`FAILURE_POLICIES`): let through, or wait. */
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** Path class names appear in KVS keys: keep them short and safe. */
export const PATH_CLASS_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

// ---------------------------------------------------------------------------------------------------
// Waiting room: the static page (S3, under WAITING_PAGE_PREFIX) and the admission origin's endpoints
// (under ADMISSION_API_PREFIX). Two prefixes so that each is one CloudFront behaviour, and neither is
// ever a protected path (a gate in front of the waiting room would loop).
// ---------------------------------------------------------------------------------------------------

/** Folder of the static waiting page: `index.html`, `waiting.js`, `waiting.css`. */
export const WAITING_PAGE_PREFIX = '/waiting/';
/** The edge redirects refused page requests here, with `?next=<original path and query>`. */
export const WAITING_PAGE_PATH = '/waiting/index.html';
/** Query parameter carrying where to go once admitted; only same-site paths ("/x", never "//x") are followed. */
export const WAITING_NEXT_PARAM = 'next';

/** Prefix of every admission origin endpoint below. */
export const ADMISSION_API_PREFIX = '/admission/';

/**
 * `GET` — the same JSON (`WaitingStatus`) for everyone, so the edge cache answers nearly every poll:
 * `Cache-Control: public, max-age=<STATUS_CACHE_SECONDS>`; no query string, cookie or header in the
 * cache key.
 */
export const ADMISSION_STATUS_PATH = '/admission/status';
/** Edge cache lifetime of the status: short enough for pages to follow the cursor, long enough for the edge to answer nearly every poll. */
export const STATUS_CACHE_SECONDS = 2;

/** The states of the waiting room the page shows (`WaitingStatus.state`). */
export const WAITING_STATES = ['before-opening', 'open', 'paused', 'closed'] as const;
/** One of `WAITING_STATES`. */
export type WaitingState = (typeof WAITING_STATES)[number];

/** Body of `GET /admission/status`: one document for everyone, so that the edge cache answers the polls. */
export interface WaitingStatus {
  readonly v: 1;
  readonly eventId: string;
  /** `before-opening`: positions not drawn yet; `paused`: cursor stopped by operators; `closed`: event over. */
  readonly state: WaitingState;
  /** Every ticket with `position <= nowServing` may enter. */
  readonly nowServing: number;
  /** Pace of the cursor, for the estimated wait (0 when unknown). */
  readonly admittedPerMinute: number;
  /** When the controller last advanced the cursor (epoch seconds). */
  readonly updatedAt: number;
  /** Opening time (epoch seconds), shown before the opening. */
  readonly opensAt: number;
}

/**
 * `POST` — API Gateway to SQS, no function. JSON `JoinRequest` answers 202 `JoinResponse`. A form
 * post (no JavaScript, no field) answers 303 to `ADMISSION_POSITION_PATH` and sets the ticket cookie.
 */
export const ADMISSION_JOIN_PATH = '/admission/join';
/** JSON body of a join. */
export interface JoinRequest {
  /** base64url (no padding) SHA-256 of a random secret the page keeps; only the secret redeems the ticket. */
  readonly secretHash: string;
}
/** Answer to a JSON join: the ticket id, to read the ticket with. */
export interface JoinResponse {
  readonly ticketId: string;
}

/**
 * `GET /admission/ticket/<ticketId>` — `WaitingTicket`. A position never changes once assigned, so it
 * may be cached as long as the behaviour allows; while `position` is null (before the opening draw,
 * or while the join is still queued) it is cached `TICKET_PENDING_CACHE_SECONDS`. The page asks for
 * it only while it does not know its position: one origin read per person, not per poll.
 */
export const ADMISSION_TICKET_PATH_PREFIX = '/admission/ticket/';
/** Cache lifetime of a ticket with no position yet: the longest a cached "no position" hides one just assigned. */
export const TICKET_PENDING_CACHE_SECONDS = 5;
/** Body of `GET /admission/ticket/<ticketId>`. */
export interface WaitingTicket {
  readonly ticketId: string;
  readonly position: number | null;
}

/**
 * Set by a no-JavaScript join (HttpOnly, Secure, Path=/admission/): `<ticketId>.<secret>`. The page
 * shows the ticket id only, so a shoulder-surfed id cannot be redeemed.
 */
export const TICKET_COOKIE_NAME = 'rempart-ticket';

/**
 * `GET` — the no-JavaScript view: the waiting page rendered by the origin with
 * `waitingPageHtml({ ... })` (edge/waiting-page/waiting-page.ts) for the ticket in the ticket cookie:
 * position, people ahead, estimated wait, a `<meta http-equiv="refresh">` of `NOSCRIPT_REFRESH_SECONDS`,
 * and the enter form once served. It is the one per-person page, fetched only by people without
 * JavaScript, once per refresh (`Cache-Control: private, max-age=<NOSCRIPT_REFRESH_SECONDS>`).
 */
export const ADMISSION_POSITION_PATH = '/admission/position';
/** Refresh period of the no-JavaScript page: one origin read per such person per period. */
export const NOSCRIPT_REFRESH_SECONDS = 60;

/**
 * `POST` — JSON `EnterRequest` answers 200 `{ next }` with `Set-Cookie: admissionSetCookie(...)`, or 409
 * `{ reason }` when the ticket is not yet served; a form post (ticket cookie, field `next`) answers 303
 * to `next`. The origin checks `sha256(secret)` against the ticket and `position <= nowServing`.
 */
export const ADMISSION_ENTER_PATH = '/admission/enter';
/** JSON body of an entry: the ticket and the secret whose hash it was joined with. */
export interface EnterRequest {
  readonly ticketId: string;
  readonly secret: string;
  /** Where the person was going (`WAITING_NEXT_PARAM`), echoed back after checks. */
  readonly next?: string;
}

/** Same-site path to go to once admitted, or "/" for anything else (open-redirect guard). */
export function safeNextPath(next: string | null | undefined): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** Estimated wait in whole minutes (at least 1 while someone is ahead), or null when the pace is unknown. */
export function estimatedWaitMinutes(
  position: number,
  status: Pick<WaitingStatus, 'nowServing' | 'admittedPerMinute'>,
): number | null {
  const ahead = Math.max(0, position - status.nowServing);
  if (ahead === 0) return 0;
  if (!(status.admittedPerMinute > 0)) return null;
  return Math.max(1, Math.ceil(ahead / status.admittedPerMinute));
}
