import { validateConfig } from '../../lib/config/load-config';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { problemsFor } from '../helpers/config';

// Each contradiction or exceeded AWS limit is reported as the configuration field, the value and
// the fix, at load: never later as a stack trace from a construct or from CDK.
describe('cross-field configuration checks', () => {
  it('accept the embedded default', () => {
    expect(() => validateConfig(DEFAULT_CONFIG)).not.toThrow();
  });

  it.each([
    [
      'a misspelt Region key',
      { ent: { network: { availabilityZones: { 'eu-west3': ['eu-west-3a'] } } } },
      /ent\.network\.availabilityZones\.eu-west3: is not one of the Regions this map may name \(eu-west-1, .*\).*Fix: correct the Region name/,
    ],
    [
      'a FIS layer for a Region the app does not use',
      {
        resilience: {
          drills: {
            lambdaExtensionLayerArns: {
              'eu-west-1': 'arn:aws:lambda:eu-west-1:222222222222:layer:aws-fis-extension-arm64:9',
            },
          },
        },
      },
      /resilience\.drills\.lambdaExtensionLayerArns\.eu-west-1: is not one of the Regions this map may name \(eu-west-3, eu-central-1\)/,
    ],
    [
      'every Region evacuated',
      { resilience: { failover: { evacuatedRegions: ['eu-west-3', 'eu-central-1'] } } },
      /resilience\.failover\.evacuatedRegions: evacuates every application Region.*fails open.*Fix: keep at least one Region/,
    ],
    [
      'the same domain for two workloads',
      { ent: { domainName: 'rdv.rempart-demo.fr' } },
      /ent\.domainName: is also booking\.domainName.*Fix: give each workload its own name/,
    ],
    [
      'a cold cache better than a warm one',
      { booking: { surge: { cacheHitRatio: 0.8, coldCacheHitRatio: 0.9 } } },
      /booking\.surge\.coldCacheHitRatio: is above surge\.cacheHitRatio \(0\.8\).*; received 0\.9\. Fix: set it at or below 0\.8/,
    ],
    [
      'a batch that cannot finish within the function timeout',
      { booking: { worker: { batchSize: 10, secondsPerBooking: 5, timeoutSeconds: 30 } } },
      /booking\.worker\.timeoutSeconds: is shorter than one batch takes \(10 × 5 s = 50 s\).*Fix: raise it above 50/,
    ],
    [
      'a scoped write limit above the limit on every request',
      {
        edge: {
          ent: {
            clientLimits: {
              limits: [
                { name: 'Writes', limit: 2_000, windowSeconds: 300, scope: { methods: ['POST'] } },
                { name: 'All', limit: 1_000, windowSeconds: 300 },
              ],
            },
          },
        },
      },
      /edge\.ent\.clientLimits\.limits\.0\.limit: is not below the limit "All" on every request \(1000 per 300 s\).*Fix: set it below 1000/,
    ],
    [
      'more rate rules than a web ACL holds',
      {
        edge: {
          ent: {
            rateRules: Array.from({ length: 11 }, (_, i) => ({
              name: `Extra${i}`,
              limit: 1_000 + i,
              windowSeconds: 300,
              keys: [{ type: 'ip' }],
              action: 'block',
            })),
          },
        },
      },
      /edge\.ent: .*rate-based rules/,
    ],
    [
      'more tasks than an ALB takes targets',
      { ent: { scaling: { maxTasks: 1_500 } } },
      /ent\.scaling\.maxTasks: is above the 1000 targets an Application Load Balancer accepts/,
    ],
    [
      'a tag key in the prefix AWS reserves',
      { resilience: { backup: { selectionTagKey: 'aws:backup' } } },
      /resilience\.backup\.selectionTagKey: starts with "aws:", a prefix AWS reserves/,
    ],
    [
      'a time zone alias instead of its canonical name',
      { ent: { surge: { timeZone: 'Europe/Belfast' } } },
      /ent\.surge\.timeZone: is not a canonical IANA time zone.*Fix: use "Europe\/London"/,
    ],
  ])('name %s', (_what, overrides, message) => {
    expect(problemsFor(overrides)).toMatch(message);
  });
});
