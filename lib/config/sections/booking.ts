import { z } from 'zod';
import { hostName, positiveInt, ratio } from './common';

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

export const bookingSectionSchema = z.strictObject({
  /** Public host name of the booking front end and API (served by CloudFront). */
  domainName: hostName,
  surge: bookingSurgeSchema,
});

export type BookingSection = z.infer<typeof bookingSectionSchema>;

/** Example public service: the January 2021 vaccination opening for people over 75. */
export const bookingDefaults: z.input<typeof bookingSectionSchema> = {
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
};
