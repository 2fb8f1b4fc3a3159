/**
 * AWS Regions whose data stays inside the European Economic Area.
 *
 * Why a hand-kept list: the EEA is a legal boundary, not an AWS grouping. London (eu-west-2) and
 * Zurich (eu-central-2) are in Europe but outside the EEA, so they are absent on purpose.
 */
export const EEA_REGIONS = [
  'eu-west-1', // Ireland
  'eu-west-3', // Paris
  'eu-central-1', // Frankfurt
  'eu-north-1', // Stockholm
  'eu-south-1', // Milan
  'eu-south-2', // Spain
] as const;

/** One of `EEA_REGIONS`: a Region where data may be kept. */
export type EeaRegion = (typeof EEA_REGIONS)[number];

/** CLOUDFRONT-scope WAF web ACLs, CloudFront certificates and CloudFront/WAF metrics exist only here. */
export const EDGE_REGION = 'us-east-1';

/** Regions that are in Europe but whose data would leave the EEA: named in errors so the fix is obvious. */
export const NON_EEA_EUROPEAN_REGIONS: Readonly<Record<string, string>> = {
  'eu-west-2': 'London, United Kingdom',
  'eu-central-2': 'Zurich, Switzerland',
};

/**
 * Whether `region` keeps data inside the EEA. Every data Region of the configuration is checked with
 * it; a type guard, so code after the check may rely on the narrower type.
 */
export function isEeaRegion(region: string): region is EeaRegion {
  return (EEA_REGIONS as readonly string[]).includes(region);
}

/**
 * The EU Region set in which DynamoDB offers multi-Region strong consistency (the booking table's
 * mode): its two replicas and witness must all be in it.
 */
export const MRSC_EU_REGIONS: readonly string[] = ['eu-west-1', 'eu-west-3', 'eu-central-1'];

/**
 * Service limits that configuration could exceed, each checked at synth with the field that sets it.
 * Hard limits unless marked as a default quota (which an account can raise: set it in configuration).
 */
export const AWS_LIMITS = {
  /** AWS WAF: rate-based rules per web ACL (hard). */
  wafRateRulesPerWebAcl: 10,
  /** Amazon ECS: tasks per service (default quota). */
  ecsTasksPerService: 5_000,
  /** Elastic Load Balancing: targets per Application Load Balancer (default quota; IP targets count one each). */
  albTargetsPerLoadBalancer: 1_000,
  /** Tag keys starting with this prefix are reserved by AWS and refused by every service. */
  reservedTagPrefix: 'aws:',
  tagKeyMaxLength: 128,
  tagValueMaxLength: 256,
} as const;

/**
 * AWS WAF facts the edge firewall relies on (AWS WAF Developer Guide: rate-based rules, text
 * transformations, oversize request components, WCU prices; checked December 2026).
 */
export const WAF_FACTS = {
  /** Hard capacity of a web ACL, in WAF capacity units (WCU). */
  webAclCapacityLimit: 5_000,
  /** Capacity included in the base price; above it WAF charges more per request. */
  webAclCapacityIncluded: 1_500,
  rateLimitMin: 10,
  rateLimitMax: 2_000_000_000,
  rateWindowsSeconds: [60, 120, 300, 600] as readonly number[],
  /** Aggregation key parts of one rate-based rule. */
  rateCustomKeysMax: 5,
  /** Text transformations on one statement. */
  textTransformationsMax: 10,
  /**
   * Bytes of a request body CloudFront forwards to WAF unless the web ACL's AssociationConfig
   * raises it (up to 64 KB, for a fee). A body size constraint must use a smaller size, and
   * `OversizeHandling: MATCH` so that a longer body still matches.
   */
  cloudFrontBodyInspectionBytes: 16_384,
  /** IP sets accept every CIDR except /0: "all IPv6" is the two halves ::/1 and 8000::/1. */
  allIpv6Cidrs: ['::/1', '8000::/1'] as readonly string[],
  /** Published capacity of the AWS managed rule groups Rempart uses. */
  managedGroupCapacity: {
    AWSManagedRulesCommonRuleSet: 700,
    AWSManagedRulesKnownBadInputsRuleSet: 200,
    AWSManagedRulesAmazonIpReputationList: 25,
    AWSManagedRulesAnonymousIpList: 50,
    AWSManagedRulesBotControlRuleSet: 50,
    AWSManagedRulesAntiDDoSRuleSet: 50,
  } as Readonly<Record<string, number>>,
  /**
   * Published WCU of the statements Rempart writes: rate-based 2 (+30 per custom key), byte match
   * 2 (exact, starts-with), regex 3, size constraint 1, IP set 1, logical 1, and 10 per text
   * transformation. The CheckCapacity API remains the authority.
   */
  statementCost: {
    rateBased: 2,
    customKey: 30,
    byteMatch: 2,
    regex: 3,
    sizeConstraint: 1,
    ipSet: 1,
    logical: 1,
    textTransformation: 10,
  },
} as const;
