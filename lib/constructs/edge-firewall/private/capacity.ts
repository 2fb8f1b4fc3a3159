import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { WAF_FACTS } from '../../../aws-facts';

type Statement = wafv2.CfnWebACL.StatementProperty;
type Rule = wafv2.CfnWebACL.RuleProperty;

const COST = WAF_FACTS.statementCost;

/** Text transformations that cost capacity (NONE is free). */
function transformationCost(transformations: unknown): number {
  if (!Array.isArray(transformations)) return 0;
  return (
    (transformations as Array<{ type?: string }>).filter((t) => t.type !== 'NONE').length *
    COST.textTransformation
  );
}

/**
 * Capacity of one statement as built by this construct, from WAF's published prices
 * (`WAF_FACTS.statementCost`). Logical statements are priced at 1 on top of their children, which
 * errs on the safe side; WAF's CheckCapacity API remains the authority.
 */
export function statementCapacity(statement: Statement): number {
  const s = statement as Record<string, unknown>;
  const nested = (x: unknown) => statementCapacity(x as Statement);
  if (s.byteMatchStatement) {
    const b = s.byteMatchStatement as { positionalConstraint: string; textTransformations?: unknown };
    const base = ['EXACTLY', 'STARTS_WITH', 'ENDS_WITH'].includes(b.positionalConstraint)
      ? COST.byteMatch
      : 10;
    return base + transformationCost(b.textTransformations);
  }
  if (s.regexMatchStatement) {
    return (
      COST.regex +
      transformationCost((s.regexMatchStatement as { textTransformations?: unknown }).textTransformations)
    );
  }
  if (s.sizeConstraintStatement) {
    return (
      COST.sizeConstraint +
      transformationCost((s.sizeConstraintStatement as { textTransformations?: unknown }).textTransformations)
    );
  }
  if (s.ipSetReferenceStatement) return COST.ipSet;
  if (s.andStatement || s.orStatement) {
    const inner = ((s.andStatement ?? s.orStatement) as { statements: unknown[] }).statements;
    return COST.logical + inner.reduce<number>((sum, x) => sum + nested(x), 0);
  }
  if (s.notStatement) return COST.logical + nested((s.notStatement as { statement: unknown }).statement);
  if (s.rateBasedStatement) {
    const r = s.rateBasedStatement as {
      customKeys?: Array<Record<string, { textTransformations?: unknown } | undefined>>;
      scopeDownStatement?: unknown;
    };
    const keys = (r.customKeys ?? []).reduce((sum, key) => {
      const part = Object.values(key)[0];
      return sum + COST.customKey + transformationCost(part?.textTransformations);
    }, 0);
    return COST.rateBased + keys + (r.scopeDownStatement ? nested(r.scopeDownStatement) : 0);
  }
  if (s.managedRuleGroupStatement) {
    const name = (s.managedRuleGroupStatement as { name: string }).name;
    const cost = WAF_FACTS.managedGroupCapacity[name];
    if (cost === undefined) throw new Error(`no published capacity for the managed rule group ${name}`);
    return cost;
  }
  throw new Error(`no capacity price for statement ${Object.keys(s).join(', ')}`);
}

/** Capacity of a web ACL's rules. */
export function rulesCapacity(rules: readonly Rule[]): number {
  return rules.reduce((sum, r) => sum + statementCapacity(r.statement as Statement), 0);
}
