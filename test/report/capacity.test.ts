import { loadConfig } from '../../lib/config';
import { checkCapacity, type CapacityReport } from '../../tools/report/capacity/check';
import { extractCapacity, parseDailyCron } from '../../tools/report/capacity/extract';
import { profileFromConfig, type CapacityProfile } from '../../tools/report/capacity/profile';
import { QUOTA_DEFAULTS } from '../../tools/report/capacity/quota-defaults';
import { patchedSmall, small } from './fixture';

const DEFAULT_PROFILE = profileFromConfig(loadConfig());

/** The default profile with a different declared surge (the configuration's own shape). */
function withSurge(
  booking: Partial<NonNullable<CapacityProfile['booking']>['surge']>,
  ent: Partial<NonNullable<CapacityProfile['ent']>['surge']> = {},
): CapacityProfile {
  const p = DEFAULT_PROFILE;
  if (!p.booking || !p.ent) throw new Error('the default profile declares both workloads');
  return {
    ...p,
    booking: { ...p.booking, surge: { ...p.booking.surge, ...booking } },
    ent: { ...p.ent, surge: { ...p.ent.surge, ...ent } },
  };
}

function layer(report: CapacityReport, id: string) {
  const found = report.layers.find((l) => l.id === id);
  if (!found) throw new Error(`no layer ${id} in ${report.layers.map((l) => l.id).join(', ')}`);
  return found;
}

describe('capacity check on the small fixture', () => {
  const input = extractCapacity(small().resolver);

  test('reads the configured values from the templates, with their evidence', () => {
    const api = input.workloads.get('booking')?.queueApi.find((r) => r.region === 'eu-west-3');
    expect(api?.stage?.rate).toEqual({
      value: 3000,
      evidence: expect.objectContaining({
        template: 'Fix-Api-eu-west-3.template.json',
        logicalId: 'ApiStage',
        propertyPath: 'Properties.MethodSettings.0.ThrottlingRateLimit',
      }),
    });
    expect(api?.stage?.methods.map((m) => [m.httpMethod, m.path, m.rate.value])).toEqual([
      ['POST', '/api/orders', 1500],
    ]);
    expect(api?.worker?.maxConcurrency.value).toBe(10);
    expect(api?.worker?.reservedConcurrency?.value).toBe(12);
    expect(api?.readFunctions.map((f) => f.value)).toEqual([60]);
    const web = input.workloads.get('ent')?.web[0];
    expect(web?.scheduled.map((a) => [a.name, a.minuteOfDay, a.min])).toEqual([
      ['MorningPreScale', 7 * 60 + 15, 60],
      ['MorningScaleIn', 9 * 60 + 30, 6],
    ]);
    expect(input.workloads.get('booking')?.tables[0]).toEqual(
      expect.objectContaining({ name: 'fix-orders', warmWrites: expect.objectContaining({ value: 12000 }) }),
    );
    expect(input.lambdaReserved.get('eu-west-3')?.sum).toBe(72);
  });

  test('the default surge does not fit these templates, and the report names each short layer', () => {
    const report = checkCapacity(input, DEFAULT_PROFILE);
    expect(report.fits).toBe(false);
    expect(report.failing.map((l) => l.id).sort()).toEqual([
      'booking.api-stage@eu-west-3/peak',
      'booking.api-write-method@eu-west-3#POST /api/orders/peak',
      'booking.read-functions@eu-west-3/peak',
      'ent.tasks-at-peak@eu-west-3/peak',
      'ent.tasks-max@eu-west-3/peak',
    ]);
    // A 3,000/s stage against 6,111.1 requests/s (admitted reads and writes, and joins): the lowest
    // headroom, so the first to saturate.
    expect(report.firstToSaturate?.id).toBe('booking.api-stage@eu-west-3/peak');
    expect(report.firstToSaturate?.headroom).toBeCloseTo(3000 / 6111.11, 3);
    expect(layer(report, 'booking.api-stage@eu-west-3/opening').status).toBe('saturates');
  });

  test('a smaller declared surge fits every configured layer with the required headroom', () => {
    const report = checkCapacity(
      input,
      withSurge({ eligiblePeople: 500_000 }, { peakLoginsPerSecond: 200, offPeakLoginsPerSecond: 20 }),
    );
    expect(report.failing).toEqual([]);
    expect(report.fits).toBe(true);
    expect(layer(report, 'booking.api-stage@eu-west-3/peak').headroom).toBeGreaterThanOrEqual(1.5);
  });

  test('the account quota binds when a throttle is set above it', () => {
    const f = patchedSmall('Fix-Api-eu-west-3.template.json', (t) => {
      t.Resources.ApiStage.Properties.MethodSettings[0].ThrottlingRateLimit = 12000;
    });
    try {
      const patchedInput = extractCapacity(f.resolver);
      expect(
        layer(checkCapacity(patchedInput, DEFAULT_PROFILE), 'booking.api-stage@eu-west-3/peak').capacity,
      ).toBe(10_000);
      const raised = {
        ...DEFAULT_PROFILE,
        quotas: { ...DEFAULT_PROFILE.quotas, apiGatewayRequestsPerSecond: { value: 20_000, source: 'test' } },
      };
      expect(layer(checkCapacity(patchedInput, raised), 'booking.api-stage@eu-west-3/peak').capacity).toBe(
        12_000,
      );
    } finally {
      f.dispose();
    }
  });

  test('lists the quota increases to request per Region, and the undeclared Fargate vCPU quota to verify', () => {
    const report = checkCapacity(input, DEFAULT_PROFILE);
    expect(report.quotaRequests.map((r) => [r.region, r.quota, r.needed])).toEqual([
      ['eu-west-3', 'API Gateway requests per second (account, Region)', 10_112],
      ['eu-west-3', 'Fargate On-Demand vCPU resource count', 100],
    ]);
  });

  test('per-address rules are checked against a declared population, else the largest group that fits is said', () => {
    const undeclared = checkCapacity(input, DEFAULT_PROFILE);
    expect(layer(undeclared, 'booking.waf-rate-rule@global#PerAddress/peak').status).toBe('info');
    // 10,000 requests per 5 min ÷ (21.5 requests per person × 1.5).
    expect(undeclared.notes).toContain(
      'booking: the number of people behind one shared address is not declared; PerAddress lets up to 310 of them through with 1.5× headroom',
    );
    const p = DEFAULT_PROFILE;
    const declared = checkCapacity(input, {
      ...p,
      booking: { ...(p.booking as NonNullable<CapacityProfile['booking']>), peoplePerAddress: 500 },
    });
    expect(layer(declared, 'booking.waf-rate-rule@global#PerAddress/peak')).toEqual(
      expect.objectContaining({ status: 'saturates', demand: 500 * 21.5 }),
    );
  });

  test('school-morning pre-scaling: the floor at the peak and the lead time come from the scheduled actions', () => {
    const report = checkCapacity(input, DEFAULT_PROFILE);
    expect(layer(report, 'ent.tasks-at-peak@eu-west-3/peak')).toEqual(
      expect.objectContaining({ demand: 80, capacity: 60, status: 'saturates' }),
    );
    // 07:15 → 08:00: 45 minutes; 54 launches fit in the burst; 60 s of health check grace.
    expect(layer(report, 'ent.prescale-lead@eu-west-3/peak')).toEqual(
      expect.objectContaining({ capacity: 45 * 60, demand: 60 }),
    );
    const launches = 150;
    const f = patchedSmall('Fix-Portal-eu-west-3.template.json', (t) => {
      t.Resources.TaskCount.Properties.ScheduledActions[0].ScalableTargetAction.MinCapacity = 6 + launches;
    });
    try {
      const slower = checkCapacity(extractCapacity(f.resolver), DEFAULT_PROFILE);
      const burst = QUOTA_DEFAULTS.fargateTaskLaunchBurst.value;
      const rate = QUOTA_DEFAULTS.fargateTaskLaunchRate.value;
      expect(layer(slower, 'ent.prescale-lead@eu-west-3/peak').demand).toBeCloseTo(
        (launches - burst) / rate + 60,
        6,
      );
    } finally {
      f.dispose();
    }
  });
});

describe('parseDailyCron', () => {
  test('reads time and days of Application Auto Scaling cron expressions', () => {
    expect(parseDailyCron('cron(15 7 ? * MON-FRI *)')).toEqual({
      minuteOfDay: 435,
      days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    });
    expect(parseDailyCron('cron(30 9 ? * MON,WED *)')).toEqual({ minuteOfDay: 570, days: ['MON', 'WED'] });
    expect(parseDailyCron('cron(0 6 * * ? *)')?.days).toHaveLength(7);
    expect(parseDailyCron('rate(5 minutes)')).toBeUndefined();
    expect(parseDailyCron('cron(0 6 1 * ? *)')).toBeUndefined();
  });
});
