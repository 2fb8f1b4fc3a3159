import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance } from 'cdk-nag';
import { WAFRateLimit } from '../../../lib/compliance/resilience/rules';
import { testStack } from '../../helpers/synth';

const visibility = { cloudWatchMetricsEnabled: true, metricName: 'm', sampledRequestsEnabled: true };
const webAcl = (rules: wafv2.CfnWebACL.RuleProperty[]) =>
  new wafv2.CfnWebACL(testStack('us-east-1'), 'Acl', {
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility,
    rules,
  });

describe('RempartResilience-WAFRateLimit', () => {
  it('passes a web ACL with a rate-based rule', () => {
    const acl = webAcl([
      {
        name: 'PerClient',
        priority: 0,
        action: { block: {} },
        visibilityConfig: visibility,
        statement: { rateBasedStatement: { limit: 300, aggregateKeyType: 'IP' } },
      },
    ]);
    expect(WAFRateLimit(acl)).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('fires on a web ACL with only managed rules', () => {
    const acl = webAcl([
      {
        name: 'Common',
        priority: 0,
        overrideAction: { none: {} },
        visibilityConfig: visibility,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
      },
    ]);
    expect(WAFRateLimit(acl)).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('does not apply to other resources', () => {
    const stack = testStack();
    const set = new wafv2.CfnIPSet(stack, 'Ips', {
      scope: 'REGIONAL',
      ipAddressVersion: 'IPV4',
      addresses: [],
    });
    expect(WAFRateLimit(set)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});
