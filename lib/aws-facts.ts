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

export type EeaRegion = (typeof EEA_REGIONS)[number];

/** CLOUDFRONT-scope WAF web ACLs, CloudFront certificates and CloudFront/WAF metrics exist only here. */
export const EDGE_REGION = 'us-east-1';

/** Regions that are in Europe but whose data would leave the EEA: named in errors so the fix is obvious. */
export const NON_EEA_EUROPEAN_REGIONS: Readonly<Record<string, string>> = {
  'eu-west-2': 'London, United Kingdom',
  'eu-central-2': 'Zurich, Switzerland',
};

export function isEeaRegion(region: string): region is EeaRegion {
  return (EEA_REGIONS as readonly string[]).includes(region);
}

/**
 * The EU Region set in which DynamoDB offers multi-Region strong consistency (the booking table's
 * mode): its two replicas and witness must all be in it.
 */
export const MRSC_EU_REGIONS: readonly string[] = ['eu-west-1', 'eu-west-3', 'eu-central-1'];
