import type { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { asArray, cfnOf, field } from '../private/cfn';

/**
 * Aggregation keys every request has. WAF omits a request that lacks any key part: a cookie, a
 * header, a query argument or a label can be left out by the client, a forwarded address forged,
 * and a TLS fingerprint may be missing; the address, the method and the path are always there.
 */
const ALWAYS_PRESENT_KEYS = new Set(['IP', 'HTTPMethod', 'UriPath']);
const ENFORCING_ACTIONS = ['Block', 'Captcha', 'Challenge'];

interface RateRuleView {
  readonly enforcing: boolean;
  /** Counts every request in its scope: a client cannot step out of it by dropping a key part. */
  readonly floor: boolean;
  readonly scope: string;
}

/** The rate rules of a synthesized web ACL (PascalCase properties, overrides applied). */
function rateRules(node: CfnResource): RateRuleView[] {
  return asArray(cfnOf(node).properties.Rules).flatMap((rule): RateRuleView[] => {
    const rate = field(field(rule, 'Statement'), 'RateBasedStatement');
    if (rate === undefined || rate === null) return [];
    const action = field(rule, 'Action');
    const enforcing = ENFORCING_ACTIONS.some((a) => {
      const v = field(action, a);
      return v !== undefined && v !== null;
    });
    const type = field(rate, 'AggregateKeyType');
    const keys = asArray(field(rate, 'CustomKeys')).map(
      (k) => Object.entries(k ?? {}).find(([, v]) => v !== undefined)?.[0] ?? '',
    );
    const floor =
      type === 'IP' ||
      type === 'CONSTANT' ||
      (type === 'CUSTOM_KEYS' && keys.length > 0 && keys.every((k) => ALWAYS_PRESENT_KEYS.has(k)));
    return [{ enforcing, floor, scope: JSON.stringify(field(rate, 'ScopeDownStatement') ?? null) }];
  });
}

/**
 * Every WAF web ACL limits request rates in a way a client cannot sidestep (the 6 April 2021
 * lesson): at least one enforcing (Block, CAPTCHA, Challenge) rate rule keyed only on what every
 * request carries (its address, method or path), and every enforcing rule keyed on something a
 * client can omit or vary (a cookie, a header, a forwarded address, a fingerprint) paired with such
 * a floor over the same scope or over every request. A rule in Count protects nothing; a rate rule
 * inside a referenced rule group is not visible in the template and does not count.
 */
export function WAFRateLimit(node: CfnResource): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::WAFv2::WebACL') return NagRuleCompliance.NOT_APPLICABLE;
  const enforcing = rateRules(node).filter((r) => r.enforcing);
  const floors = enforcing.filter((r) => r.floor);
  if (floors.length === 0) return NagRuleCompliance.NON_COMPLIANT;
  const unguarded = enforcing.some(
    (r) => !r.floor && !floors.some((f) => f.scope === 'null' || f.scope === r.scope),
  );
  return unguarded ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
