import { z } from 'zod';
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
});

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
};
