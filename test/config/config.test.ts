import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config/load-config';
import { problemsFor } from '../helpers/config';

describe('default configuration', () => {
  it('is valid and keeps data in the EEA', () => {
    const config = loadConfig();
    expect(config.regions).toEqual({
      edge: 'us-east-1',
      primary: 'eu-west-3',
      secondary: 'eu-central-1',
      witness: 'eu-west-1',
    });
    expect(config.edge.shieldAdvanced.enabled).toBe(false);
    expect(config.compliance.pciDss).toBe(false);
  });
});

describe('bad configuration fails with the field, the value and the fix', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'wrong type',
      { booking: { surge: { eligiblePeople: 'many' } } },
      /booking\.surge\.eligiblePeople: .*expected number.*received "many".*Fix: set/,
    ],
    [
      'unknown data Region',
      { regions: { primary: 'eu-mars-1' } },
      /regions\.primary: data must stay in the EEA, but it is not an EEA Region.*received "eu-mars-1".*Fix: use one of eu-west-1/,
    ],
    [
      'not a Region at all',
      { regions: { secondary: 'paris' } },
      /regions\.secondary: .*not an AWS Region name.*received "paris"/,
    ],
    [
      'London is outside the EEA',
      { regions: { secondary: 'eu-west-2' } },
      /regions\.secondary: .*London, United Kingdom is outside the EEA.*received "eu-west-2".*Fix:/,
    ],
    [
      'Zurich is outside the EEA',
      { regions: { witness: 'eu-central-2' } },
      /regions\.witness: .*Zurich.*outside the EEA/,
    ],
    [
      'non-EEA data Region',
      { regions: { primary: 'us-east-1' } },
      /regions\.primary: data must stay in the EEA.*received "us-east-1"/,
    ],
    [
      'edge outside us-east-1',
      { regions: { edge: 'eu-west-3' } },
      /regions\.edge: must be "us-east-1".*received "eu-west-3".*Fix: set it to "us-east-1"/,
    ],
    [
      'primary = secondary',
      { regions: { secondary: 'eu-west-3' } },
      /regions\.secondary: is the same Region as regions\.primary.*received "eu-west-3".*Fix: choose three different/,
    ],
    [
      'witness = primary',
      { regions: { witness: 'eu-west-3' } },
      /regions\.witness: is the same Region as regions\.primary/,
    ],
    [
      'missing required field',
      { alerts: { email: undefined } },
      /alerts\.email: is missing\. Fix: add alerts\.email \(a string\)/,
    ],
    [
      'negative surge',
      { booking: { surge: { eligiblePeople: -5 } } },
      /booking\.surge\.eligiblePeople: .*received -5.*Fix: use a value above 0/,
    ],
    [
      'ratio above 1',
      { booking: { surge: { cacheHitRatio: 1.5 } } },
      /booking\.surge\.cacheHitRatio: .*received 1\.5.*Fix: use a value of at most 1/,
    ],
    [
      'peak below average',
      { booking: { surge: { peakToAverage: 0.5 } } },
      /booking\.surge\.peakToAverage: must be at least 1.*received 0\.5/,
    ],
    [
      'malformed e-mail',
      { alerts: { email: 'astreinte-at-example' } },
      /alerts\.email: is not an e-mail address.*received "astreinte-at-example"/,
    ],
    [
      'malformed domain',
      { booking: { domainName: 'rdv_example..fr' } },
      /booking\.domainName: is not a valid lower-case DNS name.*received "rdv_example\.\.fr"/,
    ],
    [
      'domain outside the hosted zone',
      { ent: { domainName: 'ent.autre-domaine.fr' } },
      /ent\.domainName: is not inside the hosted zone dns\.zoneName.*Fix: use a name ending in "\.rempart-demo\.fr"/,
    ],
    [
      'malformed hosted zone id',
      { dns: { hostedZoneId: 'zone-1' } },
      /dns\.hostedZoneId: is not a Route 53 hosted zone id.*received "zone-1"/,
    ],
    [
      'misspelt key',
      { edge: { shieldAdvaced: { enabled: true } } },
      /edge: Unrecognized key.*shieldAdvaced.*Fix: remove shieldAdvaced or correct the spelling/,
    ],
    [
      'wrong enum',
      { service: { stage: 'production' } },
      /service\.stage: .*received "production".*Fix: use one of "dev", "staging", "prod"/,
    ],
    [
      'EEA Region outside the strong-consistency set',
      { regions: { secondary: 'eu-north-1' } },
      /regions\.secondary: is outside the EU Region set where DynamoDB offers multi-Region strong consistency.*received "eu-north-1"\. Fix: use eu-west-1, eu-west-3, eu-central-1/,
    ],
    ['bad account id', { account: '1234' }, /account: must be a 12-digit AWS account id.*received "1234"/],
    [
      'bad service name',
      { service: { name: 'my service' } },
      /service\.name: must be PascalCase.*received "my service"/,
    ],
    [
      'bad time zone',
      { ent: { surge: { timeZone: 'Paris/France' } } },
      /ent\.surge\.timeZone: is not an IANA time zone.*received "Paris\/France"/,
    ],
    [
      'bad clock time',
      { ent: { surge: { preScaleAt: '7h15' } } },
      /ent\.surge\.preScaleAt: is not a 24-hour time.*received "7h15"/,
    ],
    [
      'bad opening date',
      { booking: { surge: { openingAt: '14/01/2027' } } },
      /booking\.surge\.openingAt: is not an ISO 8601 date-time.*received "14\/01\/2027"/,
    ],
    [
      'non-integer',
      { booking: { surge: { workerBookingsPerSecond: 2.5 } } },
      /booking\.surge\.workerBookingsPerSecond: .*received 2\.5/,
    ],
    [
      'boolean switch given a string',
      { edge: { shieldAdvanced: { enabled: 'yes' } } },
      /edge\.shieldAdvanced\.enabled: .*expected boolean.*received "yes"/,
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(problemsFor(overrides)).toMatch(expected);
  });

  it('reports every problem at once', () => {
    const message = problemsFor({ regions: { secondary: 'eu-west-2' }, alerts: { email: 'nope' } });
    expect(message).toMatch(/2 problem\(s\)/);
    expect(message).toMatch(/regions\.secondary/);
    expect(message).toMatch(/alerts\.email/);
  });
});

describe('loadConfig sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rempart-config-'));

  it('merges a file, then context overrides, over the default', () => {
    const file = join(dir, 'prod.json');
    writeFileSync(
      file,
      JSON.stringify({
        service: { stage: 'prod' },
        compliance: { pciDss: true },
        ent: { containerImage: `public.ecr.aws/nginx/nginx-unprivileged@sha256:${'a'.repeat(64)}` },
      }),
    );
    const config = loadConfig({ file, overrides: { alerts: { email: 'ops@rempart-demo.fr' } } });
    expect(config.service).toEqual({ name: 'Rempart', stage: 'prod', owner: 'plateforme-numerique' });
    expect(config.compliance.pciDss).toBe(true);
    expect(config.alerts.email).toBe('ops@rempart-demo.fr');
  });

  it('names the file when it is missing or not JSON', () => {
    expect(() => loadConfig({ file: join(dir, 'absent.json') })).toThrow(
      /Cannot read configuration file ".*absent\.json".*Fix:/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "service": ');
    expect(() => loadConfig({ file: broken })).toThrow(
      /broken\.json" is not valid JSON.*Fix: correct the JSON syntax/,
    );
  });

  it('names the source in validation errors', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ regions: { primary: 'eu-west-2' } }));
    expect(() => loadConfig({ file })).toThrow(/\(embedded default \+ .*bad\.json\)/);
  });

  it('rejects overrides that are not an object', () => {
    expect(() => loadConfig({ overrides: ['x'] })).toThrow(
      /overrides must be a JSON object, received \["x"\]/,
    );
  });
});
