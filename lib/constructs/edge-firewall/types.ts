/** One part of a rate rule's aggregation key; several parts make a composite key (WAF CUSTOM_KEYS). */
export type RateKey =
  | { readonly type: 'ip' }
  /** The viewer address a trusted proxy put in this header. */
  | { readonly type: 'forwardedIp'; readonly headerName: string }
  | { readonly type: 'cookie'; readonly name: string }
  | { readonly type: 'header'; readonly name: string }
  | { readonly type: 'ja4Fingerprint' }
  | { readonly type: 'httpMethod' }
  | { readonly type: 'uriPath' };

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A rate-based rule, as data. */
export interface RateRule {
  /** Rule and metric name, unique in the web ACL: letters and digits. */
  readonly name: string;
  /** Requests allowed per key and window, 10 to 2,000,000,000. */
  readonly limit: number;
  /** Evaluation window: 60, 120, 300 or 600 seconds. */
  readonly windowSeconds: number;
  /**
   * Aggregation key parts, 1 to 5. `[{type:'ip'}]` alone is WAF's plain per-IP rule. A request
   * that lacks a part (no cookie, no header) is not counted by the rule: pair such a rule with an
   * IP-only backstop.
   */
  readonly keys: readonly RateKey[];
  /** Count only requests matching every given condition. @default every request */
  readonly scopeDown?: {
    readonly methods?: readonly HttpMethod[];
    /** URI path prefix, e.g. "/api/bookings". */
    readonly pathPrefix?: string;
  };
  /** "count" measures without blocking, for a new or retuned rule. */
  readonly action: 'block' | 'count';
}

export type ManagedGroupName =
  'common' | 'knownBadInputs' | 'ipReputation' | 'anonymousIp' | 'antiDdos' | 'botControl';

/** Switch of one AWS managed rule group. */
export interface ManagedGroupSetting {
  readonly enabled: boolean;
  /** Count-first: the group's matches are counted and logged, nothing is blocked. */
  readonly countOnly: boolean;
}

export interface BotControlSetting extends ManagedGroupSetting {
  /** @default "COMMON" */
  readonly inspectionLevel?: 'COMMON' | 'TARGETED';
}

export interface ManagedGroups {
  /** AWSManagedRulesCommonRuleSet (700 WCU). @default enabled, count only */
  readonly common?: ManagedGroupSetting;
  /** AWSManagedRulesKnownBadInputsRuleSet (200 WCU). @default enabled, enforcing */
  readonly knownBadInputs?: ManagedGroupSetting;
  /** AWSManagedRulesAmazonIpReputationList (25 WCU). @default enabled, enforcing */
  readonly ipReputation?: ManagedGroupSetting;
  /** AWSManagedRulesAnonymousIpList (50 WCU). @default disabled (VPN users are citizens too) */
  readonly anonymousIp?: ManagedGroupSetting;
  /** AWSManagedRulesAntiDDoSRuleSet (50 WCU). @default enabled, count only (it needs a traffic baseline) */
  readonly antiDdos?: ManagedGroupSetting;
  /** AWSManagedRulesBotControlRuleSet (50 WCU, extra per-request fee). @default disabled */
  readonly botControl?: BotControlSetting;
}
