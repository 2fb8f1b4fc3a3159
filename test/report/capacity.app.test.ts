import { loadAssembly } from '../../tools/report/assembly';
import { checkCapacity, type CapacityReport } from '../../tools/report/capacity/check';
import { extractCapacity, type CapacityInput } from '../../tools/report/capacity/extract';
import {
  profileFromConfig,
  REQUIRED_HEADROOM,
  type CapacityProfile,
} from '../../tools/report/capacity/profile';
import { generateEvidencePack } from '../../tools/report/generate';
import { Resolver } from '../../tools/report/resolver';
import { appAssembly } from '../helpers/app-assembly';
import { testConfig } from '../helpers/synth';
import { tempDir } from './fixture';

/**
 * The capacity check on the app as `cdk synth` builds it with the default configuration: the
 * declared opening must fit what the templates configure, with 1.5× headroom on every layer.
 */
describe('capacity of the default app', () => {
  const config = testConfig();
  const profile = profileFromConfig(config);
  let assemblyDir: string;
  let input: CapacityInput;

  beforeAll(() => {
    assemblyDir = appAssembly('default').dir;
    input = extractCapacity(new Resolver(loadAssembly(assemblyDir)));
  });

  const describeLayers = (report: CapacityReport) =>
    report.failing.map(
      (l) =>
        `${l.id}: demand ${l.demand.toFixed(1)} ${l.unit}, capacity ${l.capacity}, headroom ${(l.headroom ?? 0).toFixed(2)}×`,
    );

  test(`the default profile fits with at least ${REQUIRED_HEADROOM}× headroom on every layer Rempart configures`, () => {
    const report = checkCapacity(input, profile);
    expect(report.layers.filter((l) => l.rempartConfigured).length).toBeGreaterThan(10);
    expect(describeLayers(report)).toEqual([]);
  });

  test('a profile that does not fit names the layer that saturates first', () => {
    if (!profile.booking) throw new Error('the default profile declares booking');
    // Half the reads miss the cache: the read functions see ten times the declared reads.
    const colder: CapacityProfile = {
      ...profile,
      booking: { ...profile.booking, surge: { ...profile.booking.surge, cacheHitRatio: 0.5 } },
    };
    const report = checkCapacity(input, colder);
    expect(report.fits).toBe(false);
    expect(report.firstToSaturate).toEqual(
      expect.objectContaining({ layer: 'read-functions', workload: 'booking', status: 'saturates' }),
    );
    expect(report.failing.map((l) => l.layer)).toEqual(
      expect.arrayContaining(['read-functions', 'api-stage']),
    );
  });

  test('an ENT morning three times the declared one saturates the pre-scaled floor first', () => {
    if (!profile.ent) throw new Error('the default profile declares ENT');
    const surge = { ...profile.ent.surge, peakLoginsPerSecond: profile.ent.surge.peakLoginsPerSecond * 3 };
    const report = checkCapacity(input, { ...profile, booking: undefined, ent: { ...profile.ent, surge } });
    expect(report.firstToSaturate).toEqual(
      expect.objectContaining({ workload: 'ent', layer: 'tasks-at-peak', status: 'saturates' }),
    );
  });

  test('the evidence pack of the real app builds, with no open finding', () => {
    const out = tempDir();
    try {
      const result = generateEvidencePack({
        assemblyDir,
        outDir: out.dir,
        config,
        commit: 'test',
        log: () => undefined,
      });
      expect(result.json.findings).toEqual([]);
      expect((result.json.controls as unknown[]).length).toBeGreaterThan(200);
    } finally {
      out.dispose();
    }
  });
});
