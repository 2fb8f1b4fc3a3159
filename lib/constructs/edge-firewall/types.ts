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

/** An HTTP method a request scope can name. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** The methods that change state: every write scope-down covers all four unless told otherwise. */
export const WRITE_METHODS: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Which requests a rule counts. Paths are compared after URL decoding, path normalization and
 * lower-casing (WAF text transformations), so `/api/booking%73`, `/api/./bookings` and
 * `/API/BOOKINGS` all fall in the scope of `/api/bookings`.
 */
export interface RequestScope {
  /** Methods in scope, e.g. {@link WRITE_METHODS}. @default every method */
  readonly methods?: readonly HttpMethod[];
  /** Absolute, lower-case URI path prefixes, any of which matches, e.g. ["/api/bookings"]. @default every path */
  readonly pathPrefixes?: readonly string[];
}

/** A rate rule's scope: a request scope, optionally narrowed by source address. */
export interface RateScope extends RequestScope {
  /** Count only requests from IPv6 addresses (for a stricter per-address limit there). @default false */
  readonly ipv6Only?: boolean;
  /** Leave out requests from the firewall's `sharedAddresses`. @default false */
  readonly excludeSharedAddresses?: boolean;
}

/** A rate-based rule, as data. */
export interface RateRule {
  /** Rule and metric name, unique in the web ACL: letters and digits. */
  readonly name: string;
  /** Requests allowed per key and window, 10 to 2,000,000,000. */
  readonly limit: number;
  /** Evaluation window: 60, 120, 300 or 600 seconds. */
  readonly windowSeconds: number;
  /**
   * Aggregation key parts, 1 to 5. `[{type:'ip'}]` alone is WAF's plain per-IP rule. WAF omits a
   * request that lacks a part (no cookie, no header) and gives every new value its own counter:
   * such a rule is a finer limit only, next to a rule on keys a client cannot drop.
   */
  readonly keys: readonly RateKey[];
  /** Count only the requests in this scope. @default every request */
  readonly scopeDown?: RateScope;
  /** "count" measures without blocking, for a new or retuned rule. */
  readonly action: 'block' | 'count';
}

/**
 * A per-client limit that holds whatever the client does with cookies. It becomes a family of
 * rate rules (`EdgeFirewall.rateRules` lists them):
 * - `<name>`: address + session cookie, at `limit`: one counter per person, the finer limit that
 *   separates people behind a declared shared address;
 * - `<name>PerClient` (with `clientsPerFingerprint`): address + JA4 TLS fingerprint, at
 *   `limit × clientsPerFingerprint`, declared shared addresses left out: holds for a client that
 *   sends no cookie or a new one each time;
 * - `<name>PerAddress`: address alone, at `limit × peoplePerSharedAddress`: the floor no request
 *   escapes (every request has an address), sized for a school or care home behind one NAT address;
 * - `<name>PerIpv6Address`: IPv6 address alone, at `limit × clientsPerFingerprint`: IPv6 is not
 *   shared through NAT, so an IPv6 address gets no NAT allowance.
 */
export interface ClientLimit {
  /** Base rule name: letters and digits, e.g. "BookingWrites". */
  readonly name: string;
  /** Requests per client and window. */
  readonly limit: number;
  /** Evaluation window of every rule of the family: 60, 120, 300 or 600 seconds. */
  readonly windowSeconds: number;
  /** Requests the limit counts, e.g. the booking writes. @default every request */
  readonly scope?: RequestScope;
  /**
   * Clients that may legitimately share one address and one TLS fingerprint (same browser build
   * on the same network) outside declared shared addresses. @default - no fingerprint rule
   */
  readonly clientsPerFingerprint?: number;
  /** "count" measures without blocking, to size a new limit on real traffic first. @default "block" */
  readonly action?: 'block' | 'count';
}

/** Addresses that many people share (school or care-home NAT egress), in CIDR notation. */
export interface SharedAddresses {
  /** IPv4 CIDRs, e.g. a school district's egress "198.51.100.0/28". @default none */
  readonly ipv4?: readonly string[];
  /** IPv6 CIDRs. @default none */
  readonly ipv6?: readonly string[];
}

/**
 * The per-client limits of a web ACL and what they share: the session cookie, the size of an
 * undeclared shared address, the declared shared addresses. Each limit becomes a family of rate
 * rules (see {@link ClientLimit}).
 */
export interface ClientLimits {
  /** Cookie that separates people behind one address. @default - no session rule */
  readonly sessionCookie?: string;
  /** People behind the largest undeclared shared address: sizes every `<name>PerAddress` rule. */
  readonly peoplePerSharedAddress: number;
  /** Declared shared addresses: per-person limits (session cookie) and the per-address floor only. @default none */
  readonly sharedAddresses?: SharedAddresses;
  /** The limits, e.g. one for writes and a looser one for reads; names unique. */
  readonly limits: readonly ClientLimit[];
}

/** A request body size limit: bigger bodies in scope get 413 at the edge. */
export interface BodySizeLimit {
  /** Largest body accepted, bytes; below WAF's inspection limit (16 KB for CloudFront). */
  readonly maxBytes: number;
  /** Requests the limit applies to, e.g. the write paths. @default every request */
  readonly scope?: RequestScope;
}

/** Rempart's short name of an AWS managed rule group: a key of {@link ManagedGroups}. */
export type ManagedGroupName =
  'common' | 'knownBadInputs' | 'ipReputation' | 'anonymousIp' | 'antiDdos' | 'botControl';

/** Switch of one AWS managed rule group. */
export interface ManagedGroupSetting {
  /** Whether the group is in the web ACL at all (its WCU count only when it is). */
  readonly enabled: boolean;
  /** Count-first: the group's matches are counted and logged, nothing is blocked. */
  readonly countOnly: boolean;
  /**
   * Targeted exclusions: rules of the group whose action is overridden to Count (matches logged,
   * not blocked), e.g. ["SizeRestrictions_BODY"] for a service that accepts uploads. @default none
   */
  readonly countRules?: readonly string[];
}

/** Switch of Bot Control, which also has an inspection level. */
export interface BotControlSetting extends ManagedGroupSetting {
  /** TARGETED also catches bots that mimic browsers, at a higher per-request price. @default "COMMON" */
  readonly inspectionLevel?: 'COMMON' | 'TARGETED';
}

/** Switch of the Anti-DDoS group, which also has a blocking sensitivity. */
export interface AntiDdosSetting extends ManagedGroupSetting {
  /**
   * Which suspicion levels the DDoSRequests rule blocks during an event: LOW blocks only the most
   * likely participants. @default "LOW"
   */
  readonly sensitivityToBlock?: 'LOW' | 'MEDIUM' | 'HIGH';
}

/**
 * The AWS managed rule groups of a web ACL, by Rempart's short name; a group left out takes the
 * default written on it. Their WCU count against the web ACL's capacity.
 */
export interface ManagedGroups {
  /** AWSManagedRulesCommonRuleSet (700 WCU). @default enabled, blocking */
  readonly common?: ManagedGroupSetting;
  /** AWSManagedRulesKnownBadInputsRuleSet (200 WCU). @default enabled, blocking */
  readonly knownBadInputs?: ManagedGroupSetting;
  /** AWSManagedRulesAmazonIpReputationList (25 WCU). @default enabled, blocking */
  readonly ipReputation?: ManagedGroupSetting;
  /**
   * AWSManagedRulesAnonymousIpList (50 WCU). @default enabled, blocking, with AnonymousIPList in
   * Count: VPN users are citizens too, requests from hosting providers are not
   */
  readonly anonymousIp?: ManagedGroupSetting;
  /** AWSManagedRulesAntiDDoSRuleSet (50 WCU). @default enabled, blocking, sensitivity LOW */
  readonly antiDdos?: AntiDdosSetting;
  /** AWSManagedRulesBotControlRuleSet (50 WCU, extra per-request fee). @default disabled */
  readonly botControl?: BotControlSetting;
}
