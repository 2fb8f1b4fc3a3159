import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { WAF_FACTS } from '../../lib/aws-facts';
import {
  EdgeFirewall,
  clientLimitRules,
  edgeFirewallRulesProblems,
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
    clientLimits: booking.clientLimits,
    rateRules: booking.rateRules,
    bodySizeLimit: booking.bodySizeLimit,
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
const PATH_NORMALIZED = [
  { Priority: 0, Type: 'URL_DECODE' },
  { Priority: 1, Type: 'NORMALIZE_PATH' },
  { Priority: 2, Type: 'LOWERCASE' },
];
const writeScope = {
  AndStatement: {
    Statements: [
      {
        RegexMatchStatement: {
          FieldToMatch: { Method: {} },
          RegexString: '^(post|put|patch|delete)$',
          TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }],
        },
      },
      {
        ByteMatchStatement: {
          FieldToMatch: { UriPath: {} },
          SearchString: '/api/bookings',
          PositionalConstraint: 'STARTS_WITH',
          TextTransformations: PATH_NORMALIZED,
        },
      },
    ],
  },
};

describe('EdgeFirewall with the default booking settings', () => {
  it('is a CLOUDFRONT-scope web ACL that allows by default', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
    });
  });

  it('turns each client limit into a session rule, a fingerprint floor, an address floor and an IPv6 rule', () => {
    expect(fw.rateRules.map((r) => [r.name, r.limit])).toEqual([
      ['BookingWrites', 100],
      ['BookingWritesPerClient', 100],
      ['BookingWritesPerAddress', 4000],
      ['BookingWritesPerIpv6Address', 100],
      ['AllRequests', 500],
      ['AllRequestsPerAddress', 20000],
      ['AllRequestsPerIpv6Address', 500],
    ]);
  });

  it('counts writes per person (address + session cookie) over every write method and normalized path', () => {
    expect(rateStatement('BookingWrites')).toEqual({
      Limit: 100,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [
        { IP: {} },
        { Cookie: { Name: 'rempart-session', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
      ],
      ScopeDownStatement: writeScope,
    });
  });

  it('holds the write limit without cookies: address + JA4 fingerprint, every request in scope', () => {
    expect(rateStatement('BookingWritesPerClient')).toEqual({
      Limit: 100,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [{ IP: {} }, { JA4Fingerprint: { FallbackBehavior: 'NO_MATCH' } }],
      ScopeDownStatement: writeScope,
    });
  });

  it('keeps an address-only floor no request escapes, sized for the people behind a shared address', () => {
    expect(rateStatement('BookingWritesPerAddress')).toEqual({
      Limit: 100 * booking.clientLimits.peoplePerSharedAddress,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'IP',
      ScopeDownStatement: writeScope,
    });
    expect(rateStatement('AllRequestsPerAddress')).toEqual({
      Limit: 20000,
      EvaluationWindowSec: 300,
      AggregateKeyType: 'IP',
    });
  });

  it('holds IPv6 addresses to the per-client limit through an IP set of every IPv6 address (WAF refuses /0)', () => {
    const ipv6 = rateStatement('BookingWritesPerIpv6Address');
    expect(ipv6).toMatchObject({ Limit: 100, AggregateKeyType: 'IP' });
    expect(ipv6.ScopeDownStatement).toEqual({
      AndStatement: {
        Statements: [
          ...writeScope.AndStatement.Statements,
          {
            IPSetReferenceStatement: {
              Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FirewallAllIpv6/), 'Arn'] },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::WAFv2::IPSet', {
      Scope: 'CLOUDFRONT',
      IPAddressVersion: 'IPV6',
      Addresses: ['::/1', '8000::/1'],
    });
  });

  it('answers rate-limited requests with 429, a JSON body and Retry-After', () => {
    for (const r of fw.rateRules) {
      expect(rule(r.name).Action).toEqual({
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
    expect(JSON.parse(acl.Properties.CustomResponseBodies.RateLimited.Content)).toEqual({
      error: 'too_many_requests',
      retryAfterSeconds: 30,
      message: { fr: expect.stringContaining('30 secondes'), en: expect.stringContaining('30 seconds') },
    });
  });

  it('answers write bodies above 8 KB with 413, matching bodies longer than WAF inspects', () => {
    expect(rule('BodySizeLimit')).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'PayloadTooLarge' } } },
      Statement: {
        AndStatement: {
          Statements: [
            { RegexMatchStatement: expect.objectContaining({ RegexString: '^(post|put|patch|delete)$' }) },
            {
              ByteMatchStatement: expect.objectContaining({
                SearchString: '/api/',
                TextTransformations: PATH_NORMALIZED,
              }),
            },
            {
              SizeConstraintStatement: {
                FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
                ComparisonOperator: 'GT',
                Size: 8192,
                TextTransformations: [{ Priority: 0, Type: 'NONE' }],
              },
            },
          ],
        },
      },
    });
  });

  it('blocks with every managed group the 2021 floods called for, with targeted exclusions in Count', () => {
    for (const name of [
      'AwsAntiDdos',
      'AwsIpReputation',
      'AwsAnonymousIp',
      'AwsKnownBadInputs',
      'AwsCommon',
    ]) {
      expect([name, rule(name).OverrideAction]).toEqual([name, { None: {} }]);
    }
    expect(managed('AwsAnonymousIp')).toMatchObject({
      Name: 'AWSManagedRulesAnonymousIpList',
      RuleActionOverrides: [{ Name: 'AnonymousIPList', ActionToUse: { Count: {} } }],
    });
    expect(managed('AwsCommon')?.RuleActionOverrides).toBeUndefined();
    expect(managed('AwsAntiDdos')).toMatchObject({
      Name: 'AWSManagedRulesAntiDDoSRuleSet',
      ManagedRuleGroupConfigs: [
        {
          AWSManagedRulesAntiDDoSRuleSet: {
            SensitivityToBlock: 'LOW',
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
    expect(rules.map((r) => r.Name)).not.toContain('AwsBotControl');
  });

  it('evaluates Anti-DDoS and reputation first, rate rules next, body size, then content inspection', () => {
    expect(rules.map((r) => [r.Priority, r.Name])).toEqual(
      [
        'AwsAntiDdos',
        'AwsIpReputation',
        'AwsAnonymousIp',
        ...fw.rateRules.map((r) => r.name),
        'BodySizeLimit',
        'AwsKnownBadInputs',
        'AwsCommon',
      ].map((name, i) => [i, name]),
    );
  });

  it('counts its capacity from the statements it synthesized, within the price step', () => {
    // Managed: 50 + 25 + 50 + 200 + 700 = 1,025. Write scope: regex 3 + 10, path 2 + 30, AND 1 = 46.
    // BookingWrites 2 + 60 + 46; PerClient 2 + 60 + 46; PerAddress 2 + 46; PerIpv6 2 + (46 + 1 IP set);
    // AllRequests 2 + 60; PerAddress 2; PerIpv6 2 + 1; BodySizeLimit 1 + 46 (AND of 3 parts).
    const own = 108 + 108 + 48 + 49 + 62 + 2 + 3 + 47;
    expect(fw.capacity).toBe(1025 + own);
    expect(fw.capacity).toBeLessThanOrEqual(WAF_FACTS.webAclCapacityIncluded);
  });

  it('keeps its logs a year in an encrypted aws-waf-logs-* group, credentials and cookies redacted', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [Match.objectLike({ Behavior: 'KEEP', Requirement: 'MEETS_ANY' })],
      },
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
  it('declares shared addresses in IP sets and leaves them out of the fingerprint and IPv6 rules only', () => {
    const { stack: s, fw: f } = firewall({
      clientLimits: {
        ...booking.clientLimits,
        sharedAddresses: { ipv4: ['203.0.113.0/24'], ipv6: ['2001:db8:1234::/48'] },
      },
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24'] });
    t.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV6',
      Addresses: ['2001:db8:1234::/48'],
    });
    const excluded = f.rateRules.filter((r) => r.scopeDown?.excludeSharedAddresses).map((r) => r.name);
    expect(excluded).toEqual([
      'BookingWritesPerClient',
      'BookingWritesPerIpv6Address',
      'AllRequestsPerIpv6Address',
    ]);
  });

  it('adds Bot Control with its inspection level and exclusions when switched on', () => {
    const { stack: s } = firewall({
      managedGroups: {
        ...booking.managedGroups,
        botControl: {
          enabled: true,
          countOnly: false,
          inspectionLevel: 'TARGETED',
          countRules: ['CategoryHttpLibrary'],
        },
      },
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
              RuleActionOverrides: [{ Name: 'CategoryHttpLibrary', ActionToUse: { Count: {} } }],
            }),
          },
        }),
      ]),
    });
  });

  it('warns about an exclusion AWS does not publish for the group (a misspelt exclusion excludes nothing)', () => {
    const { stack: s } = firewall({
      managedGroups: { common: { enabled: true, countOnly: false, countRules: ['SizeRestriction_BODY'] } },
    });
    Annotations.fromStack(s).hasWarning(
      '/TestStack/Firewall',
      Match.stringLikeRegexp('SizeRestriction_BODY.*not a rule AWS publishes'),
    );
  });

  it('puts a rate rule in count mode without a custom response', () => {
    const extra: RateRule[] = [
      { name: 'Trial', limit: 50, windowSeconds: 60, keys: [{ type: 'ip' }], action: 'count' },
    ];
    const { stack: s } = firewall({ clientLimits: undefined, rateRules: extra });
    Template.fromStack(s).hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'Trial', Action: { Count: {} } })]),
    });
  });

  it('aggregates on the forwarded address alone with FORWARDED_IP, as WAF requires', () => {
    const extra: RateRule[] = [
      {
        name: 'Proxied',
        limit: 50,
        windowSeconds: 60,
        keys: [{ type: 'forwardedIp', headerName: 'X-Forwarded-For' }],
        action: 'block',
      },
    ];
    const { stack: s } = firewall({ clientLimits: undefined, rateRules: extra });
    Template.fromStack(s).hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'Proxied',
          Statement: {
            RateBasedStatement: Match.objectLike({
              AggregateKeyType: 'FORWARDED_IP',
              ForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' },
            }),
          },
        }),
      ]),
    });
  });

  it('as a REGIONAL origin guard, accepts the current and the previous value and redacts the header', () => {
    const { stack: s } = firewall(
      {
        scope: 'REGIONAL',
        clientLimits: undefined,
        bodySizeLimit: undefined,
        originVerification: { headerName: 'X-Origin-Verify', acceptedValues: ['now', 'before'] },
      },
      'eu-west-3',
    );
    const t = Template.fromStack(s);
    const match = (value: string) => ({
      ByteMatchStatement: {
        FieldToMatch: { SingleHeader: { Name: 'x-origin-verify' } },
        SearchString: value,
        PositionalConstraint: 'EXACTLY',
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    });
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RejectWithoutOriginHeader',
          Priority: 0,
          Action: { Block: {} },
          Statement: {
            NotStatement: { Statement: { OrStatement: { Statements: [match('now'), match('before')] } } },
          },
        }),
      ]),
    });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: Match.arrayWith([{ SingleHeader: { Name: 'x-origin-verify' } }]),
    });
  });
});

describe('clientLimitRules', () => {
  it('makes no session rule without a cookie and no fingerprint rule without clientsPerFingerprint', () => {
    expect(
      clientLimitRules({
        peoplePerSharedAddress: 10,
        limits: [{ name: 'All', limit: 100, windowSeconds: 60 }],
      }).map((r) => r.name),
    ).toEqual(['AllPerAddress', 'AllPerIpv6Address']);
  });
});

describe('EdgeFirewall validation', () => {
  const one = (r: Partial<RateRule>): RateRule[] => [
    { name: 'R', limit: 100, windowSeconds: 300, keys: [{ type: 'ip' }], action: 'block', ...r },
  ];
  const only = (r: Partial<RateRule>) => ({ clientLimits: undefined, rateRules: one(r) });
  it.each<[string, Partial<EdgeFirewallProps>, RegExp]>([
    ['a limit below 10', only({ limit: 9 }), /rate rule "R": limit is 9\. Fix: .*from 10/],
    ['a limit above WAF maximum', only({ limit: 3e9 }), /limit is 3000000000/],
    [
      'an unknown window',
      only({ windowSeconds: 30 }),
      /windowSeconds is 30\. Fix: use one of 60, 120, 300, 600/,
    ],
    ['no aggregation key', only({ keys: [] }), /has 0 aggregation keys\. Fix: use 1 to 5/],
    ['a repeated key', only({ keys: [{ type: 'ip' }, { type: 'ip' }] }), /repeats an aggregation key/],
    ['an empty scope-down', only({ scopeDown: {} }), /scopeDown is empty/],
    [
      'a scope-down path that is not lower-case',
      only({ scopeDown: { pathPrefixes: ['/API/'] } }),
      /pathPrefixes\[0\] is "\/API\/"\. Fix: use an absolute, lower-case path/,
    ],
    ['a bad rule name', only({ name: 'per client' }), /name is not letters and digits/],
    [
      'two rules with one name',
      { rateRules: one({ name: 'BookingWrites' }) },
      /rate rule "BookingWrites": name is used twice/,
    ],
    [
      'more rate rules than WAF allows',
      {
        rateRules: [
          ...one({ name: 'A' }),
          ...one({ name: 'B' }),
          ...one({ name: 'C' }),
          ...one({ name: 'D' }),
        ],
      },
      /make 11 rate-based rules; AWS WAF allows 10 per web ACL/,
    ],
    ['a Retry-After of 0', { retryAfterSeconds: 0 }, /retryAfterSeconds is 0/],
    [
      'a body limit WAF cannot see',
      { bodySizeLimit: { maxBytes: 16_384 } },
      /bodySizeLimit\.maxBytes is 16384\. Fix: use a whole number of bytes below 16384/,
    ],
    [
      'a shared address that is not a CIDR range',
      { clientLimits: { ...booking.clientLimits, sharedAddresses: { ipv4: ['203.0.113.0'] } } },
      /sharedAddresses\.ipv4\[0\] is "203\.0\.113\.0"\. Fix: use IPv4 CIDR notation/,
    ],
    [
      'no people per shared address',
      { clientLimits: { ...booking.clientLimits, peoplePerSharedAddress: 0 } },
      /peoplePerSharedAddress is 0\. Fix/,
    ],
    [
      'an exclusion that is not a rule name',
      { managedGroups: { common: { enabled: true, countOnly: false, countRules: ['Size Restrictions'] } } },
      /managedGroups\.common\.countRules\[0\] is "Size Restrictions", not a rule name/,
    ],
    [
      'security logs kept less than a year',
      {
        logging: {
          encryptionKey: kms.Key.fromKeyArn(testStack(), 'K', 'arn:aws:kms:us-east-1:111111111111:key/1'),
          retention: logs.RetentionDays.ONE_MONTH,
        },
      },
      /logging\.retention is 30 days\. Fix: keep WAF logs at least 365 days/,
    ],
    [
      'capacity over the limit',
      { capacityLimit: 1000 },
      /the rules need \d+ WCU, above the limit of 1000\. Fix: disable a managed group/,
    ],
    ['a capacity limit above the web ACL maximum', { capacityLimit: 6000 }, /capacityLimit is 6000/],
    [
      'an origin guard with no accepted value',
      { scope: 'REGIONAL', originVerification: { headerName: 'x', acceptedValues: [] } },
      /originVerification\.acceptedValues has 0 values/,
    ],
  ])('rejects %s', (_what, props, message) => {
    expect(() => firewall(props, props.scope === 'REGIONAL' ? 'eu-west-3' : 'us-east-1')).toThrow(message);
  });

  it('offers the same checks as a pure function for the configuration', () => {
    expect(edgeFirewallRulesProblems({ retryAfterSeconds: 0 })).toEqual([
      'retryAfterSeconds is 0. Fix: use a whole number of seconds from 1 to 600',
    ]);
    expect(
      edgeFirewallRulesProblems({ clientLimits: booking.clientLimits, bodySizeLimit: booking.bodySizeLimit }),
    ).toEqual([]);
  });

  it('rejects a CLOUDFRONT-scope web ACL outside us-east-1', () => {
    expect(() => firewall({}, 'eu-west-3')).toThrow(
      /scope is CLOUDFRONT but the stack is in eu-west-3\. Fix: .*us-east-1/,
    );
  });
});
