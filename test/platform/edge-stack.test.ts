import { Match, Template } from 'aws-cdk-lib/assertions';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import { distributionConfig, webAclRules } from '../edge/cfn-types';
import { EdgeKeyStack } from '../../lib/platform/edge-stack';
import { edgeApp } from '../edge/fixtures';
import { testApp } from '../helpers/synth';

// Synthesized once each: Shield off (the default) and Shield on with proactive engagement.
const off = edgeApp();
const offTemplate = Template.fromStack(off.edge);
const on = edgeApp({
  edge: {
    shieldAdvanced: {
      enabled: true,
      proactiveEngagement: {
        enabled: true,
        contacts: [{ email: 'soc@rempart-demo.fr', phone: '+33123456789' }],
      },
    },
  },
});
const onTemplate = Template.fromStack(on.edge);

describe('EdgeStack (booking in front of two stand-in Regions)', () => {
  it('lives in us-east-1 with a CLOUDFRONT-scope web ACL attached to the booking distribution', () => {
    expect(off.edge.region).toBe('us-east-1');
    offTemplate.resourceCountIs('AWS::WAFv2::WebACL', 1);
    offTemplate.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    offTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BookingFirewall'), 'Arn'] },
        Aliases: ['rdv.rempart-demo.fr'],
      }),
    });
  });

  it('uses the configured client limits (writes 100 per client, requests 500, floors sized from configuration)', () => {
    const limits = Object.fromEntries(
      webAclRules(offTemplate).flatMap((r) =>
        r.Statement.RateBasedStatement ? [[r.Name, r.Statement.RateBasedStatement.Limit]] : [],
      ),
    );
    expect(limits).toEqual({
      BookingWrites: 100,
      BookingWritesPerClient: 100,
      BookingWritesPerAddress: 4000,
      BookingWritesPerIpv6Address: 100,
      AllRequests: 500,
      AllRequestsPerAddress: 20000,
      AllRequestsPerIpv6Address: 500,
    });
    const body = webAclRules(offTemplate).find((r) => r.Name === 'BodySizeLimit');
    expect(body?.Action).toMatchObject({ Block: { CustomResponse: { ResponseCode: 413 } } });
  });

  it("keeps WAF and CloudFront access logs a year, encrypted with the stack's customer-managed log key", () => {
    const groups = Object.values(offTemplate.findResources('AWS::Logs::LogGroup')) as Array<{
      Properties: { LogGroupName?: string; RetentionInDays: number; KmsKeyId: unknown };
    }>;
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const g of groups) {
      expect(g.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogKey/), 'Arn'] });
    }
  });

  it("serves the site from both Regions' buckets through origin access control", () => {
    const s3Origins = distributionConfig(offTemplate).Origins.filter((o) => o.S3OriginConfig);
    expect(s3Origins).toHaveLength(3); // primary site, replica site, retry page
    for (const o of s3Origins) expect(o.OriginAccessControlId).toBeDefined();
    const domains = JSON.stringify(s3Origins.map((o) => o.DomainName));
    expect(domains).toContain('.s3.eu-west-3.');
    expect(domains).toContain('.s3.eu-central-1.');
  });

  it("sends every Region's origin secret, resolved from Secrets Manager at deploy time, to the API origins", () => {
    const apiOrigins = distributionConfig(offTemplate).Origins.filter(
      (o) => o.CustomOriginConfig && o.OriginCustomHeaders,
    );
    // The write origin, and each Region's API once per read behaviour (API reads, waiting-room
    // status and tickets): CloudFront origin groups take origins of their own.
    expect(apiOrigins).toHaveLength(5);
    for (const o of apiOrigins) {
      expect(o.OriginCustomHeaders).toEqual([
        {
          HeaderName: 'x-rempart-origin-verify-eu-west-3',
          HeaderValue: '{{resolve:secretsmanager:rempart/origin-verify/eu-west-3:SecretString:::}}',
        },
        {
          HeaderName: 'x-rempart-origin-verify-eu-central-1',
          HeaderValue: '{{resolve:secretsmanager:rempart/origin-verify/eu-central-1:SecretString:::}}',
        },
      ]);
    }
    expect(apiOrigins.map((o) => o.DomainName)).toContainEqual('origin.rdv.rempart-demo.fr');
  });

  it('alarms in us-east-1 on the 5xx rate, origin latency and blocked requests, paging the on-call address', () => {
    offTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/CloudFront',
      MetricName: '5xxErrorRate',
      Threshold: 5,
      // CloudFront files its metrics under DistributionId and Region "Global": both are needed.
      Dimensions: [
        { Name: 'DistributionId', Value: Match.anyValue() },
        { Name: 'Region', Value: 'Global' },
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    offTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/CloudFront',
      MetricName: 'OriginLatency',
      ExtendedStatistic: 'p90',
      Threshold: 3000,
    });
    offTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Threshold: 10000,
      Dimensions: Match.arrayWith([{ Name: 'Rule', Value: 'ALL' }]),
    });
    offTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'astreinte@rempart-demo.fr',
    });
    offTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('synthesizes nothing Shield-specific while the switch is off', () => {
    for (const type of [
      'AWS::Shield::Protection',
      'AWS::Shield::ProtectionGroup',
      'AWS::Shield::ProactiveEngagement',
      'AWS::Route53::HealthCheck',
    ]) {
      offTemplate.resourceCountIs(type, 0);
    }
    expect(off.edge.ddosProtection).toBeUndefined();
  });

  it('with the switch on, protects the distribution and the hosted zone, in one group, with health-based detection', () => {
    onTemplate.hasResourceProperties('AWS::Shield::Protection', {
      ResourceArn: Match.anyValue(),
      Name: 'booking-distribution',
      HealthCheckArns: [Match.anyValue()],
      ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Count: {} } },
    });
    onTemplate.hasResourceProperties('AWS::Shield::Protection', {
      Name: 'hosted-zone',
      ResourceArn: 'arn:aws:route53:::hostedzone/Z0REMPARTDEMO00000000',
    });
    onTemplate.hasResourceProperties('AWS::Shield::ProtectionGroup', {
      Pattern: 'ARBITRARY',
      Aggregation: 'MAX',
    });
    onTemplate.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: {
          Name: { Ref: Match.stringLikeRegexp('^BookingServerErrorRate') },
          Region: 'us-east-1',
        },
        InsufficientDataHealthStatus: 'LastKnownStatus',
      },
    });
    onTemplate.hasResourceProperties('AWS::Shield::ProactiveEngagement', {
      EmergencyContactList: [{ EmailAddress: 'soc@rempart-demo.fr', PhoneNumber: '+33123456789' }],
    });
  });

  it('leaves no compliance finding in the edge and origin constructs (stand-in API and bucket excluded)', () => {
    const findings = compliancePacks(on.app).flatMap((pack) =>
      pack
        .validateScope(on.app)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? ''}`)),
    );
    const ours = findings.filter((f) => !/StandIn-[a-z0-9-]+\/(Api|Site)\//.test(f));
    expect(ours).toEqual([]);
  });
});

describe('EdgeKeyStack', () => {
  it('lets the replica key be used through Secrets Manager in us-east-1 only', () => {
    const policy = JSON.stringify(Template.fromStack(off.edgeKeys).toJSON());
    expect(policy).toContain('secretsmanager.us-east-1.amazonaws.com');
    expect(policy).not.toMatch(/(dynamodb|sqs|s3)\.us-east-1\.amazonaws\.com/);
  });

  it('refuses a Region other than us-east-1', () => {
    const app = testApp();
    expect(() => new EdgeKeyStack(app, 'Keys', { config: off.config, env: { region: 'eu-west-3' } })).toThrow(
      /EdgeKeyStack Keys: the stack is in eu-west-3\. Fix: give it env\.region us-east-1/,
    );
  });
});

describe('RegionalApiOrigin (in each stand-in Region)', () => {
  const primary = Template.fromStack(off.regions[0].stack);

  it("generates the origin secret, encrypted, replicated to us-east-1 under the edge key stack's key", () => {
    primary.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'rempart/origin-verify/eu-west-3',
      KmsKeyId: Match.anyValue(),
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
      ReplicaRegions: [{ Region: 'us-east-1', KmsKeyId: 'alias/rempart/origin-secret-replicas' }],
    });
    Template.fromStack(off.edgeKeys).hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/rempart/origin-secret-replicas',
    });
    Template.fromStack(off.edgeKeys).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(off.regions[0].stack.dependencies).toContain(off.edgeKeys);
  });

  it('guards the API stage with a REGIONAL web ACL that requires the header (current or previous value)', () => {
    const match = {
      ByteMatchStatement: Match.objectLike({
        FieldToMatch: { SingleHeader: { Name: 'x-rempart-origin-verify-eu-west-3' } },
        SearchString: { 'Fn::Join': Match.anyValue() },
      }),
    };
    primary.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({
          Name: 'RejectWithoutOriginHeader',
          Statement: { NotStatement: { Statement: { OrStatement: { Statements: [match, match] } } } },
        }),
      ],
    });
    primary.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeOriginFirewall'), 'Arn'] },
    });
  });

  it('gives the write path a regional custom domain (TLS 1.2) behind a health-checked latency record', () => {
    primary.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'origin.rdv.rempart-demo.fr',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    primary.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.rdv.rempart-demo.fr.',
      Type: 'CNAME',
      Region: 'eu-west-3',
      SetIdentifier: 'eu-west-3',
      HealthCheckId: Match.anyValue(),
    });
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Average',
      Threshold: 0.05,
    });
    primary.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: Match.objectLike({ Region: 'eu-west-3' }),
      }),
    });
  });
});
