import { z } from 'zod';
import { DEFAULT_ADMISSION_LIMITS, admissionLimitsProblems } from '../../../lambda/booking/domain/admission';
import { oidcSettingsProblems } from '../../../lambda/identity/domain/oidc-settings';
import { hostName, positiveInt, ratio } from '../../config/sections/common';

/**
 * The declared surge of a booking opening. Capacity settings (throttles, worker concurrency, warm
 * throughput) are derived from it in `capacity.ts`, never typed in by hand.
 */
export const bookingSurgeSchema = z.strictObject({
  /** People allowed to book when the opening is announced (e.g. everyone over 75). */
  eligiblePeople: positiveInt,
  /** Share of them who try in the first hour. */
  firstHourShare: ratio,
  /** Peak-to-average ratio inside that first hour. */
  peakToAverage: z.number().min(1, 'must be at least 1 (a peak is never below the average). Fix: use e.g. 5'),
  readsPerPerson: z.number().positive(),
  writesPerPerson: z.number().positive(),
  /** Share of reads answered by CloudFront without reaching an origin, with a warm cache. */
  cacheHitRatio: ratio,
  /** Share of reads answered by CloudFront in the first minutes, before the cache is warm. */
  coldCacheHitRatio: ratio,
  /** Bookings per second the worker may write (the database's pace, not the crowd's). */
  workerBookingsPerSecond: positiveInt,
  /** Announced opening, ISO 8601 with offset, e.g. "2027-01-14T10:00:00+01:00". */
  openingAt: z.iso.datetime({
    offset: true,
    message: 'is not an ISO 8601 date-time with offset. Fix: write e.g. "2027-01-14T10:00:00+01:00"',
  }),
});

/** How the worker drains the queue; its concurrency is derived from the surge, not typed in. */
export const bookingWorkerSchema = z.strictObject({
  /** Messages per worker invocation (SQS event source batch size, 1–10 for a standard queue). */
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(10, 'must be at most 10 for an SQS standard queue without a batching window. Fix: use 10'),
  /** Worker function timeout, seconds; the queue's visibility timeout is derived from it (×6). */
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(
      120,
      'must be at most 120 s (visibility timeout is 6× it, and a slow worker hides its backlog). Fix: use e.g. 30',
    ),
  /**
   * Measured or estimated wall time of one booking in a worker (several strongly consistent
   * single-item writes, higher under multi-Region strong consistency). Sizes the worker concurrency.
   */
  secondsPerBooking: z.number().positive().max(10),
  /** Deliveries before a message moves to the dead-letter queue. */
  maxReceiveCount: z
    .number()
    .int()
    .min(2, 'must be at least 2, or one transient error sends a booking to the DLQ. Fix: use e.g. 5')
    .max(100),
});

/** Service quotas of the target account and Region (defaults are AWS's; raise them after a quota increase). */
export const bookingQuotasSchema = z.strictObject({
  /** API Gateway REST steady-state requests per second, per account and Region (shared by every API). */
  apiGatewayRequestsPerSecond: positiveInt,
  /** API Gateway REST burst, per account and Region: the ceiling of every throttle burst of the booking API. */
  apiGatewayBurst: positiveInt,
  /** Lambda concurrent executions per Region (100 always stay unreserved). */
  lambdaConcurrentExecutions: positiveInt,
  /** DynamoDB on-demand table maximum write request units per second. */
  tableWriteUnitsPerSecond: positiveInt,
  /** DynamoDB on-demand table maximum read request units per second. */
  tableReadUnitsPerSecond: positiveInt,
});

/**
 * Who may book: an OpenID Connect provider (FranceConnect, an agent directory). Its ID tokens are
 * verified at the API (lambda/identity); the person key is an HMAC of issuer and subject with a
 * pepper generated in Secrets Manager. The default is a placeholder: see the README to plug the
 * real provider before any deploy.
 */
export const bookingIdentitySchema = z
  .strictObject({
    /** Exact `iss` of the ID tokens (the provider's discovery document, "issuer"). */
    issuer: z.string(),
    /** Exact `aud`: the client id the provider issued for this service. */
    audience: z.string(),
    /** The provider's key set ("jwks_uri" of its discovery document), HTTPS. */
    jwksUrl: z.string(),
    /** Accepted signing algorithms, asymmetric only ("id_token_signing_alg_values_supported"). */
    algorithms: z.array(z.string()),
    /** Seconds of clock skew tolerated on exp/nbf (0 to 60). */
    clockToleranceSeconds: z.number(),
    /** Seconds API Gateway keeps a read authorization per token (personal status reads). */
    readCacheSeconds: z.number().int().min(0).max(3600),
    /**
     * Secrets Manager name of the person-key pepper. Created by the primary data stack (generated
     * value, customer-managed key) and replicated to the other application Region. Never rotate it
     * by hand: every person key would change (docs/booking.md).
     */
    pepperSecretName: z
      .string()
      .regex(
        /^[A-Za-z0-9/_+=.@-]{1,256}$/,
        'is not a Secrets Manager name. Fix: e.g. "rempart/booking/person-pepper"',
      ),
  })
  .superRefine((identity, ctx) => {
    // One rule set, shared with the OidcAuthorizer construct and the authorizer at run time.
    for (const problem of oidcSettingsProblems(identity)) {
      const field = problem.slice(0, problem.indexOf(' '));
      ctx.addIssue({ code: 'custom', path: [field], message: problem.slice(field.length + 1) });
    }
  });

/** Per-identity limits the write authorizer applies before anything is queued. */
export const bookingLimitsSchema = z
  .strictObject({
    /** Booking requests of one person accepted and not yet decided. */
    maxInFlight: z.number(),
    /** Write requests (bookings and cancellations) of one person per window. */
    requestsPerWindow: z.number(),
    windowSeconds: z.number(),
    /** Seconds after which undecided requests stop counting (a dead-lettered request blocks nobody for good). */
    inFlightLeaseSeconds: z.number(),
    /** Decisions a person item keeps (the purge removes old ones); past it, the person is refused. */
    maxTrackedRequests: z.number(),
  })
  .superRefine((limits, ctx) => {
    for (const problem of admissionLimitsProblems(limits)) {
      const field = problem.slice(0, problem.indexOf(' '));
      ctx.addIssue({ code: 'custom', path: [field], message: problem.slice(field.length + 1) });
    }
  });

/**
 * The virtual waiting room in front of booking (AdmissionControl): who goes first at the opening,
 * and at what pace people reach the booking pages and API (derived from the worker's rate).
 */
export const bookingWaitingRoomSchema = z.strictObject({
  /** Put booking behind the waiting room. Off: the whole crowd reaches the origins at once. */
  enabled: z.boolean(),
  /** Event id: key prefix of the waiting-room items and the admission cookie's event. */
  eventId: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,64}$/,
      'must be 1-64 letters, digits, "_" or "-". Fix: e.g. "opening-2027-01-14"',
    ),
  /**
   * Cohorts in priority order (e.g. over-75s first); a join naming none belongs to the first.
   * `delayMinutes` queues a cohort behind everyone of earlier cohorts who arrived up to that long after it.
   */
  cohorts: z
    .array(
      z.strictObject({
        id: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,15}$/, 'must match [a-z][a-z0-9-]{0,15}. Fix: e.g. "over-75"'),
        delayMinutes: z
          .number()
          .min(0)
          .max(24 * 60),
      }),
    )
    .min(1, 'is empty. Fix: keep at least one cohort, e.g. [{ "id": "general", "delayMinutes": 0 }]'),
  /** Admitted people who have not entered within this many minutes are replaced (no-shows). */
  noShowMinutes: z.number().int().min(1).max(120),
});

/** The booking section as typed; `section.ts` adds the capacity checks and derived settings. */
export const bookingSectionFields = z.strictObject({
  /** Public host name of the booking front end and API (served by CloudFront). */
  domainName: hostName,
  surge: bookingSurgeSchema,
  worker: bookingWorkerSchema,
  quotas: bookingQuotasSchema,
  /** Pre-warm the table to the derived throughput (for an announced opening). */
  warmThroughput: z.boolean(),
  /** Seconds CloudFront and browsers may keep centre and slot lists (micro-cache). */
  readCacheSeconds: z.number().int().min(0).max(300),
  identity: bookingIdentitySchema,
  limits: bookingLimitsSchema,
  waitingRoom: bookingWaitingRoomSchema,
});

/**
 * The `booking` section as typed (surge, worker, quotas, identity, limits, waiting room). The
 * validated configuration holds it with the derived `settings` added (`bookingSettings()`). Field by field:
 * docs/configuration.md, "Booking".
 */
export type BookingSection = z.infer<typeof bookingSectionFields>;

/** Example public service: the January 2021 vaccination opening for people over 75. */
export const bookingDefaults: z.input<typeof bookingSectionFields> = {
  domainName: 'rdv.rempart-demo.fr',
  surge: {
    eligiblePeople: 5_000_000,
    firstHourShare: 0.4,
    peakToAverage: 5,
    readsPerPerson: 20,
    writesPerPerson: 1.5,
    cacheHitRatio: 0.95,
    coldCacheHitRatio: 0.8,
    workerBookingsPerSecond: 2_000,
    openingAt: '2027-01-14T10:00:00+01:00',
  },
  worker: { batchSize: 10, timeoutSeconds: 30, secondsPerBooking: 0.1, maxReceiveCount: 5 },
  quotas: {
    apiGatewayRequestsPerSecond: 10_000,
    apiGatewayBurst: 5_000,
    lambdaConcurrentExecutions: 1_000,
    tableWriteUnitsPerSecond: 40_000,
    tableReadUnitsPerSecond: 40_000,
  },
  warmThroughput: true,
  readCacheSeconds: 5,
  // Placeholder provider: synthesizes, verifies nothing real. Replace with FranceConnect's (README).
  identity: {
    issuer: 'https://auth.rempart-demo.fr/realms/citoyens',
    audience: 'rempart-booking',
    jwksUrl: 'https://auth.rempart-demo.fr/realms/citoyens/protocol/openid-connect/certs',
    algorithms: ['ES256', 'RS256'],
    clockToleranceSeconds: 10,
    readCacheSeconds: 300,
    pepperSecretName: 'rempart/booking/person-pepper',
  },
  limits: { ...DEFAULT_ADMISSION_LIMITS },
  waitingRoom: {
    enabled: true,
    eventId: 'opening-2027-01-14',
    cohorts: [{ id: 'general', delayMinutes: 0 }],
    noShowMinutes: 10,
  },
};
