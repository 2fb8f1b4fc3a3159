import { Match, Template } from 'aws-cdk-lib/assertions';
import { appAssembly } from '../helpers/app-assembly';
import { testConfig } from '../helpers/synth';
import { cacheKeyOf, type CachePolicyConfig } from './cache-key';
import { behavior, distributionConfig, webAclRules } from './cfn-types';
import { WebAclSimulator, type WafRequest } from './waf-evaluator';

// The real composition (booking and ENT stacks of both Regions), from the shared app assemblies:
// Shield switched off (the default) and on.
const off = appAssembly('default');
const on = appAssembly('shieldOn');
const offTemplate = off.template('Rempart-Edge');
const onTemplate = on.template('Rempart-Edge');
const resources = offTemplate.toJSON().Resources as Record<string, Record<string, unknown>>;
const config = testConfig();

/** The resources of one workload's distribution (its logical ids start with the workload id). */
function workloadOnly(type: string, id: 'Booking' | 'Ent'): Template {
  return Template.fromJSON({
    Resources: Object.fromEntries(
      Object.entries(offTemplate.findResources(type)).filter(([k]) => k.startsWith(id)),
    ),
  });
}

describe('edge of the whole app', () => {
  it('has one CLOUDFRONT web ACL and one distribution per workload', () => {
    offTemplate.resourceCountIs('AWS::WAFv2::WebACL', 2);
    offTemplate.resourceCountIs('AWS::CloudFront::Distribution', 2);
    for (const domain of ['rdv.rempart-demo.fr', 'ent.rempart-demo.fr']) {
      offTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: [domain],
          WebACLId: Match.anyValue(),
          ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
        }),
      });
    }
  });

  it('blocks a cookie-less, cookie-rotating write flood at the per-client limit on both web ACLs', () => {
    for (const [id, limit, uri] of [
      ['Booking', config.edge.booking.clientLimits.limits[0].limit, '/api/booking%73'],
      ['Ent', config.edge.ent.clientLimits.limits[0].limit * 10, '/messages'],
    ] as const) {
      const [acl] = WebAclSimulator.webAcls(resources).filter((a) => a.startsWith(id));
      const sim = new WebAclSimulator(resources, acl);
      const flood = (i: number): WafRequest => ({
        ip: '198.51.100.7',
        method: i % 2 ? 'DELETE' : 'POST',
        uri,
        ja4: 't13d1516h2_8daaf6152771_b0da82dd1658',
        cookies: { 'rempart-session': `forged-${i}` },
        bodyBytes: 100,
        at: i * 0.05,
      });
      const verdicts = Array.from({ length: limit + 1 }, (_, i) => sim.evaluate(flood(i)));
      expect([id, verdicts.findIndex((v) => v.action === 'BLOCK'), verdicts[limit].status]).toEqual([
        id,
        limit,
        429,
      ]);
    }
  });

  it('keys the booking read cache on the path only: a random query string is a cache hit', () => {
    const booking = distributionConfig(workloadOnly('AWS::CloudFront::Distribution', 'Booking'));
    const read = behavior(booking, '/api/*');
    const policyId = (read.CachePolicyId as { Ref: string }).Ref;
    const policy = offTemplate.findResources('AWS::CloudFront::CachePolicy')[policyId];
    const key = cacheKeyOf(policy.Properties.CachePolicyConfig as CachePolicyConfig);
    expect(key('/api/centres/c1/slots?r=1')).toBe(key('/api/centres/c1/slots?r=2'));
    for (const p of Object.values(offTemplate.findResources('AWS::CloudFront::CachePolicy'))) {
      expect(
        p.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig
          .QueryStringBehavior,
      ).not.toBe('all');
    }
  });

  it('puts the origin secret generation in the resources that read the secret, so a bump re-reads it', () => {
    offTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Comment: Match.stringLikeRegexp('rdv\\.rempart-demo\\.fr \\(origin secret generation 1\\)'),
      }),
    });
    off.template('Rempart-Booking-Api-eu-west-3').hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Description: Match.stringLikeRegexp(', secret generation 1$'),
    });
  });

  it("issues the rate rules' session cookie on both distributions, so NAT-shared viewers are counted apart", () => {
    // One per distribution, plus the booking waiting room's admission gate (test/admission/wiring.app.test.ts).
    offTemplate.resourceCountIs('AWS::CloudFront::Function', 3);
    offTemplate.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: Match.stringLikeRegexp("event\\.request\\.cookies\\['rempart-session'\\]"),
    });
  });

  it('keeps every edge log group a year under a customer-managed key', () => {
    for (const g of Object.values(offTemplate.findResources('AWS::Logs::LogGroup'))) {
      expect(g.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] });
    }
  });

  it("routes booking writes to the failover name and reads to the two Regions' APIs", () => {
    const booking = distributionConfig(workloadOnly('AWS::CloudFront::Distribution', 'Booking'));
    const write = behavior(booking, '/api/bookings');
    expect(booking.Origins.find((o) => o.Id === write.TargetOriginId)?.DomainName).toBe(
      'origin.rdv.rempart-demo.fr',
    );
    const read = behavior(booking, '/api/*');
    expect(booking.OriginGroups.Items.map((g) => g.Id)).toContain(read.TargetOriginId);
    // Personal reads and cancels (/api/bookings/{requestId}) carry a bearer token: never cached,
    // they take the write behaviour, which forwards Authorization to the failover name.
    const personal = behavior(booking, '/api/bookings/*');
    expect(personal.TargetOriginId).toBe(write.TargetOriginId);
  });

  it('puts the ENT write limit family on the ENT web ACL', () => {
    expect(webAclRules(workloadOnly('AWS::WAFv2::WebACL', 'Ent')).map((r) => r.Name)).toEqual(
      expect.arrayContaining([
        'EntWrites',
        'EntWritesPerClient',
        'EntWritesPerAddress',
        'EntWritesPerIpv6Address',
      ]),
    );
  });

  it("guards each Region's booking API with its origin web ACL and rotates its secret", () => {
    for (const region of ['eu-west-3', 'eu-central-1']) {
      const api = off.template(`Rempart-Booking-Api-${region}`);
      api.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
      api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      api.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      api.hasResourceProperties('AWS::SecretsManager::Secret', {
        ReplicaRegions: [{ Region: 'us-east-1', KmsKeyId: 'alias/rempart/origin-secret-replicas' }],
      });
    }
  });

  it('synthesizes nothing Shield-specific with the switch off', () => {
    for (const type of [
      'AWS::Shield::Protection',
      'AWS::Shield::ProtectionGroup',
      'AWS::Shield::ProactiveEngagement',
    ]) {
      offTemplate.resourceCountIs(type, 0);
    }
  });

  it('with the switch on, protects both distributions, the zone and both ENT load balancers, in one group', () => {
    const names = Object.values(onTemplate.findResources('AWS::Shield::Protection')).map(
      (p) => (p as { Properties: { Name: string } }).Properties.Name,
    );
    expect(names.sort()).toEqual([
      'booking-distribution',
      'ent-alb-eu-central-1',
      'ent-alb-eu-west-3',
      'ent-distribution',
      'hosted-zone',
    ]);
    const [group] = Object.values(onTemplate.findResources('AWS::Shield::ProtectionGroup')) as Array<{
      Properties: { Members: unknown[]; Pattern: string };
    }>;
    expect(group.Properties.Pattern).toBe('ARBITRARY');
    expect(group.Properties.Members).toHaveLength(5);
    onTemplate.resourceCountIs('AWS::Route53::HealthCheck', 2);
    onTemplate.resourceCountIs('AWS::Shield::ProactiveEngagement', 1);
  });
});
