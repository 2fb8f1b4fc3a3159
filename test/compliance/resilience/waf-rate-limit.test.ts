import { CfnResource } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance } from 'cdk-nag';
import { WAFRateLimit } from '../../../lib/compliance/resilience/rules';
import { EdgeFirewall } from '../../../lib/constructs/edge-firewall/edge-firewall';
import { testConfig, testStack } from '../../helpers/synth';

const visibility = { cloudWatchMetricsEnabled: true, metricName: 'm', sampledRequestsEnabled: true };
const webAcl = (rules: wafv2.CfnWebACL.RuleProperty[]) =>
  new wafv2.CfnWebACL(testStack('us-east-1'), 'Acl', {
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility,
    rules,
  });
const writes: wafv2.CfnWebACL.StatementProperty = {
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    searchString: '/api/bookings',
    positionalConstraint: 'STARTS_WITH',
    textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
  },
};
const rate = (
  name: string,
  statement: Partial<wafv2.CfnWebACL.RateBasedStatementProperty>,
  action: wafv2.CfnWebACL.RuleActionProperty = { block: {} },
): wafv2.CfnWebACL.RuleProperty => ({
  name,
  priority: 0,
  action,
  visibilityConfig: visibility,
  statement: { rateBasedStatement: { limit: 100, aggregateKeyType: 'IP', ...statement } },
});
const cookieKeyed = {
  aggregateKeyType: 'CUSTOM_KEYS',
  customKeys: [{ ip: {} }, { cookie: { name: 's', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
};

describe('RempartResilience-WAFRateLimit', () => {
  it.each<[string, wafv2.CfnWebACL.RuleProperty[]]>([
    ['a blocking per-address rule', [rate('PerAddress', {})]],
    [
      'a cookie rule on writes with an address floor over the same writes',
      [
        rate('Writes', { ...cookieKeyed, scopeDownStatement: writes }),
        rate('WritesPerAddress', { scopeDownStatement: writes }),
      ],
    ],
    [
      'a cookie rule on writes with an address floor over every request',
      [rate('Writes', { ...cookieKeyed, scopeDownStatement: writes }), rate('PerAddress', {})],
    ],
    [
      'a rule keyed on address and method (both always present)',
      [rate('PerMethod', { aggregateKeyType: 'CUSTOM_KEYS', customKeys: [{ ip: {} }, { httpMethod: {} }] })],
    ],
  ])('passes %s', (_what, rules) => {
    expect(WAFRateLimit(webAcl(rules))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it.each<[string, wafv2.CfnWebACL.RuleProperty[]]>([
    [
      'only managed rules',
      [
        {
          name: 'Common',
          priority: 0,
          overrideAction: { none: {} },
          visibilityConfig: visibility,
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' },
          },
        },
      ],
    ],
    ['its only rate rule in Count', [rate('PerAddress', {}, { count: {} })]],
    ['its only rate rule keyed on a cookie a client can omit', [rate('Writes', cookieKeyed)]],
    [
      'its only rate rule keyed on a header',
      [
        rate('PerToken', {
          aggregateKeyType: 'CUSTOM_KEYS',
          customKeys: [
            { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
          ],
        }),
      ],
    ],
    [
      'its only rate rule on a forwarded address a client can forge',
      [
        rate('Forwarded', {
          aggregateKeyType: 'FORWARDED_IP',
          forwardedIpConfig: { headerName: 'X-Forwarded-For', fallbackBehavior: 'MATCH' },
        }),
      ],
    ],
    [
      'a cookie rule on writes whose only floor covers other paths',
      [
        rate('Writes', { ...cookieKeyed, scopeDownStatement: writes }),
        rate('Other', {
          scopeDownStatement: {
            ...writes,
            byteMatchStatement: { ...(writes.byteMatchStatement as object), searchString: '/other' } as never,
          },
        }),
      ],
    ],
    [
      'a floor in Count next to a blocking cookie rule',
      [rate('Writes', cookieKeyed), rate('PerAddress', {}, { count: {} })],
    ],
  ])('fires on a web ACL with %s', (_what, rules) => {
    expect(WAFRateLimit(webAcl(rules))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('judges the synthesized template: an override that turns the floor to Count is seen', () => {
    const acl = webAcl([rate('Writes', cookieKeyed), rate('PerAddress', {})]);
    expect(WAFRateLimit(acl)).toBe(NagRuleCompliance.COMPLIANT);
    acl.addDeletionOverride('Properties.Rules.1.Action.Block');
    acl.addPropertyOverride('Rules.1.Action.Count', {});
    expect(WAFRateLimit(acl)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('judges a raw CfnResource web ACL like an L1 one', () => {
    const raw = new CfnResource(testStack('us-east-1'), 'Raw', {
      type: 'AWS::WAFv2::WebACL',
      properties: {
        Scope: 'CLOUDFRONT',
        DefaultAction: { Allow: {} },
        VisibilityConfig: {},
        Rules: [
          {
            Name: 'C',
            Priority: 0,
            Action: { Block: {} },
            Statement: {
              RateBasedStatement: {
                Limit: 10,
                AggregateKeyType: 'CUSTOM_KEYS',
                CustomKeys: [{ Cookie: { Name: 's' } }],
              },
            },
          },
        ],
      },
    });
    expect(WAFRateLimit(raw)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it("passes the web ACLs EdgeFirewall builds from Rempart's defaults", () => {
    const config = testConfig();
    for (const w of [config.edge.booking, config.edge.ent]) {
      const stack = testStack('us-east-1');
      const fw = new EdgeFirewall(stack, 'Fw', {
        scope: 'CLOUDFRONT',
        clientLimits: w.clientLimits,
        managedGroups: w.managedGroups,
        logging: { encryptionKey: new kms.Key(stack, 'Key') },
      });
      expect(WAFRateLimit(fw.webAcl)).toBe(NagRuleCompliance.COMPLIANT);
    }
  });

  it('does not apply to other resources', () => {
    const set = new wafv2.CfnIPSet(testStack(), 'Ips', {
      scope: 'REGIONAL',
      ipAddressVersion: 'IPV4',
      addresses: [],
    });
    expect(WAFRateLimit(set)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
