import type { Template } from 'aws-cdk-lib/assertions';
import { ADMISSION_ENV } from '../../lambda/admission/handlers/runtime';
import { BOOKING_ADMISSION_GATE_ID } from '../../lib/workloads/booking';
import { cacheKeyOf, type CachePolicyConfig } from '../edge/cache-key';
import { type CfnBehavior, type CfnDistributionConfig } from '../edge/cfn-types';
import { appAssembly } from '../helpers/app-assembly';
import { testConfig } from '../helpers/synth';

// The default app's booking behind the waiting room, end to end, read from the shared assembly.
const app = appAssembly('default');
const config = testConfig();
const edge = app.template('Rempart-Edge');
const regions = [config.regions.primary, config.regions.secondary];

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (t: Template) => t.toJSON().Resources as Resources;
const ofType = (t: Template, type: string) =>
  Object.entries(resourcesOf(t)).filter(([, r]) => r.Type === type);

const bookingDistribution = (() => {
  const found = ofType(edge, 'AWS::CloudFront::Distribution').find(([id]) => id.startsWith('Booking'));
  if (!found) throw new Error('no booking distribution in Rempart-Edge');
  return found[1].Properties.DistributionConfig as CfnDistributionConfig;
})();
const [gateId] = ofType(edge, 'AWS::CloudFront::Function').find(([id]) =>
  id.startsWith(BOOKING_ADMISSION_GATE_ID),
) ?? [undefined];

/** CloudFront path-pattern matching ("*" any run, "?" one character), case-sensitive. */
function matches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(path);
}
/** The behaviour CloudFront uses for a path: the first pattern that matches, else the default. */
function behaviourFor(path: string): CfnBehavior {
  return (
    bookingDistribution.CacheBehaviors.find((b) => b.PathPattern && matches(b.PathPattern, path)) ??
    bookingDistribution.DefaultCacheBehavior
  );
}
const gated = (b: CfnBehavior) =>
  (b.FunctionAssociations ?? []).some(
    (f) =>
      f.EventType === 'viewer-request' &&
      JSON.stringify(f.FunctionARN) === JSON.stringify({ 'Fn::GetAtt': [gateId, 'FunctionARN'] }),
  );

// Managed policies (AWS documentation, "Use managed cache policies" / "managed origin request policies").
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('booking behind the waiting room (default app)', () => {
  it('runs the admission gate at viewer request on the booking write and the booking pages', () => {
    expect(gateId).toMatch(new RegExp(`^${BOOKING_ADMISSION_GATE_ID}`));
    expect(behaviourFor('/api/bookings').PathPattern).toBe('/api/bookings');
    expect(gated(behaviourFor('/api/bookings'))).toBe(true);
    // Pages: the default behaviour (the static front end).
    expect(behaviourFor('/index.html')).toBe(bookingDistribution.DefaultCacheBehavior);
    expect(gated(bookingDistribution.DefaultCacheBehavior)).toBe(true);
  });

  it('never gates the waiting room itself (a gate in front of it would loop), nor shared reads', () => {
    for (const path of [
      '/admission/join',
      '/admission/enter',
      '/admission/position',
      '/admission/status',
      '/admission/ticket/abc',
      '/waiting/index.html',
      '/waiting/waiting.js',
      '/api/centres',
    ]) {
      expect([path, gated(behaviourFor(path))]).toEqual([path, false]);
    }
    // No gate on any admission or waiting behaviour at all, whatever its event type.
    for (const b of bookingDistribution.CacheBehaviors.filter((x) =>
      /^\/(admission|waiting)\//.test(x.PathPattern ?? ''),
    )) {
      expect(JSON.stringify(b.FunctionAssociations ?? [])).not.toContain(gateId as string);
    }
  });

  it("caches /admission/status at the edge for the origin's max-age, with nothing personal in the key", () => {
    const status = behaviourFor('/admission/status');
    expect(status.PathPattern).toBe('/admission/status');
    expect(status.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    const policyId = (status.CachePolicyId as { Ref?: string }).Ref;
    expect(policyId).toEqual(expect.any(String));
    const policy = resourcesOf(edge)[policyId as string].Properties.CachePolicyConfig as CachePolicyConfig & {
      MinTTL: number;
      MaxTTL: number;
    };
    // The origin answers max-age=2 (contract STATUS_CACHE_SECONDS): honoured when MinTTL <= 2 <= MaxTTL.
    expect(policy.MinTTL).toBe(0);
    expect(policy.MaxTTL).toBeGreaterThanOrEqual(2);
    const key = cacheKeyOf(policy); // throws if a header or cookie is in the key
    expect(key('/admission/status?r=123&ticket=x')).toBe(key('/admission/status'));
    expect((status as unknown as { OriginRequestPolicyId?: unknown }).OriginRequestPolicyId).toBeUndefined();
  });

  it('sends join, enter and position uncached to the write origin, with cookies and Content-Type', () => {
    const write = behaviourFor('/api/bookings');
    for (const path of ['/admission/join', '/admission/enter', '/admission/position']) {
      const b = behaviourFor(path) as CfnBehavior & { OriginRequestPolicyId?: unknown };
      expect(b.PathPattern).toBe('/admission/*');
      expect(b.CachePolicyId).toBe(CACHING_DISABLED);
      expect(b.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
      expect(b.AllowedMethods).toContain('POST');
      expect(b.TargetOriginId).toBe(write.TargetOriginId);
    }
    // Tickets: cached reads on the API origins, keyed on the path only.
    const ticket = behaviourFor('/admission/ticket/abc');
    expect(ticket.PathPattern).toBe('/admission/ticket/*');
    expect(ticket.CachePolicyId).not.toBe(CACHING_DISABLED);
  });

  it('serves the static waiting page from the page bucket, published by the stack', () => {
    const page = behaviourFor('/waiting/index.html');
    expect(page.PathPattern).toBe('/waiting/*');
    const published = ofType(edge, 'Custom::RempartStaticPage').flatMap(([, r]) =>
      (r.Properties.Pages as Array<{ Key: string; Body: string }>).map((p) => p),
    );
    const keys = published.map((p) => p.Key);
    expect(keys).toEqual(
      expect.arrayContaining(['waiting/index.html', 'waiting/waiting.js', 'waiting/waiting.css']),
    );
    expect(published.find((p) => p.Key === 'waiting/index.html')?.Body).toContain('http-equiv="refresh"');
  });

  it('keeps the KeyValueStore and the gate in the edge stack, and no key material in any template', () => {
    const kvs = ofType(edge, 'AWS::CloudFront::KeyValueStore');
    expect(kvs).toHaveLength(1);
    const fn = resourcesOf(edge)[gateId as string].Properties as {
      FunctionConfig: { Runtime: string; KeyValueStoreAssociations: Array<{ KeyValueStoreARN: unknown }> };
    };
    expect(fn.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.FunctionConfig.KeyValueStoreAssociations).toEqual([
      { KeyValueStoreARN: { 'Fn::GetAtt': [kvs[0][0], 'Arn'] } },
    ]);
    const secrets = ofType(edge, 'AWS::SecretsManager::Secret').filter(([id]) =>
      id.startsWith(BOOKING_ADMISSION_GATE_ID),
    );
    expect(secrets).toHaveLength(2);
    for (const [, s] of secrets) {
      expect(s.Properties.GenerateSecretString).toEqual(expect.objectContaining({ PasswordLength: 64 }));
      // Replicated into both Regions, where the cookie issuers read them.
      expect((s.Properties.ReplicaRegions as Array<{ Region: string }>).map((r) => r.Region)).toEqual(
        regions,
      );
    }
    for (const name of Object.keys(app.stacks)) {
      const t = app.template(name);
      for (const [, s] of ofType(t, 'AWS::SecretsManager::Secret'))
        expect(s.Properties.SecretString).toBeUndefined();
      // The store is filled from secret ARNs at deploy time; no value travels in a template.
      for (const [, c] of ofType(t, 'Custom::RempartAdmissionStore')) {
        expect(Object.keys(c.Properties).sort()).toEqual(
          [
            'CurrentKid',
            'EventId',
            'Generation',
            'KvsArn',
            'PathClasses',
            'ServiceToken',
            'SigningKeySecretArns',
          ].sort(),
        );
        expect(c.Properties.EventId).toBe(config.booking.waitingRoom.eventId);
      }
    }
  });

  it.each(regions)(
    'puts the origin half in %s: join queue, controller schedule, stuck-cursor alarm, derived pace',
    (region) => {
      const api = app.template(`Rempart-Booking-Api-${region}`);
      const ids = (type: string) => ofType(api, type).map(([id]) => id);
      expect(ids('AWS::SQS::Queue')).toEqual(
        expect.arrayContaining([expect.stringMatching(/^AdmissionQueue/)]),
      );
      const controller = ofType(api, 'AWS::Lambda::Function').find(([id]) =>
        id.startsWith('AdmissionController'),
      );
      expect(controller).toBeDefined();
      const rules = ofType(api, 'AWS::Events::Rule').filter(([id]) =>
        id.startsWith('AdmissionControllerSchedule'),
      );
      expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
      expect(JSON.stringify(rules[0][1].Properties.Targets)).toContain(controller?.[0] as string);
      const stuck = ofType(api, 'AWS::CloudWatch::Alarm').filter(([id]) =>
        id.startsWith('AdmissionStuckCursorAlarm'),
      );
      expect(stuck).toHaveLength(1);
      expect(stuck[0][1].Properties.TreatMissingData).toBe('breaching');
      // The pace: people the booking worker absorbs per second, not its bookings per second.
      const env = (controller?.[1].Properties.Environment as { Variables: Record<string, string> }).Variables;
      const settings = JSON.parse(env[ADMISSION_ENV.settings]) as {
        admitPerSecond: number;
        regions: string[];
      };
      expect(settings.admitPerSecond).toBeCloseTo(
        config.booking.settings.capacity.admittedPeoplePerSecond,
        6,
      );
      expect(settings.admitPerSecond).not.toBeCloseTo(config.booking.surge.workerBookingsPerSecond, 0);
      expect(settings.regions).toEqual(regions);
      // Paged through the Region's alert topic by the resilience stack (a composite of its own).
      const resilience = app.template(`Rempart-Resilience-${region}`);
      const paged = ofType(resilience, 'AWS::CloudWatch::CompositeAlarm').filter(([id]) =>
        id.startsWith('BookingWaitingRoomAlarm'),
      );
      expect(paged).toHaveLength(1);
      expect(JSON.stringify(paged[0][1].Properties.AlarmRule)).toContain(stuck[0][0]);
      expect(paged[0][1].Properties.AlarmActions).toEqual([
        expect.objectContaining({ Ref: expect.stringMatching(/AlertTopic/) }),
      ]);
    },
  );
});
