import type { BookingSection } from './config';

/** Figures derived from a booking surge profile; see DESIGN.md, "Worked example". */
export interface BookingCapacity {
  readonly peakPeoplePerSecond: number;
  readonly edgeReadsPerSecond: number;
  readonly edgeWritesPerSecond: number;
  /** Requests per second that reach the origins (all Regions together) with a warm cache. */
  readonly originRequestsPerSecond: number;
  /** Same with a cold cache: what the origins must survive at the very opening. */
  readonly originRequestsPerSecondCold: number;
}

/** Pure arithmetic: no rounding until the caller turns a figure into a setting. */
export function bookingCapacity(surge: BookingSection['surge']): BookingCapacity {
  const peakPeoplePerSecond = ((surge.eligiblePeople * surge.firstHourShare) / 3600) * surge.peakToAverage;
  const edgeReadsPerSecond = peakPeoplePerSecond * surge.readsPerPerson;
  const edgeWritesPerSecond = peakPeoplePerSecond * surge.writesPerPerson;
  return {
    peakPeoplePerSecond,
    edgeReadsPerSecond,
    edgeWritesPerSecond,
    originRequestsPerSecond: edgeReadsPerSecond * (1 - surge.cacheHitRatio) + edgeWritesPerSecond,
    originRequestsPerSecondCold: edgeReadsPerSecond * (1 - surge.coldCacheHitRatio) + edgeWritesPerSecond,
  };
}

/**
 * Single-item writes of one booking in the worker (docs/booking-consistency.md): claim the person,
 * take the seat, confirm the person, record the outcome. Each item is under 1 KB except the slot,
 * whose size grows with its holders; slots are short time windows, so this stays a fair estimate.
 */
export const WRITES_PER_BOOKING = 4;
/** One strongly consistent read of the outcome per booking (redelivery check). */
export const READS_PER_BOOKING = 1;
/** Wall time of one catalogue or status read in a function; sizes their reserved concurrency. */
export const SECONDS_PER_READ = 0.05;
/** DynamoDB's own warm throughput of a new on-demand table: asking for less changes nothing. */
export const DEFAULT_WARM_THROUGHPUT = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;
/** Lambda keeps this many executions unreserved in every Region. */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
/** SQS event source mapping MaximumConcurrency bounds. */
export const SQS_MAX_CONCURRENCY = { min: 2, max: 1_000 } as const;
/** Concurrency of the regional health function (fixed, tiny). */
export const HEALTH_RESERVED_CONCURRENCY = 5;

/** Every capacity setting of the booking workload, per application Region. */
export interface BookingSettings {
  readonly capacity: BookingCapacity;
  /** API Gateway stage throttling (the whole stage). */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** Method throttling of POST /bookings: the crowd's write rate, queued, never more. */
  readonly writeRateLimit: number;
  readonly writeBurstLimit: number;
  /** SQS event source MaximumConcurrency of the worker. */
  readonly workerMaxConcurrency: number;
  /** Reserved concurrency of the worker (above its MaximumConcurrency, as AWS advises). */
  readonly workerReservedConcurrency: number;
  readonly workerBatchSize: number;
  readonly workerTimeoutSeconds: number;
  /** Queue visibility timeout: 6 × the function timeout (AWS guidance for SQS event sources). */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** Reserved concurrency of the catalogue (centres, slots) and status functions. */
  readonly catalogueReservedConcurrency: number;
  readonly statusReservedConcurrency: number;
  /** Table throughput both Regions' workers and readers may need together. */
  readonly tableWriteUnitsPerSecond: number;
  readonly tableReadUnitsPerSecond: number;
  /** Undefined when `warmThroughput` is off. */
  readonly warmThroughput?: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
  /** Seconds one Region's worker needs to drain one minute of peak writes (an opening-day figure). */
  readonly drainSecondsPerPeakMinute: number;
}

/**
 * Derive the booking settings from the surge profile. Each Region is sized to carry the whole
 * surge alone (the other may be lost); the table is sized for both Regions draining at once.
 */
export function bookingSettings(booking: BookingSection, activeRegions = 2): BookingSettings {
  const capacity = bookingCapacity(booking.surge);
  const { quotas, worker, surge } = booking;

  const apiRateLimit = Math.ceil(capacity.originRequestsPerSecond);
  const apiBurstLimit = Math.min(quotas.apiGatewayBurst, apiRateLimit);
  const writeRateLimit = Math.ceil(capacity.edgeWritesPerSecond);
  const writeBurstLimit = Math.min(apiBurstLimit, writeRateLimit);

  const rawConcurrency = Math.ceil(
    (surge.workerBookingsPerSecond * worker.secondsPerBooking) / worker.batchSize,
  );
  const workerMaxConcurrency = Math.max(SQS_MAX_CONCURRENCY.min, rawConcurrency);
  const workerReservedConcurrency = workerMaxConcurrency + Math.max(2, Math.ceil(workerMaxConcurrency * 0.1));

  const originReads = capacity.originRequestsPerSecond - capacity.edgeWritesPerSecond;
  const catalogueReservedConcurrency = Math.max(5, Math.ceil(originReads * SECONDS_PER_READ * 1.5));
  const statusReservedConcurrency = Math.max(5, Math.ceil(catalogueReservedConcurrency / 2));

  const bookingsPerSecond = surge.workerBookingsPerSecond * activeRegions;
  const tableWriteUnitsPerSecond = Math.ceil(bookingsPerSecond * WRITES_PER_BOOKING);
  const coldOriginReads = capacity.originRequestsPerSecondCold - capacity.edgeWritesPerSecond;
  const tableReadUnitsPerSecond = Math.ceil(bookingsPerSecond * READS_PER_BOOKING + coldOriginReads);

  return {
    capacity,
    apiRateLimit,
    apiBurstLimit,
    writeRateLimit,
    writeBurstLimit,
    workerMaxConcurrency,
    workerReservedConcurrency,
    workerBatchSize: worker.batchSize,
    workerTimeoutSeconds: worker.timeoutSeconds,
    visibilityTimeoutSeconds: worker.timeoutSeconds * 6,
    maxReceiveCount: worker.maxReceiveCount,
    catalogueReservedConcurrency,
    statusReservedConcurrency,
    tableWriteUnitsPerSecond,
    tableReadUnitsPerSecond,
    warmThroughput: booking.warmThroughput
      ? {
          readUnitsPerSecond: Math.max(DEFAULT_WARM_THROUGHPUT.readUnitsPerSecond, tableReadUnitsPerSecond),
          writeUnitsPerSecond: Math.max(
            DEFAULT_WARM_THROUGHPUT.writeUnitsPerSecond,
            tableWriteUnitsPerSecond,
          ),
        }
      : undefined,
    drainSecondsPerPeakMinute: (capacity.edgeWritesPerSecond * 60) / surge.workerBookingsPerSecond,
  };
}

/**
 * Check the derived settings against the account's quotas. Returns one message per problem, each
 * naming the configuration field and the fix; empty when everything fits.
 */
export interface CapacityProblem {
  /** Configuration field at fault, relative to the booking section, e.g. "surge.workerBookingsPerSecond". */
  readonly field: string;
  /** What is wrong and the fix, as "… Fix: …". */
  readonly message: string;
}

export function bookingSettingsProblems(booking: BookingSection, activeRegions = 2): CapacityProblem[] {
  const s = bookingSettings(booking, activeRegions);
  const q = booking.quotas;
  const problems: CapacityProblem[] = [];
  if (s.apiRateLimit > q.apiGatewayRequestsPerSecond) {
    problems.push({
      field: 'surge',
      message: `origins would receive ${s.apiRateLimit} requests/s with a warm cache, above booking.quotas.apiGatewayRequestsPerSecond (${q.apiGatewayRequestsPerSecond}), which every API of the account shares. Fix: raise surge.cacheHitRatio (longer micro-cache), or request an API Gateway quota increase and set booking.quotas.apiGatewayRequestsPerSecond`,
    });
  }
  if (s.workerMaxConcurrency > SQS_MAX_CONCURRENCY.max) {
    problems.push({
      field: 'surge.workerBookingsPerSecond',
      message: `the worker would need a maximum concurrency of ${s.workerMaxConcurrency}, above the SQS event source limit of ${SQS_MAX_CONCURRENCY.max}. Fix: lower surge.workerBookingsPerSecond or worker.secondsPerBooking, or raise worker.batchSize`,
    });
  }
  const reserved =
    s.workerReservedConcurrency +
    s.catalogueReservedConcurrency +
    s.statusReservedConcurrency +
    HEALTH_RESERVED_CONCURRENCY;
  const reservable = q.lambdaConcurrentExecutions - LAMBDA_UNRESERVED_MINIMUM;
  if (reserved > reservable) {
    problems.push({
      field: 'surge',
      message: `the booking functions would reserve ${reserved} concurrent executions, above the ${reservable} reservable under booking.quotas.lambdaConcurrentExecutions (${q.lambdaConcurrentExecutions}, of which ${LAMBDA_UNRESERVED_MINIMUM} stay unreserved). Fix: request a Lambda concurrency increase and set booking.quotas.lambdaConcurrentExecutions, or lower surge.workerBookingsPerSecond`,
    });
  }
  if (s.tableWriteUnitsPerSecond > q.tableWriteUnitsPerSecond) {
    problems.push({
      field: 'surge.workerBookingsPerSecond',
      message: `both Regions' workers would need ${s.tableWriteUnitsPerSecond} write units/s, above booking.quotas.tableWriteUnitsPerSecond (${q.tableWriteUnitsPerSecond}). Fix: lower surge.workerBookingsPerSecond, or request a DynamoDB table quota increase and set booking.quotas.tableWriteUnitsPerSecond`,
    });
  }
  if (s.tableReadUnitsPerSecond > q.tableReadUnitsPerSecond) {
    problems.push({
      field: 'surge',
      message: `the table would need ${s.tableReadUnitsPerSecond} read units/s with a cold cache, above booking.quotas.tableReadUnitsPerSecond (${q.tableReadUnitsPerSecond}). Fix: raise surge.coldCacheHitRatio (pre-warm the cache before the opening), or request a DynamoDB table quota increase and set booking.quotas.tableReadUnitsPerSecond`,
    });
  }
  if (booking.readCacheSeconds === 0 && booking.surge.cacheHitRatio > 0) {
    problems.push({
      field: 'readCacheSeconds',
      message: `is 0, so CloudFront cannot reach surge.cacheHitRatio (${booking.surge.cacheHitRatio}). Fix: set readCacheSeconds to at least 1, or surge.cacheHitRatio to 0`,
    });
  }
  return problems;
}
