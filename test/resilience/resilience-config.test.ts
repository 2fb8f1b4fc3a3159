import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, deepMerge, validateConfig } from '../../lib/config/load-config';
import {
  failoverDetectionSeconds,
  fisExtensionLayerProblem,
  HEALTH_CHECK_PROPAGATION_SECONDS,
  METRIC_PUBLICATION_SECONDS,
  probeDetectionBudget,
  ratioDetectionBudget,
} from '../../lib/config/sections/resilience';
import { testConfig } from '../helpers/synth';

// resilience.drills.lambdaExtensionLayerArns: the AWS FIS Lambda extension per application Region.
const LAYER = 'arn:aws:lambda:eu-west-3:222222222222:layer:aws-fis-extension-arm64:12';
const layers = (value: unknown) => ({ resilience: { drills: { lambdaExtensionLayerArns: value } } });

function problemsFor(overrides: unknown): string {
  try {
    validateConfig(deepMerge(DEFAULT_CONFIG, overrides));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('resilience.drills.lambdaExtensionLayerArns', () => {
  it('is empty by default: no Region runs the FIS extension until its layer ARN is configured', () => {
    expect(testConfig().resilience.drills.lambdaExtensionLayerArns).toEqual({});
  });

  it('is optional in a configuration file (an absent map is an empty one)', () => {
    const { lambdaExtensionLayerArns, ...drills } = DEFAULT_CONFIG.resilience.drills;
    expect(lambdaExtensionLayerArns).toEqual({});
    const config = validateConfig({
      ...DEFAULT_CONFIG,
      resilience: { ...DEFAULT_CONFIG.resilience, drills },
    });
    expect(config.resilience.drills.lambdaExtensionLayerArns).toEqual({});
  });

  it('accepts the arm64 extension layer of each Region, keyed by that Region', () => {
    const arns = { 'eu-west-3': LAYER, 'eu-central-1': LAYER.replace('eu-west-3', 'eu-central-1') };
    expect(testConfig(layers(arns)).resilience.drills.lambdaExtensionLayerArns).toEqual(arns);
  });

  it.each([
    [
      'not a layer version ARN',
      { 'eu-west-3': 'aws-fis-extension-arm64' },
      /resilience\.drills\.lambdaExtensionLayerArns\.eu-west-3: is not a Lambda layer version ARN.*received "aws-fis-extension-arm64"\. Fix: copy the arm64 ARN AWS publishes for that Region/,
    ],
    [
      'a layer ARN without version',
      { 'eu-west-3': LAYER.replace(/:12$/, '') },
      /lambdaExtensionLayerArns\.eu-west-3: is not a Lambda layer version ARN/,
    ],
    [
      'a layer of another Region',
      { 'eu-west-3': LAYER.replace('eu-west-3', 'eu-central-1') },
      /lambdaExtensionLayerArns\.eu-west-3: is a layer of eu-central-1, but Lambda attaches only layers of the function's own Region \(eu-west-3\).*received "arn:aws:lambda:eu-central-1:.*Fix: copy the arm64 ARN/,
    ],
    [
      'the x86_64 build',
      { 'eu-west-3': LAYER.replace('arm64', 'x86_64') },
      /lambdaExtensionLayerArns\.eu-west-3: is the x86_64 build of the extension, but Rempart functions run on arm64/,
    ],
    [
      'a key that is not an application Region',
      { 'us-east-1': LAYER.replace('eu-west-3', 'us-east-1') },
      /lambdaExtensionLayerArns\.us-east-1: names "us-east-1", which is not an application Region.*Fix: key each layer ARN by the Region/,
    ],
    [
      'a value that is not a string',
      { 'eu-west-3': 12 },
      /lambdaExtensionLayerArns\.eu-west-3: .*expected string/,
    ],
  ])('rejects %s, naming the field, the value and the fix', (_name, value, expected) => {
    expect(problemsFor(layers(value))).toMatch(expected);
  });

  it('says nothing about a valid ARN', () => {
    expect(fisExtensionLayerProblem('eu-west-3', LAYER)).toBeUndefined();
  });
});

// Copies land in the locked off-site vault, which refuses any retention outside its lock range.
describe('resilience retentions inside the vault lock range', () => {
  const resilience = (value: object) => ({ resilience: value });

  it.each([
    [
      'backup.continuousRetentionDays above vaultLock.maxRetentionDays',
      resilience({ backupRetentionDays: 30, vaultLock: { maxRetentionDays: 30 } }),
      /resilience\.backup\.continuousRetentionDays: is outside the vault lock range 7-30 days; the locked vault would refuse every continuous backup copy; received 35\. Fix: use a value inside vaultLock\.minRetentionDays\.\.maxRetentionDays/,
    ],
    [
      'backup.continuousRetentionDays below vaultLock.minRetentionDays',
      resilience({ backup: { continuousRetentionDays: 5 } }),
      /resilience\.backup\.continuousRetentionDays: is outside the vault lock range 7-400 days; .*received 5\. Fix: use a value inside/,
    ],
    [
      'backupRetentionDays outside the lock range',
      resilience({ backupRetentionDays: 500 }),
      /resilience\.backupRetentionDays: is outside the vault lock range 7-400 days; every copy job would fail; received 500\. Fix: use a value inside/,
    ],
  ])('rejects %s, naming the field, the value and the fix', (_name, overrides, expected) => {
    expect(problemsFor(overrides)).toMatch(expected);
  });

  it('accepts the default retentions', () => {
    const r = testConfig().resilience;
    expect(r.backup.continuousRetentionDays).toBeLessThanOrEqual(r.vaultLock.maxRetentionDays);
    expect(r.backup.continuousRetentionDays).toBeGreaterThanOrEqual(r.vaultLock.minRetentionDays);
  });
});

describe('failover detection budget against the declared Region RTO', () => {
  const r = testConfig().resilience;
  const sum = (steps: readonly { seconds: number }[]) => steps.reduce((a, s) => a + s.seconds, 0);

  it('adds up a missed probe run, the failing periods, metric publication, Route 53 and the TTL', () => {
    expect(probeDetectionBudget(r).map((s) => s.seconds)).toEqual([
      r.probes.rateMinutes * 60,
      r.probes.periodMinutes * 60 * r.probes.evaluationPeriods,
      METRIC_PUBLICATION_SECONDS,
      HEALTH_CHECK_PROPAGATION_SECONDS,
      r.failover.recordTtlSeconds,
    ]);
    expect(failoverDetectionSeconds(r)).toBe(
      Math.max(sum(probeDetectionBudget(r)), sum(ratioDetectionBudget(r))),
    );
  });

  it('fits the default configuration inside the declared Region RTO', () => {
    expect(failoverDetectionSeconds(r)).toBeLessThanOrEqual(r.objectives.region.rtoMinutes * 60);
    // 60 + 240 + 60 + 30 + 60 s with the defaults.
    expect(failoverDetectionSeconds(r)).toBe(450);
  });

  it('refuses probes too slow for the RTO, naming the settings to shorten', () => {
    expect(
      problemsFor({
        resilience: {
          regionRtoMinutes: 8,
          objectives: { region: { rtoMinutes: 8, rpoMinutes: 1 } },
          probes: { rateMinutes: 5, periodMinutes: 10, evaluationPeriods: 1 },
        },
      }),
    ).toMatch(
      /resilience\.objectives\.region\.rtoMinutes: is shorter than the automatic failover itself \(1050 s: a missed probe run.*Fix: raise it or shorten probes\.\*/,
    );
  });

  it('refuses an alarm period holding a single probe run', () => {
    expect(
      problemsFor({ resilience: { probes: { rateMinutes: 2, periodMinutes: 3, evaluationPeriods: 2 } } }),
    ).toMatch(
      /resilience\.probes\.periodMinutes: holds fewer than two probe runs \(one every 2 min\).*Fix: use at least 4/,
    );
  });
});
