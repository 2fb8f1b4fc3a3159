import { Match, Template } from 'aws-cdk-lib/assertions';
import { behavior, distributionConfig, webAclRules } from './cfn-types';
import { composeTestApp, testConfig , regionsOf } from '../helpers/synth';

// The real composition (booking and ENT stacks of both Regions), Shield switched on and off.
const on = composeTestApp(
  testConfig({
    edge: {
      shieldAdvanced: {
        enabled: true,
        proactiveEngagement: { enabled: true, contacts: [{ email: 'soc@rempart-demo.fr' }] },
      },
    },
  }),
).stacks;
const onTemplate = Template.fromStack(on.edge);
const off = composeTestApp().stacks;
const offTemplate = Template.fromStack(off.edge);

describe('edge of the whole app', () => {
  it('has one CLOUDFRONT web ACL and one distribution per workload', () => {
    offTemplate.resourceCountIs('AWS::WAFv2::WebACL', 2);
    offTemplate.resourceCountIs('AWS::CloudFront::Distribution', 2);
    // Only booking has micro-cached reads; the ENT is uncached.
    offTemplate.resourceCountIs('AWS::CloudFront::CachePolicy', 1);
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

  it('puts the origin secret generation in the resources that read the secret, so a bump re-reads it', () => {
    const bumped = Template.fromStack(
      composeTestApp(testConfig({ edge: { originVerify: { generation: 2 } } })).stacks.edge,
    );
    for (const [t, generation] of [
      [offTemplate, 1],
      [bumped, 2],
    ] as const) {
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Comment: Match.stringLikeRegexp(
            `rdv\\.rempart-demo\\.fr \\(origin secret generation ${generation}\\)`,
          ),
        }),
      });
    }
    Template.fromStack(regionsOf(off)[0].bookingApi).hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Description: Match.stringLikeRegexp(', secret generation 1$'),
    });
  });

  it("issues the rate rules' session cookie on both distributions, so NAT-shared viewers are counted apart", () => {
    offTemplate.resourceCountIs('AWS::CloudFront::Function', 2);
    offTemplate.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: Match.stringLikeRegexp("event\\.request\\.cookies\\['rempart-session'\\]"),
    });
  });

  it("serves the ENT through VPC origins to both Regions' internal load balancers, over HTTPS", () => {
    offTemplate.resourceCountIs('AWS::CloudFront::VpcOrigin', 2);
    offTemplate.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      }),
    });
    const ent = Template.fromJSON({
      Resources: Object.fromEntries(
        Object.entries(offTemplate.findResources('AWS::CloudFront::Distribution')).filter(([id]) =>
          id.startsWith('Ent'),
        ),
      ),
    });
    const config = distributionConfig(ent);
    expect(config.DefaultCacheBehavior.AllowedMethods).toContain('POST');
    expect(config.OriginGroups.Items).toHaveLength(1);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(config.OriginGroups.Items[0].Id);
    const domains = config.Origins.filter((o) => 'VpcOriginConfig' in o).map((o) => o.DomainName);
    expect(domains).toEqual([
      'origin-eu-west-3.ent.rempart-demo.fr',
      'origin-eu-central-1.ent.rempart-demo.fr',
    ]);
  });

  it("routes booking writes to the failover name and reads to the two Regions' APIs", () => {
    const booking = Template.fromJSON({
      Resources: Object.fromEntries(
        Object.entries(offTemplate.findResources('AWS::CloudFront::Distribution')).filter(([id]) =>
          id.startsWith('Booking'),
        ),
      ),
    });
    const config = distributionConfig(booking);
    const write = behavior(config, '/api/bookings');
    expect(config.Origins.find((o) => o.Id === write.TargetOriginId)?.DomainName).toBe(
      'origin.rdv.rempart-demo.fr',
    );
    const read = behavior(config, '/api/*');
    expect(config.OriginGroups.Items.map((g) => g.Id)).toContain(read.TargetOriginId);
    // Status polls (GET /api/bookings/{requestId}) must reach the micro-cached read behaviour, not
    // the uncached write one: only the exact write path is routed apart.
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).not.toContain('/api/bookings/*');
    expect(read.CachePolicyId).toEqual({ Ref: expect.stringMatching(/ReadMicroCache/) });
  });

  it('puts the ENT write rate rule and per-client rules on the ENT web ACL', () => {
    const ent = Template.fromJSON({
      Resources: Object.fromEntries(
        Object.entries(offTemplate.findResources('AWS::WAFv2::WebACL')).filter(([id]) =>
          id.startsWith('Ent'),
        ),
      ),
    });
    expect(webAclRules(ent).map((r) => r.Name)).toEqual(
      expect.arrayContaining(['EntWrites', 'PerClient', 'PerAddress']),
    );
  });

  it("guards each Region's booking API with its origin web ACL", () => {
    for (const r of regionsOf(off)) {
      Template.fromStack(r.bookingApi).hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
      Template.fromStack(r.bookingApi).resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
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
