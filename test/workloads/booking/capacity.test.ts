import {
  CAPACITY_HEADROOM,
  DEFAULT_WARM_THROUGHPUT,
  bookingCapacity,
  bookingSettings,
  bookingSettingsProblems,
} from '../../../lib/workloads/booking/capacity';
import { ConfigError } from '../../../lib/config/load-config';
import { testConfig } from '../../helpers/synth';

const booking = testConfig().booking;

describe('booking capacity arithmetic (DESIGN.md worked example)', () => {
  const c = bookingCapacity(booking);
  it('derives 2,778 people/s, 55,600 reads/s and 4,170 writes/s at the edge', () => {
    expect(Math.round(c.peakPeoplePerSecond)).toBe(2778);
    expect(Math.round(c.edgeReadsPerSecond)).toBe(55_556);
    expect(Math.round(c.edgeWritesPerSecond)).toBe(4167);
  });
  it('admits 2,000 bookings/s ÷ 1.5 writes = 1,333 people/s through the waiting room, which all 2,778 join', () => {
    expect(Math.round(c.admittedPeoplePerSecond)).toBe(1333);
    expect(Math.round(c.joinsPerSecond)).toBe(2778);
    expect(c.apiWritesPerSecond).toBe(2000);
  });
  it('sends the origins 1,333 reads + 2,000 writes + 2,778 joins = 6,111 requests/s warm, 10,111 cold', () => {
    expect(Math.round(c.originRequestsPerSecond)).toBe(6111);
    expect(Math.round(c.originRequestsPerSecondCold)).toBe(10_111);
  });
  it('without the waiting room, the whole crowd reaches the origins: ~6,900 warm and ~15,000 cold (DESIGN.md)', () => {
    const open = bookingCapacity({ ...booking, waitingRoom: { enabled: false } });
    expect(Math.round(open.originRequestsPerSecond)).toBe(6944);
    expect(Math.round(open.originRequestsPerSecondCold)).toBe(15_278);
    expect(Math.round(open.apiWritesPerSecond)).toBe(4167);
  });
});

describe('derived booking settings', () => {
  const s = bookingSettings(booking);
  it('throttles the stage and the writes at 1.5 × their peak, the burst at the account burst', () => {
    expect(CAPACITY_HEADROOM).toBe(1.5);
    expect([s.apiRateLimit, s.apiBurstLimit, s.writeRateLimit, s.writeBurstLimit]).toEqual([
      9167, 5000, 3000, 3000,
    ]);
  });
  it('sizes the worker: 2,000 bookings/s × 0.1 s / batches of 10 = 20 concurrent, reserved 22', () => {
    expect([s.workerMaxConcurrency, s.workerReservedConcurrency]).toEqual([20, 22]);
  });
  it('never goes below the SQS minimum concurrency of 2', () => {
    const slow = bookingSettings({ ...booking, surge: { ...booking.surge, workerBookingsPerSecond: 1 } });
    expect(slow.workerMaxConcurrency).toBe(2);
  });
  it('sets the visibility timeout to 6 × the worker timeout', () => {
    expect(s.visibilityTimeoutSeconds).toBe(180);
  });
  it('sizes the table at 1.5 × both Regions draining at once (2 writes, no read per booking) plus the gate (1 write, half a read per request) and cold reads', () => {
    // (4,000 bookings/s × 2 + 2,000 admissions/s × 1) × 1.5; (2,000 × 0.5 + 5,333 cold origin reads) × 1.5.
    expect(s.tableWriteUnitsPerSecond).toBe(15_000);
    expect(s.tableReadUnitsPerSecond).toBe(9_500);
    expect(s.warmThroughput).toEqual({ readUnitsPerSecond: 12_000, writeUnitsPerSecond: 15_000 });
  });
  it('sizes the authorizers: writes 3,000/s × 0.05 s = 150, reads half the status function', () => {
    expect([s.writeAuthorizerReservedConcurrency, s.readAuthorizerReservedConcurrency]).toEqual([150, 26]);
  });
  it('never asks for less warm throughput than a new table has, and none when switched off', () => {
    const small = bookingSettings({
      ...booking,
      surge: { ...booking.surge, workerBookingsPerSecond: 10, eligiblePeople: 1000 },
    });
    expect(small.warmThroughput).toEqual(DEFAULT_WARM_THROUGHPUT);
    expect(bookingSettings({ ...booking, warmThroughput: false }).warmThroughput).toBeUndefined();
  });
  it('needs 60 s of worker time per peak minute of admitted writes: the waiting room keeps the queue level', () => {
    expect(Math.round(s.drainSecondsPerPeakMinute)).toBe(60);
  });
  it('fits the default quotas', () => {
    expect(bookingSettingsProblems(booking)).toEqual([]);
  });
});

describe('quota validation (field and fix named)', () => {
  const quotas = booking.quotas;
  it.each<[string, unknown, RegExp]>([
    [
      'the API Gateway quota',
      { quotas: { ...quotas, apiGatewayRequestsPerSecond: 5000 } },
      /booking\.surge: origins would receive 9167 requests\/s.*Fix: raise surge\.cacheHitRatio/,
    ],
    [
      'the SQS concurrency limit',
      {
        worker: { ...booking.worker, secondsPerBooking: 10 },
        quotas: { ...quotas, lambdaConcurrentExecutions: 10_000 },
      },
      /booking\.surge\.workerBookingsPerSecond: the worker would need a maximum concurrency of 2000/,
    ],
    [
      'the Lambda concurrency quota',
      { quotas: { ...quotas, lambdaConcurrentExecutions: 300 } },
      /booking\.surge: the booking functions (and the waiting room \(\d+\) )?would reserve \d+ concurrent executions.*Fix: request a Lambda concurrency increase/,
    ],
    [
      'the table write quota',
      { quotas: { ...quotas, tableWriteUnitsPerSecond: 10_000 } },
      /booking\.surge\.workerBookingsPerSecond: both Regions' workers and the admission gate would need 15000 write units/,
    ],
    [
      'the table read quota',
      { quotas: { ...quotas, tableReadUnitsPerSecond: 9_000 } },
      /booking\.surge: the table would need 9500 read units\/s/,
    ],
    [
      'no micro-cache',
      { readCacheSeconds: 0 },
      /booking\.readCacheSeconds: is 0, so CloudFront cannot reach surge\.cacheHitRatio/,
    ],
  ])('rejects a surge beyond %s at config load', (_what, override, message) => {
    expect(() => testConfig({ booking: override })).toThrow(ConfigError);
    expect(() => testConfig({ booking: override })).toThrow(message);
  });
});
