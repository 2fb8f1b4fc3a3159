import { z } from 'zod';
import { EDGE_REGION, WAF_FACTS } from '../../aws-facts';
import {
  SECURITY_LOG_MIN_RETENTION_DAYS,
  WRITE_METHODS,
  edgeFirewallRulesProblems,
  type HttpMethod,
} from '../../constructs/edge-firewall/edge-firewall';

/** CloudWatch Logs retention values, in days (the API rejects any other). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** Security logs: a year at least (connection data under LCEN art. 6 and décret 2021-1362). */
const SECURITY_LOG_RETENTION_DAYS = LOG_RETENTION_DAYS.filter((d) => d >= SECURITY_LOG_MIN_RETENTION_DAYS);

const headerOrCookieName = z
  .string()
  .regex(
    /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/,
    'is not a header or cookie name. Fix: use e.g. "rempart-session"',
  );

/** One part of a rate rule's aggregation key. Several parts make a composite key (WAF CUSTOM_KEYS). */
export const rateKeySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ip') }),
  /** Viewer's address as sent by a trusted proxy in this header (e.g. "X-Forwarded-For"). */
  z.strictObject({ type: z.literal('forwardedIp'), headerName: headerOrCookieName }),
  z.strictObject({ type: z.literal('cookie'), name: headerOrCookieName }),
  z.strictObject({ type: z.literal('header'), name: headerOrCookieName }),
  z.strictObject({ type: z.literal('ja4Fingerprint') }),
  z.strictObject({ type: z.literal('httpMethod') }),
  z.strictObject({ type: z.literal('uriPath') }),
]);

const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
] as const satisfies readonly HttpMethod[];

const rateLimit = z
  .number()
  .int()
  .min(
    WAF_FACTS.rateLimitMin,
    `must be at least ${WAF_FACTS.rateLimitMin}, WAF's lowest rate limit. Fix: use ${WAF_FACTS.rateLimitMin} or more`,
  )
  .max(
    WAF_FACTS.rateLimitMax,
    `must be at most ${WAF_FACTS.rateLimitMax}, WAF's highest rate limit. Fix: lower it`,
  );

const rateWindow = z.union(
  WAF_FACTS.rateWindowsSeconds.map((w) => z.literal(w)),
  {
    message: `must be one of WAF's evaluation windows ${WAF_FACTS.rateWindowsSeconds.join(', ')} s. Fix: use e.g. 300`,
  },
);

const ruleName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9]{0,63}$/,
    'must be letters and digits (1–64), starting with a letter. Fix: e.g. "PerClient"',
  );

/** Paths are compared percent-decoded, normalized and lower-cased: prefixes are written that way. */
const pathPrefix = z
  .string()
  .regex(
    /^\/[a-z0-9/_.~-]*$/,
    'must be an absolute, lower-case URL path (WAF compares paths decoded, normalized and lower-cased). Fix: e.g. "/api/bookings"',
  );

/** Which requests a limit counts. @default every request */
const requestScopeSchema = z.strictObject({
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
  pathPrefixes: z.array(pathPrefix).min(1).optional(),
});

/** A rate-based rule, as data (beyond the client limits). */
export const rateRuleSchema = z.strictObject({
  /** Rule and metric name: letters and digits, unique within a web ACL. */
  name: ruleName,
  /** Requests allowed per key and window; WAF blocks the key for the rest of the window above it. */
  limit: rateLimit,
  /** Evaluation window, seconds. */
  windowSeconds: rateWindow,
  /** Aggregation key parts. Requests that lack any part (e.g. no cookie) are not counted by this rule. */
  keys: z
    .array(rateKeySchema)
    .min(1, 'needs at least one key. Fix: e.g. [{"type":"ip"}]')
    .max(
      WAF_FACTS.rateCustomKeysMax,
      `has more than WAF's ${WAF_FACTS.rateCustomKeysMax} aggregation keys. Fix: drop some`,
    ),
  /** Count only the requests that match all of these. @default every request */
  scopeDown: requestScopeSchema
    .extend({
      /** Only IPv6 source addresses. */
      ipv6Only: z.boolean().optional(),
      /** Leave out the declared shared addresses (clientLimits.sharedAddresses). */
      excludeSharedAddresses: z.boolean().optional(),
    })
    .refine(
      (s) =>
        s.methods !== undefined || s.pathPrefixes !== undefined || s.ipv6Only || s.excludeSharedAddresses,
      { message: 'is empty. Fix: give methods, pathPrefixes or both, or remove scopeDown' },
    )
    .optional(),
  /** Block (answer 429) or only count, to measure a new rule before enforcing it. */
  action: z.enum(['block', 'count']),
});

/** A per-client limit; it becomes up to four rate rules (docs/edge.md, "Client limits"). */
export const clientLimitSchema = z.strictObject({
  /** Base name of its rules, e.g. "BookingWrites" (→ BookingWritesPerClient, …PerAddress, …PerIpv6Address). */
  name: ruleName,
  /** Requests per client (person) and window. */
  limit: rateLimit,
  windowSeconds: rateWindow,
  /** @default every request */
  scope: requestScopeSchema.optional(),
  /**
   * Clients allowed to share one address and TLS fingerprint outside declared shared addresses.
   * Set it (1 = strictly per client) to hold the limit for clients that drop or rotate cookies.
   * @default no fingerprint rule: the per-address floor is the only one without cookies
   */
  clientsPerFingerprint: z.number().int().min(1).optional(),
  action: z.enum(['block', 'count']).default('block'),
});

const cidrV4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([1-9]|[12]\d|3[0-2])$/,
    'is not an IPv4 CIDR range (/1 to /32). Fix: e.g. "192.0.2.0/24"',
  );
const cidrV6 = z
  .string()
  .regex(
    /^[0-9a-f:]*:[0-9a-f:]*\/([1-9]|[1-9]\d|1[01]\d|12[0-8])$/,
    'is not a lower-case IPv6 CIDR range (/1 to /128). Fix: e.g. "2001:db8:1234::/48"',
  );

export const clientLimitsSchema = z.strictObject({
  /** Cookie the edge issues to every viewer; counts people apart behind one address. */
  sessionCookie: headerOrCookieName,
  /** People behind the largest undeclared shared address: per-address limits are limit × this. */
  peoplePerSharedAddress: z.number().int().min(1),
  /**
   * NAT egress ranges of schools, care homes, town halls (and IPv6 filtering proxies): per-person
   * limits (session cookie) and the per-address floor apply there, not the fingerprint and IPv6 rules.
   */
  sharedAddresses: z.strictObject({ ipv4: z.array(cidrV4), ipv6: z.array(cidrV6) }),
  limits: z
    .array(clientLimitSchema)
    .min(1, 'is empty: without a client limit one client can take the whole origin. Fix: keep at least one'),
});

/** Rule names of a managed group overridden to Count: targeted exclusions, documented in docs/edge.md. */
const countRules = z.array(
  z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not a rule name. Fix: e.g. "SizeRestrictions_BODY"'),
);

/** A managed rule group switch: off, counting only (measure first), or enforcing with exclusions. */
export const managedGroupSchema = z.strictObject({
  enabled: z.boolean(),
  /** Count-first: the group's matches are only counted and logged, nothing is blocked. */
  countOnly: z.boolean(),
  /** Rules of the group whose action is overridden to Count (false positives found in the logs). */
  countRules,
});

export const managedGroupsSchema = z.strictObject({
  common: managedGroupSchema,
  knownBadInputs: managedGroupSchema,
  ipReputation: managedGroupSchema,
  anonymousIp: managedGroupSchema,
  antiDdos: managedGroupSchema.extend({
    /** Suspicion levels DDoSRequests blocks during an event: LOW blocks only the likeliest attackers. */
    sensitivityToBlock: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  }),
  /** Off by default: Bot Control bills per request on top of WAF. */
  botControl: managedGroupSchema.extend({
    /** COMMON: self-identifying bots; TARGETED: sophisticated bots (extra per-request cost). */
    inspectionLevel: z.enum(['COMMON', 'TARGETED']),
  }),
});

const certificateArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
    'is not an ACM certificate ARN. Fix: copy it from ACM in us-east-1, e.g. "arn:aws:acm:us-east-1:123456789012:certificate/…"',
  )
  .refine((arn) => arn.split(':')[3] === EDGE_REGION, {
    message: `is not in ${EDGE_REGION}; CloudFront accepts certificates from ${EDGE_REGION} only. Fix: request or import the certificate in ${EDGE_REGION}, or remove the ARN to let Rempart create one`,
  });

const cloudFrontPathPattern = z
  .string()
  .regex(/^\/[A-Za-z0-9/_.*?-]*$/, 'is not a CloudFront path pattern. Fix: e.g. "/api/*"');

/** Edge settings of one workload's distribution and web ACL. */
export const workloadEdgeSchema = z
  .strictObject({
    /** ACM certificate in us-east-1 covering the workload's domain name. @default created, DNS-validated in dns.hostedZoneId */
    certificateArn: certificateArn.optional(),
    /** Per-client limits that hold without cookies (each a family of rate rules). */
    clientLimits: clientLimitsSchema,
    /** More rate rules, after the client limits. */
    rateRules: z.array(rateRuleSchema),
    /**
     * Request bodies larger than `maxBytes` in scope are answered 413 at the edge, before any origin
     * (a write padded to fill queues is a client mistake, not an outage). @default no edge limit
     */
    bodySizeLimit: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(1)
          .max(
            WAF_FACTS.cloudFrontBodyInspectionBytes - 1,
            `must be below ${WAF_FACTS.cloudFrontBodyInspectionBytes}, the body size WAF inspects behind CloudFront. Fix: lower it, or limit bodies at the origin`,
          ),
        scope: requestScopeSchema,
      })
      .optional(),
    managedGroups: managedGroupsSchema,
    /**
     * CloudFront path patterns of the workload's API: `api` is micro-cached and fails over between
     * Regions (GET/HEAD/OPTIONS); `writes` are uncached and reach the write origin, a DNS name that
     * fails over itself. Everything else is the static front end.
     */
    paths: z.strictObject({
      api: cloudFrontPathPattern,
      writes: z.array(cloudFrontPathPattern),
    }),
    /** First label of the write origin's name: "<originLabel>.<domainName>", a Route 53 record per Region. */
    originLabel: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'is not a DNS label. Fix: use e.g. "origin"'),
  })
  .superRefine((w, ctx) => {
    // The firewall's own checks (rule count, names, capacity inputs), once, at load.
    for (const message of edgeFirewallRulesProblems(w)) ctx.addIssue({ code: 'custom', input: w, message });
  });

export const edgeSectionSchema = z.strictObject({
  /**
   * Shield Advanced: a paid subscription (thousands of dollars a month) that must already exist in the
   * account. Off: nothing Shield-specific is synthesized; Shield Standard still protects the edge.
   */
  shieldAdvanced: z
    .strictObject({
      enabled: z.boolean(),
      /** Action of the rules Shield writes into the web ACL during an application-layer attack. Start in count. */
      applicationLayerAction: z.enum(['count', 'block']),
      /** Let the Shield Response Team call these contacts when a health check turns unhealthy during an event. */
      proactiveEngagement: z.strictObject({
        enabled: z.boolean(),
        contacts: z
          .array(
            z.strictObject({
              email: z.email({ message: 'is not an e-mail address. Fix: e.g. "soc@example.fr"' }),
              /** E.164, e.g. "+33123456789". */
              phone: z
                .string()
                .regex(/^\+[1-9]\d{1,14}$/, 'is not an E.164 phone number. Fix: write e.g. "+33123456789"')
                .optional(),
              notes: z.string().max(1024).optional(),
            }),
          )
          .max(10, 'has more than the 10 contacts Shield accepts. Fix: keep 10 at most'),
      }),
    })
    .superRefine((s, ctx) => {
      if (s.proactiveEngagement.enabled && s.proactiveEngagement.contacts.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['proactiveEngagement', 'contacts'],
          input: s.proactiveEngagement.contacts,
          message:
            'is empty while proactive engagement is enabled. Fix: add at least one contact with an e-mail',
        });
      }
    }),
  waf: z.strictObject({
    /** Seconds announced in the Retry-After header of a rate-limited request's 429. */
    retryAfterSeconds: z.number().int().min(1).max(600),
    /**
     * Retention of WAF and CloudFront access logs, days: connection data is kept one year (LCEN
     * art. 6, décret 2021-1362), no longer than needed beyond it.
     */
    logRetentionDays: z.union(
      SECURITY_LOG_RETENTION_DAYS.map((d) => z.literal(d)),
      {
        message: `must be a CloudWatch Logs retention of at least ${SECURITY_LOG_MIN_RETENTION_DAYS} days: French rules on connection data (LCEN, décret 2021-1362) ask for one year. Fix: use one of ${SECURITY_LOG_RETENTION_DAYS.join(', ')}`,
      },
    ),
    /** Log only requests that a rule blocked, counted or challenged (less personal data, lower cost). */
    logOnlyMatchedRequests: z.boolean(),
  }),
  /** Edge alarms, in us-east-1 where CloudFront and WAF metrics are. */
  alarms: z.strictObject({
    /** CloudFront 5xx error rate, percent of requests, over 3 of 5 minutes. */
    serverErrorRatePercent: z.number().positive().max(100),
    /** Origin latency (p90), milliseconds, over 5 minutes. */
    originLatencyMs: z.number().int().positive(),
    /** Requests the web ACL blocked in 5 minutes: a flood being filtered (informative). */
    blockedRequestsPer5Minutes: z.number().int().positive(),
  }),
  distribution: z.strictObject({
    /** Oldest TLS policy viewers may use. */
    minimumTlsVersion: z.enum(['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025']),
    /** Edge locations used: PriceClass_100 is Europe and North America. */
    priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']),
    /** Seconds a cacheable API read (GET) is kept at the edge: micro-caching absorbs the surge. */
    apiReadCacheSeconds: z
      .number()
      .int()
      .min(1)
      .max(60, 'must be at most 60 s (availability data goes stale). Fix: use e.g. 5'),
    /** Seconds CloudFront caches an error before asking the origin again. */
    errorCachingSeconds: z.number().int().min(0).max(300),
    /** Path at which the static "high demand, retry" page is served. */
    retryPagePath: z
      .string()
      .regex(
        /^\/[A-Za-z0-9/_.-]+\.html$/,
        'must be an absolute path to an .html page. Fix: e.g. "/_rempart/retry.html"',
      ),
  }),
  /**
   * The header CloudFront adds to every origin request and regional web ACLs require, so that origins
   * answer only through CloudFront. Its value is generated in Secrets Manager, never in configuration.
   */
  originVerify: z.strictObject({
    headerName: headerOrCookieName,
    /** Secrets Manager name of the generated value, replicated to every Region that needs it. */
    secretName: z
      .string()
      .regex(
        /^[A-Za-z0-9/_+=.@-]{1,256}$/,
        'is not a Secrets Manager name. Fix: e.g. "rempart/origin-verify"',
      ),
    /**
     * Bump to make a deploy re-read the secrets outside a rotation: CloudFormation re-reads a dynamic
     * reference only when the resource holding it changes, and this number is part of those resources.
     */
    generation: z.number().int().min(1),
    /** Days between automatic rotations (the previous value stays accepted until the next one). */
    rotationDays: z.number().int().min(1).max(365),
    /**
     * Alias of the customer-managed key in us-east-1 that encrypts the secrets' replicas there
     * (created by the edge key stack, deployed before the application Regions).
     */
    replicaKeyAlias: z
      .string()
      .regex(
        /^alias\/[A-Za-z0-9/_-]{1,250}$/,
        'is not a KMS alias name. Fix: e.g. "alias/rempart/origin-secret-replicas"',
      )
      .refine((a) => !a.startsWith('alias/aws/'), {
        message:
          'is an AWS-managed key alias; the replicas need a customer-managed key. Fix: e.g. "alias/rempart/origin-secret-replicas"',
      }),
  }),
  booking: workloadEdgeSchema,
  ent: workloadEdgeSchema,
});

/**
 * The validated `edge` section: Shield Advanced, edge logging, the origin-secret keys, and each
 * workload's web ACL and paths. Field by field: docs/configuration.md, "Edge (CloudFront, WAF,
 * Shield)".
 */
export type EdgeSection = z.infer<typeof edgeSectionSchema>;
/**
 * One workload's part of the `edge` section (`edge.booking`, `edge.ent`): its certificate, client
 * limits, rate rules, body size limit, managed rule groups and CloudFront paths.
 */
export type WorkloadEdgeSection = z.infer<typeof workloadEdgeSchema>;

const WRITES = [...WRITE_METHODS];
const enforcing = { enabled: true, countOnly: false, countRules: [] };
/** Defaults every workload starts from: everything that blocked the 2021 floods blocks. */
const managedDefaults = {
  common: enforcing,
  knownBadInputs: enforcing,
  ipReputation: enforcing,
  // VPN and Tor users are citizens too (Count); rented servers are not (HostingProviderIPList blocks).
  anonymousIp: { enabled: true, countOnly: false, countRules: ['AnonymousIPList'] },
  antiDdos: { ...enforcing, sensitivityToBlock: 'LOW' as const },
  // Off for cost: Bot Control bills per request. Switch on for an opening under bot pressure.
  botControl: { enabled: false, countOnly: false, countRules: [], inspectionLevel: 'COMMON' as const },
};

/**
 * Defaults. Each client limit holds for a client that drops or rotates cookies (address + TLS
 * fingerprint), while people behind one school or care-home address are counted apart by the
 * session cookie the edge issues; the per-address floor is sized for `peoplePerSharedAddress`.
 */
export const edgeDefaults: z.input<typeof edgeSectionSchema> = {
  shieldAdvanced: {
    enabled: false,
    applicationLayerAction: 'count',
    proactiveEngagement: { enabled: false, contacts: [] },
  },
  waf: { retryAfterSeconds: 30, logRetentionDays: 365, logOnlyMatchedRequests: true },
  alarms: { serverErrorRatePercent: 5, originLatencyMs: 3_000, blockedRequestsPer5Minutes: 10_000 },
  distribution: {
    minimumTlsVersion: 'TLSv1.2_2021',
    priceClass: 'PriceClass_100',
    apiReadCacheSeconds: 5,
    errorCachingSeconds: 10,
    retryPagePath: '/_rempart/retry.html',
  },
  originVerify: {
    headerName: 'x-rempart-origin-verify',
    secretName: 'rempart/origin-verify',
    generation: 1,
    rotationDays: 30,
    replicaKeyAlias: 'alias/rempart/origin-secret-replicas',
  },
  booking: {
    clientLimits: {
      sessionCookie: 'rempart-session',
      // A care home or library booking for its residents: 40 people behind one address.
      peoplePerSharedAddress: 40,
      sharedAddresses: { ipv4: [], ipv6: [] },
      limits: [
        {
          name: 'BookingWrites',
          limit: 100,
          windowSeconds: 300,
          scope: { methods: WRITES, pathPrefixes: ['/api/bookings'] },
          // Strictly per client: 100 writes per address and browser build, cookies or not.
          clientsPerFingerprint: 1,
        },
        { name: 'AllRequests', limit: 500, windowSeconds: 300 },
      ],
    },
    rateRules: [],
    // A booking is a few hundred bytes of JSON; anything near SQS's message size is an attack.
    bodySizeLimit: { maxBytes: 8_192, scope: { methods: WRITES, pathPrefixes: ['/api/'] } },
    managedGroups: managedDefaults,
    paths: { api: '/api/*', writes: ['/api/bookings', '/api/bookings/*'] },
    originLabel: 'origin',
  },
  ent: {
    clientLimits: {
      sessionCookie: 'rempart-session',
      // A school: 50 pupils logging in within five minutes behind its one address.
      peoplePerSharedAddress: 50,
      sharedAddresses: { ipv4: [], ipv6: [] },
      limits: [
        {
          name: 'EntWrites',
          limit: 300,
          windowSeconds: 300,
          scope: { methods: WRITES },
          // A class on identical devices shares one fingerprint: 10 people per address and build
          // before the fingerprint floor acts (declare school ranges to lift it).
          clientsPerFingerprint: 10,
        },
        { name: 'AllRequests', limit: 1_000, windowSeconds: 300 },
      ],
    },
    rateRules: [],
    managedGroups: {
      ...managedDefaults,
      // Homework uploads exceed the 8 KB body rule, and message editors post HTML.
      common: { ...enforcing, countRules: ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'] },
    },
    paths: { api: '/api/*', writes: [] },
    originLabel: 'origin',
  },
};
