import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  EdgeFirewall,
  type EdgeFirewallProps,
  type RateRule,
} from '../../lib/constructs/edge-firewall/edge-firewall';
import { type CfnRateBasedStatement, type CfnWafRule, webAclRules } from '../edge/cfn-types';
import { testConfig, testStack } from '../helpers/synth';

const config = testConfig();
const booking = config.edge.booking;

function firewall(props: Partial<EdgeFirewallProps> = {}, region = 'us-east-1') {
  const stack = testStack(region);
  const fw = new EdgeFirewall(stack, 'Firewall', {
    scope: 'CLOUDFRONT',
    rateRules: booking.rateRules,
    managedGroups: booking.managedGroups,
    retryAfterSeconds: 30,
    logging: { encryptionKey: new kms.Key(stack, 'Key') },
    ...props,
  });
  return { stack, fw };
}

const { stack, fw } = firewall();
const template = Template.fromStack(stack);
const rules = webAclRules(template);
const rule = (name: string): CfnWafRule => {
  const found = rules.find((r) => r.Name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};
const rateStatement = (name: string): CfnRateBasedStatement => {
  const statement = rule(name).Statement.RateBasedStatement;
  if (!statement) throw new Error(`${name} is not a rate rule`);
  return statement;
};
const managed = (name: string) => rule(name).Statement.ManagedRuleGroupStatement;

describe('EdgeFirewall with the default booking rules', () => {
  it('is a CLOUDFRONT-scope web ACL that allows by default', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
    });
  });

  it('limits POST /api/bookings to 100 per 5 minutes per address and session cookie', () => {
    expect(rateStatement('BookingWrites')).toEqual({
      Limit: 100,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [
        { IP: {} },
        { Cookie: { Name: 'rempart-session', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
      ],
      ScopeDownStatement: {
        AndStatement: {
          Statements: [
            {
              ByteMatchStatement: expect.objectContaining({
                FieldToMatch: { Method: {} },
                SearchString: 'POST',
                PositionalConstraint: 'EXACTLY',
              }),
            },
            {
              ByteMatchStatement: expect.objectContaining({
                FieldToMatch: { UriPath: {} },
                SearchString: '/api/bookings',
                PositionalConstraint: 'STARTS_WITH',
              }),
            },
          ],
        },
      },
    });
  });

  it('limits every client to 500 per 5 minutes, keyed so that one NAT address is not one client', () => {
    const statement = rateStatement('PerClient');
    expect(statement).toMatchObject({
      Limit: 500,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'CUSTOM_KEYS',
    });
    expect(statement.CustomKeys).toHaveLength(2);
    expect(statement.ScopeDownStatement).toBeUndefined();
  });

  it('keeps a per-address backstop for floods that send no session cookie', () => {
    expect(rateStatement('PerAddress')).toEqual({
      Limit: 20000,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'IP',
    });
  });

  it('answers rate-limited requests with 429, a JSON body and Retry-After', () => {
    for (const name of ['BookingWrites', 'BookingWritesPerAddress', 'PerClient', 'PerAddress']) {
      expect(rule(name).Action).toEqual({
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'RateLimited',
            ResponseHeaders: [
              { Name: 'Retry-After', Value: '30' },
              { Name: 'Cache-Control', Value: 'no-store' },
            ],
          },
        },
      });
    }
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL')) as Array<{
      Properties: { CustomResponseBodies: Record<string, { ContentType: string; Content: string }> };
    }>;
    const body = acl.Properties.CustomResponseBodies.RateLimited;
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toEqual({
      error: 'too_many_requests',
      retryAfterSeconds: 30,
      message: { fr: expect.stringContaining('30 secondes'), en: expect.stringContaining('30 seconds') },
    });
  });

  it('runs the managed groups with their count-first switches', () => {
    expect(managed('AwsIpReputation')?.Name).toBe('AWSManagedRulesAmazonIpReputationList');
    expect(rule('AwsIpReputation').OverrideAction).toEqual({ None: {} });
    expect(managed('AwsKnownBadInputs')?.Name).toBe('AWSManagedRulesKnownBadInputsRuleSet');
    expect(rule('AwsKnownBadInputs').OverrideAction).toEqual({ None: {} });
    expect(managed('AwsCommon')?.Name).toBe('AWSManagedRulesCommonRuleSet');
    expect(rule('AwsCommon').OverrideAction).toEqual({ Count: {} });
    expect(managed('AwsAntiDdos')).toMatchObject({
      Name: 'AWSManagedRulesAntiDDoSRuleSet',
      ManagedRuleGroupConfigs: [
        {
          AWSManagedRulesAntiDDoSRuleSet: {
            ClientSideActionConfig: {
              Challenge: {
                UsageOfAction: 'ENABLED',
                ExemptUriRegularExpressions: [{ RegexString: expect.stringContaining('api') }],
              },
            },
          },
        },
      ],
    });
    expect(rule('AwsAntiDdos').OverrideAction).toEqual({ Count: {} });
    const names = rules.map((r) => r.Name);
    expect(names).not.toContain('AwsBotControl');
    expect(names).not.toContain('AwsAnonymousIp');
  });

  it('evaluates reputation first, rate rules next and content inspection last, with unique priorities', () => {
    expect(rules.map((r) => [r.Priority, r.Name])).toEqual([
      [0, 'AwsIpReputation'],
      [1, 'AwsAntiDdos'],
      [2, 'BookingWrites'],
      [3, 'BookingWritesPerAddress'],
      [4, 'PerClient'],
      [5, 'PerAddress'],
      [6, 'AwsKnownBadInputs'],
      [7, 'AwsCommon'],
    ]);
  });

  it('counts its capacity: managed groups from the published table plus its own statements', () => {
    // IpReputation 25 + AntiDDoS 50 + KnownBadInputs 200 + Common 700 = 975;
    // BookingWrites 2 + 2×30 + (2 + 2 + 1) = 67; BookingWritesPerAddress 2 + (2 + 2 + 1) = 7;
    // PerClient 2 + 60 = 62; PerAddress 2.
    expect(fw.capacity).toBe(975 + 67 + 7 + 62 + 2);
  });

  it('logs to an encrypted aws-waf-logs-* group with authorization and cookie redacted, matched requests only', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 30,
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [Match.objectLike({ Behavior: 'KEEP', Requirement: 'MEETS_ANY' })],
      },
      LogDestinationConfigs: [Match.anyValue()],
    });
  });

  it('offers CloudWatch metrics for alarms in its Region', () => {
    expect(stack.resolve(fw.metricBlockedRequests().dimensions)).toEqual({
      WebACL: fw.webAclName,
      Rule: 'ALL',
    });
  });
});

describe('EdgeFirewall options', () => {
  it('adds Bot Control with its inspection level when switched on, and can enforce a group', () => {
    const { stack: s } = firewall({
      managedGroups: { botControl: { enabled: true, countOnly: false, inspectionLevel: 'TARGETED' } },
    });
    Template.fromStack(s).hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'AwsBotControl',
          OverrideAction: { None: {} },
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              ManagedRuleGroupConfigs: [
                { AWSManagedRulesBotControlRuleSet: { InspectionLevel: 'TARGETED' } },
              ],
            }),
          },
        }),
      ]),
    });
  });

  it('puts a rate rule in count mode without a custom response', () => {
    const rules: RateRule[] = [
      { name: 'Trial', limit: 50, windowSeconds: 60, keys: [{ type: 'ip' }], action: 'count' },
    ];
    const { stack: s } = firewall({ rateRules: rules });
    Template.fromStack(s).hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'Trial', Action: { Count: {} } })]),
    });
  });

  it('as a REGIONAL origin guard, blocks requests without the CloudFront header and redacts it from logs', () => {
    const { stack: s } = firewall(
      {
        scope: 'REGIONAL',
        rateRules: [],
        originVerification: { headerName: 'X-Origin-Verify', secretValue: 's3cr3t' },
      },
      'eu-west-3',
    );
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RejectWithoutOriginHeader',
          Priority: 0,
          Action: { Block: {} },
          Statement: {
            NotStatement: {
              Statement: {
                ByteMatchStatement: Match.objectLike({
                  FieldToMatch: { SingleHeader: { Name: 'x-origin-verify' } },
                  SearchString: 's3cr3t',
                  PositionalConstraint: 'EXACTLY',
                }),
              },
            },
          },
        }),
      ]),
    });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: Match.arrayWith([{ SingleHeader: { Name: 'x-origin-verify' } }]),
    });
  });
});

describe('EdgeFirewall validation', () => {
  const one = (r: Partial<RateRule>): RateRule[] => [
    { name: 'R', limit: 100, windowSeconds: 300, keys: [{ type: 'ip' }], action: 'block', ...r },
  ];
  it.each<[string, Partial<EdgeFirewallProps>, RegExp]>([
    [
      'a limit below 10',
      { rateRules: one({ limit: 9 }) },
      /rateRules\[0\] \("R"\): limit is 9\. Fix: .*from 10/,
    ],
    ['a limit above WAF maximum', { rateRules: one({ limit: 3e9 }) }, /limit is 3000000000/],
    [
      'an unknown window',
      { rateRules: one({ windowSeconds: 30 }) },
      /windowSeconds is 30\. Fix: use one of 60, 120, 300, 600/,
    ],
    ['no aggregation key', { rateRules: one({ keys: [] }) }, /has 0 aggregation keys\. Fix: use 1 to 5/],
    [
      'six aggregation keys',
      {
        rateRules: one({
          keys: [
            { type: 'ip' },
            { type: 'ja4Fingerprint' },
            { type: 'httpMethod' },
            { type: 'uriPath' },
            { type: 'cookie', name: 'a' },
            { type: 'header', name: 'b' },
          ],
        }),
      },
      /has 6 aggregation keys/,
    ],
    [
      'a repeated key',
      { rateRules: one({ keys: [{ type: 'ip' }, { type: 'ip' }] }) },
      /repeats an aggregation key/,
    ],
    ['an empty scope-down', { rateRules: one({ scopeDown: {} }) }, /scopeDown is empty/],
    [
      'a relative scope-down path',
      { rateRules: one({ scopeDown: { pathPrefix: 'api' } }) },
      /pathPrefix is "api"\. Fix: use an absolute path/,
    ],
    ['a bad rule name', { rateRules: one({ name: 'per client' }) }, /name is not letters and digits/],
    ['two rules with one name', { rateRules: [...one({}), ...one({})] }, /name is already used/],
    ['a Retry-After of 0', { retryAfterSeconds: 0 }, /retryAfterSeconds is 0/],
    [
      'capacity over the limit',
      { capacityLimit: 1000 },
      /the rules need 1113 WCU, above the limit of 1000\. Fix: disable a managed group/,
    ],
    ['a capacity limit above the web ACL maximum', { capacityLimit: 6000 }, /capacityLimit is 6000/],
  ])('rejects %s', (_what, props, message) => {
    expect(() => firewall(props)).toThrow(message);
  });

  it('rejects many custom-key rules that together exceed 5,000 WCU', () => {
    const keys = [
      { type: 'ip' as const },
      { type: 'ja4Fingerprint' as const },
      { type: 'httpMethod' as const },
      { type: 'uriPath' as const },
      { type: 'header' as const, name: 'x' },
    ];
    const rules = Array.from({ length: 30 }, (_, i) => one({ name: `R${i}`, keys })[0]);
    expect(() => firewall({ rateRules: rules })).toThrow(/need \d+ WCU, above the limit of 5000/);
  });

  it('rejects a CLOUDFRONT-scope web ACL outside us-east-1', () => {
    expect(() => firewall({}, 'eu-west-3')).toThrow(
      /scope is CLOUDFRONT but the stack is in eu-west-3\. Fix: .*us-east-1/,
    );
  });
});
