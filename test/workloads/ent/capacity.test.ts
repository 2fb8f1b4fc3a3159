import { entCapacity, staticStabilityFloor, tasksFor } from '../../../lib/workloads/ent/capacity';
import { testConfig } from '../../helpers/synth';

describe('tasksFor', () => {
  it('rounds up and never returns fewer than one task', () => {
    expect(tasksFor(2000, 25)).toBe(80);
    expect(tasksFor(2001, 25)).toBe(81);
    expect(tasksFor(1, 25)).toBe(1);
  });

  it('rejects a task capacity of zero', () => {
    expect(() => tasksFor(10, 0)).toThrow(/perTask must be above 0, received 0/);
  });
});

describe('staticStabilityFloor', () => {
  it.each([
    [80, 3, 120],
    [1, 3, 2],
    [2, 3, 3],
    [3, 3, 5],
    [6, 3, 9],
    [7, 3, 11],
    [10, 2, 20],
  ])('carries %i tasks after losing one of %i zones with %i', (needed, zones, floor) => {
    expect(staticStabilityFloor(needed, zones)).toBe(floor);
  });

  it('leaves at least the needed tasks after losing the fullest zone, and is the smallest such count', () => {
    for (let needed = 1; needed <= 300; needed++) {
      const n = staticStabilityFloor(needed, 3);
      expect(n - Math.ceil(n / 3)).toBeGreaterThanOrEqual(needed);
      expect(n - 1 - Math.ceil((n - 1) / 3)).toBeLessThan(needed);
    }
  });

  it('rejects fewer than two zones and non-whole task counts', () => {
    expect(() => staticStabilityFloor(10, 1)).toThrow(/zones must be an integer of at least 2, received 1/);
    expect(() => staticStabilityFloor(0)).toThrow(/needed must be a whole number of at least 1, received 0/);
    expect(() => staticStabilityFloor(2.5)).toThrow(/received 2.5/);
  });
});

describe('entCapacity of the default surge (6 April 2021 morning)', () => {
  const capacity = entCapacity(testConfig().ent);

  it('needs 80 tasks at 2,000 logins/s with 25 logins/s per task, and keeps 120 so that one zone can go', () => {
    expect(capacity.peakTasks).toBe(80);
    expect(capacity.morningFloor).toBe(120);
  });

  it('keeps 9 tasks off-peak (6 carry 150 logins/s, 9 survive a zone loss)', () => {
    expect(capacity.offPeakTasks).toBe(6);
    expect(capacity.offPeakFloor).toBe(9);
  });

  it('targets 70% of a task: 25 logins/s × 10 requests × 60 s × 0.7 = 10,500 requests per task per minute', () => {
    expect(capacity.requestsPerTargetPerMinute).toBe(10_500);
  });

  it('passes the configured maximum through', () => {
    expect(capacity.maxTasks).toBe(180);
  });
});
