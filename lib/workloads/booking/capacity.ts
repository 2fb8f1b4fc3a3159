import { admissionConcurrency } from '../../constructs/admission-control/admission-control';
import type { BookingSection } from './config';

/**
 * Every setting Rempart derives from the surge (throttles, reserved concurrency, warm throughput)
 * keeps this much room over the declared peak, so a forecast off by half still fits.
 */
export const CAPACITY_HEADROOM = 1.5;

/** Figures derived from a booking surge profile; see DESIGN.md, "Worked example". */
export interface BookingCapacity {
  /** The crowd at its peak, people per second arriving at the edge. */
  readonly peakPeoplePerSecond: number;
  /** The crowd's reads at CloudFront. */
  readonly edgeReadsPerSecond: number;
  /** The crowd's writes at CloudFront, before the waiting room holds anyone back. */
  readonly edgeWritesPerSecond: number;
  /**
   * People per second let through to the booking pages and API: the waiting room's pace (each
   * admitted person brings `writesPerPerson` messages, so the worker keeps level), or the whole
   * crowd without it.
   */
  readonly admittedPeoplePerSecond: number;
  /** Waiting-room joins reaching the API (one per person of the crowd); 0 without it. */
  readonly joinsPerSecond: number;
  /** Write requests (bookings, cancellations) reaching the API, past admission. */
  readonly apiWritesPerSecond: number;
  /** Requests per second that reach the origins with a warm cache (one Region may carry all). */
  readonly originRequestsPerSecond: number;
  /** Same with a cold cache: what the origins must survive at the very opening. */
  readonly originRequestsPerSecondCold: number;
}

/** What the arithmetic reads from the booking section. */
export interface BookingCapacityInput {
  /** The declared surge: who may come, how fast, how many reads and writes each. */
  readonly surge: BookingSection['surge'];
  /** Whether the waiting room paces the crowd (it changes what reaches the origins). */
  readonly waitingRoom: Pick<BookingSection['waitingRoom'], 'enabled'>;
}

/** Pure arithmetic: no rounding until the caller turns a figure into a setting. */
export function bookingCapacity(booking: BookingCapacityInput): BookingCapacity {
  const { surge } = booking;
  const peakPeoplePerSecond = ((surge.eligiblePeople * surge.firstHourShare) / 3600) * surge.peakToAverage;
  const edgeReadsPerSecond = peakPeoplePerSecond * surge.readsPerPerson;
  const edgeWritesPerSecond = peakPeoplePerSecond * surge.writesPerPerson;
  const gated = booking.waitingRoom.enabled;
  const admittedPeoplePerSecond = gated
    ? Math.min(peakPeoplePerSecond, surge.workerBookingsPerSecond / surge.writesPerPerson)
    : peakPeoplePerSecond;
  const joinsPerSecond = gated ? peakPeoplePerSecond : 0;
  const apiWritesPerSecond = admittedPeoplePerSecond * surge.writesPerPerson;
  const origin = (hitRatio: number) =>
    admittedPeoplePerSecond * surge.readsPerPerson * (1 - hitRatio) + apiWritesPerSecond + joinsPerSecond;
  return {
    peakPeoplePerSecond,
    edgeReadsPerSecond,
    edgeWritesPerSecond,
    admittedPeoplePerSecond,
    joinsPerSecond,
    apiWritesPerSecond,
    originRequestsPerSecond: origin(surge.cacheHitRatio),
    originRequestsPerSecondCold: origin(surge.coldCacheHitRatio),
  };
}

/**
 * Conditional single-item writes of one booking in the worker (docs/booking-consistency.md): take
 * the seat, confirm the person; no read. Items stay under 1 KB: slot seat tokens are 16 characters
 * and slots are short time windows; a person item holds a few decision records.
 */
export const WRITES_PER_BOOKING = 2;
/** Reads of one booking in the worker: none (a refused write returns the item it was refused on). */
export const READS_PER_BOOKING = 0;
/**
 * The write authorizer's cost per admitted write request (booking or cancellation), at the crowd's
 * rate, before the queue: one conditional write of the person's counters, after one eventually
 * consistent read (half a read unit).
 */
export const ADMISSION_WRITES_PER_REQUEST = 1;
/** Read units of that one eventually consistent read of the person's counters (half a unit). */
export const ADMISSION_READ_UNITS_PER_REQUEST = 0.5;
/**
 * Wall time of one write authorization (token check with cached keys, one read, one MRSC write);
 * sizes the write authorizer's reserved concurrency. Measure it in the target account.
 */
export const SECONDS_PER_AUTHORIZATION = 0.05;
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
  /** The figures the settings are derived from. */
  readonly capacity: BookingCapacity;
  /** API Gateway stage throttling (the whole stage). */
  readonly apiRateLimit: number;
  /** Burst of the stage throttle, at most the account's burst quota. */
  readonly apiBurstLimit: number;
  /** Method throttling of POST /bookings: the crowd's write rate, queued, never more. */
  readonly writeRateLimit: number;
  /** Burst of the write throttle, at most the stage's. */
  readonly writeBurstLimit: number;
  /** SQS event source MaximumConcurrency of the worker. */
  readonly workerMaxConcurrency: number;
  /** Reserved concurrency of the worker (above its MaximumConcurrency, as AWS advises). */
  readonly workerReservedConcurrency: number;
  /** Messages per worker invocation (`worker.batchSize`). */
  readonly workerBatchSize: number;
  /** Worker timeout (`worker.timeoutSeconds`). */
  readonly workerTimeoutSeconds: number;
  /** Queue visibility timeout: 6 × the function timeout (AWS guidance for SQS event sources). */
  readonly visibilityTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead-letter queue (`worker.maxReceiveCount`). */
  readonly maxReceiveCount: number;
  /** Reserved concurrency of the catalogue function (centres, slots). */
  readonly catalogueReservedConcurrency: number;
  /** Reserved concurrency of the status function: half the catalogue's, at least 5. */
  readonly statusReservedConcurrency: number;
  /** Reserved concurrency of the write authorizer (every POST and DELETE, never cached). */
  readonly writeAuthorizerReservedConcurrency: number;
  /** Reserved concurrency of the read authorizer (personal status reads; cached per token). */
  readonly readAuthorizerReservedConcurrency: number;
  /** Table write units both Regions' workers and the write authorizer may need together. */
  readonly tableWriteUnitsPerSecond: number;
  /** Table read units the write authorizer and the readers need with a cold cache. */
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
  const capacity = bookingCapacity(booking);
  const { quotas, worker, surge } = booking;

  const apiRateLimit = Math.ceil(capacity.originRequestsPerSecond * CAPACITY_HEADROOM);
  const apiBurstLimit = Math.min(quotas.apiGatewayBurst, apiRateLimit);
  const writeRateLimit = Math.ceil(capacity.apiWritesPerSecond * CAPACITY_HEADROOM);
  const writeBurstLimit = Math.min(apiBurstLimit, writeRateLimit);

  const rawConcurrency = Math.ceil(
    (surge.workerBookingsPerSecond * worker.secondsPerBooking) / worker.batchSize,
  );
  const workerMaxConcurrency = Math.max(SQS_MAX_CONCURRENCY.min, rawConcurrency);
  const workerReservedConcurrency = workerMaxConcurrency + Math.max(2, Math.ceil(workerMaxConcurrency * 0.1));

  const originReads =
    capacity.originRequestsPerSecond - capacity.apiWritesPerSecond - capacity.joinsPerSecond;
  const catalogueReservedConcurrency = Math.max(
    5,
    Math.ceil(originReads * SECONDS_PER_READ * CAPACITY_HEADROOM),
  );
  const statusReservedConcurrency = Math.max(5, Math.ceil(catalogueReservedConcurrency / 2));
  const writeAuthorizerReservedConcurrency = Math.max(
    5,
    // The write throttle already carries the headroom.
    Math.ceil(writeRateLimit * SECONDS_PER_AUTHORIZATION),
  );
  // Its answers are cached per token: far fewer calls than status reads.
  const readAuthorizerReservedConcurrency = Math.max(5, Math.ceil(statusReservedConcurrency / 2));

  // Admitted writes reach the authorizer wherever they land; the workers drain in both Regions.
  const bookingsPerSecond = surge.workerBookingsPerSecond * activeRegions;
  const tableWriteUnitsPerSecond = Math.ceil(
    (bookingsPerSecond * WRITES_PER_BOOKING + capacity.apiWritesPerSecond * ADMISSION_WRITES_PER_REQUEST) *
      CAPACITY_HEADROOM,
  );
  const coldOriginReads =
    capacity.originRequestsPerSecondCold - capacity.apiWritesPerSecond - capacity.joinsPerSecond;
  const tableReadUnitsPerSecond = Math.ceil(
    (bookingsPerSecond * READS_PER_BOOKING +
      capacity.apiWritesPerSecond * ADMISSION_READ_UNITS_PER_REQUEST +
      coldOriginReads) *
      CAPACITY_HEADROOM,
  );

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
    writeAuthorizerReservedConcurrency,
    readAuthorizerReservedConcurrency,
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
    drainSecondsPerPeakMinute: (capacity.apiWritesPerSecond * 60) / surge.workerBookingsPerSecond,
  };
}

/** One way the derived settings exceed the account's quotas, and the configuration field to change. */
export interface CapacityProblem {
  /** Configuration field at fault, relative to the booking section, e.g. "surge.workerBookingsPerSecond". */
  readonly field: string;
  /** What is wrong and the fix, as "… Fix: …". */
  readonly message: string;
}

/**
 * Check the derived settings against the account's quotas (API Gateway, Lambda concurrency with the
 * waiting room's functions, SQS event source concurrency, table throughput). Returns one problem per
 * quota exceeded, each naming the configuration field and the fix; empty when everything fits. The
 * configuration schema calls it, so that `cdk synth` names the field instead of failing at deploy.
 */
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
  // The waiting room's functions reserve theirs in the same Region (AdmissionControl, each Region
  // sized to carry the whole crowd alone).
  const admission = booking.waitingRoom.enabled
    ? admissionConcurrency({
        admitPerSecond: s.capacity.admittedPeoplePerSecond,
        peakJoinsPerSecond: s.capacity.joinsPerSecond,
      }).total
    : 0;
  const reserved =
    admission +
    s.workerReservedConcurrency +
    s.catalogueReservedConcurrency +
    s.statusReservedConcurrency +
    s.writeAuthorizerReservedConcurrency +
    s.readAuthorizerReservedConcurrency +
    HEALTH_RESERVED_CONCURRENCY;
  const reservable = q.lambdaConcurrentExecutions - LAMBDA_UNRESERVED_MINIMUM;
  if (reserved > reservable) {
    problems.push({
      field: 'surge',
      message: `the booking functions${admission ? ` and the waiting room (${admission})` : ''} would reserve ${reserved} concurrent executions, above the ${reservable} reservable under booking.quotas.lambdaConcurrentExecutions (${q.lambdaConcurrentExecutions}, of which ${LAMBDA_UNRESERVED_MINIMUM} stay unreserved). Fix: request a Lambda concurrency increase and set booking.quotas.lambdaConcurrentExecutions, or lower surge.workerBookingsPerSecond`,
    });
  }
  if (s.tableWriteUnitsPerSecond > q.tableWriteUnitsPerSecond) {
    problems.push({
      field: 'surge.workerBookingsPerSecond',
      message: `both Regions' workers and the admission gate would need ${s.tableWriteUnitsPerSecond} write units/s, above booking.quotas.tableWriteUnitsPerSecond (${q.tableWriteUnitsPerSecond}). Fix: lower surge.workerBookingsPerSecond, or request a DynamoDB table quota increase and set booking.quotas.tableWriteUnitsPerSecond`,
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
