import {
  DEFAULT_WARM_THROUGHPUT,
  bookingCapacity,
  bookingSettings,
  bookingSettingsProblems,
} from '../../../lib/workloads/booking/capacity';
import { ConfigError } from '../../../lib/config/load-config';
import { testConfig } from '../../helpers/synth';

const booking = testConfig().booking;

describe('booking capacity arithmetic (DESIGN.md worked example)', () => {
  const c = bookingCapacity(booking.surge);
  it('derives 2,778 people/s, 55,600 reads/s and 4,170 writes/s at the edge', () => {
    expect(Math.round(c.peakPeoplePerSecond)).toBe(2778);
    expect(Math.round(c.edgeReadsPerSecond)).toBe(55_556);
    expect(Math.round(c.edgeWritesPerSecond)).toBe(4167);
  });
  it('derives ~6,900 origin requests/s warm and ~15,000 cold', () => {
    expect(Math.round(c.originRequestsPerSecond)).toBe(6944);
    expect(Math.round(c.originRequestsPerSecondCold)).toBe(15_278);
  });
});

describe('derived booking settings', () => {
  const s = bookingSettings(booking);
  it('throttles the stage at the warm origin rate, the burst at the account burst, writes at the crowd write rate', () => {
    expect([s.apiRateLimit, s.apiBurstLimit, s.writeRateLimit, s.writeBurstLimit]).toEqual([
      6945, 5000, 4167, 4167,
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
  it('sizes the table for both Regions draining at once: 4 writes and 1 read per booking plus cold reads', () => {
    expect(s.tableWriteUnitsPerSecond).toBe(16_000);
    expect(s.tableReadUnitsPerSecond).toBe(15_112);
    expect(s.warmThroughput).toEqual({ readUnitsPerSecond: 15_112, writeUnitsPerSecond: 16_000 });
  });
  it('never asks for less warm throughput than a new table has, and none when switched off', () => {
    const small = bookingSettings({
      ...booking,
      surge: { ...booking.surge, workerBookingsPerSecond: 10, eligiblePeople: 1000 },
    });
    expect(small.warmThroughput).toEqual(DEFAULT_WARM_THROUGHPUT);
    expect(bookingSettings({ ...booking, warmThroughput: false }).warmThroughput).toBeUndefined();
  });
  it('needs ~125 s of worker time per peak minute of writes (the backlog the queue absorbs)', () => {
    expect(Math.round(s.drainSecondsPerPeakMinute)).toBe(125);
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
      /booking\.surge: origins would receive 6945 requests\/s.*Fix: raise surge\.cacheHitRatio/,
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
      /booking\.surge: the booking functions would reserve \d+ concurrent executions.*Fix: request a Lambda concurrency increase/,
    ],
    [
      'the table write quota',
      { quotas: { ...quotas, tableWriteUnitsPerSecond: 10_000 } },
      /booking\.surge\.workerBookingsPerSecond: both Regions' workers would need 16000 write units/,
    ],
    [
      'the table read quota',
      { quotas: { ...quotas, tableReadUnitsPerSecond: 10_000 } },
      /booking\.surge: the table would need 15112 read units\/s/,
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
