import type { CfnResource } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, field, resolveIn } from '../private/cfn';

/**
 * Every WAF web ACL has at least one rate-based rule of its own: without one, a flood from a few
 * clients reaches the origins (the 6 April 2021 lesson). A rate rule inside a referenced rule group
 * is not visible in the template, so it does not count.
 */
export function WAFRateLimit(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnWebACL)) return NagRuleCompliance.NOT_APPLICABLE;
  const rules = asArray(resolveIn(node, node.rules));
  const hasRateRule = rules.some((rule) => {
    const statement = field(rule, 'statement');
    const rate = field(statement, 'rateBasedStatement');
    return rate !== undefined && rate !== null;
  });
  return hasRateRule ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
