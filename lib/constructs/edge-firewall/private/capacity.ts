import type { ManagedGroupName, RateRule } from '../types';

/** A web ACL's hard capacity limit, in WAF capacity units (WCU). */
export const WEB_ACL_CAPACITY_LIMIT = 5_000;
/** Above this, WAF charges extra per request (see DESIGN.md, quotas). */
export const WEB_ACL_CAPACITY_INCLUDED = 1_500;

/** Capacity AWS publishes for each managed group (DESIGN.md, "Quotas that shape the surge design"). */
export const MANAGED_GROUP_CAPACITY: Readonly<Record<ManagedGroupName, number>> = {
  common: 700,
  knownBadInputs: 200,
  ipReputation: 25,
  anonymousIp: 50,
  botControl: 50,
  antiDdos: 50,
};

/**
 * Our own statements' cost, rounded up from WAF's published prices so that the check errs on the
 * safe side (the CheckCapacity API is the authority): a rate-based statement costs 2, each custom
 * aggregation key 30, a string match 2 (exact, starts-with) and a logical statement 1.
 */
export const STATEMENT_COST = {
  rateBased: 2,
  customKey: 30,
  stringMatch: 2,
  logical: 1,
} as const;

export function usesCustomKeys(rule: RateRule): boolean {
  return rule.keys.length > 1 || rule.keys[0]?.type !== 'ip';
}

export function scopeDownCost(rule: RateRule): number {
  const parts: number[] = [];
  const methods = rule.scopeDown?.methods ?? [];
  if (methods.length === 1) parts.push(STATEMENT_COST.stringMatch);
  if (methods.length > 1) parts.push(methods.length * STATEMENT_COST.stringMatch + STATEMENT_COST.logical);
  if (rule.scopeDown?.pathPrefix !== undefined) parts.push(STATEMENT_COST.stringMatch);
  const sum = parts.reduce((a, b) => a + b, 0);
  return parts.length > 1 ? sum + STATEMENT_COST.logical : sum;
}

export function rateRuleCapacity(rule: RateRule): number {
  const keys = usesCustomKeys(rule) ? rule.keys.length * STATEMENT_COST.customKey : 0;
  return STATEMENT_COST.rateBased + keys + scopeDownCost(rule);
}

/** Cost of the "reject requests without the origin secret" rule: NOT(string match on one header). */
export const ORIGIN_VERIFY_CAPACITY = STATEMENT_COST.stringMatch + STATEMENT_COST.logical;
