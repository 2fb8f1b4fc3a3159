import { z } from 'zod';
import { EDGE_REGION } from '../../aws-facts';

/** WAF's bounds for rate-based rules (see DESIGN.md, quotas). */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;
export const WAF_RATE_WINDOWS = [60, 120, 300, 600] as const;

/** CloudWatch Logs retention values, in days (the API rejects any other). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

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

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A rate-based rule, as data. */
export const rateRuleSchema = z.strictObject({
  /** Rule and metric name: letters and digits, unique within a web ACL. */
  name: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9]{0,63}$/,
      'must be letters and digits (1–64), starting with a letter. Fix: e.g. "PerClient"',
    ),
  /** Requests allowed per key and window; WAF blocks the key for the rest of the window above it. */
  limit: z
    .number()
    .int()
    .min(
      WAF_RATE_LIMIT_MIN,
      `must be at least ${WAF_RATE_LIMIT_MIN}, WAF's lowest rate limit. Fix: use ${WAF_RATE_LIMIT_MIN} or more`,
    )
    .max(
      WAF_RATE_LIMIT_MAX,
      `must be at most ${WAF_RATE_LIMIT_MAX}, WAF's highest rate limit. Fix: lower it`,
    ),
  /** Evaluation window, seconds. */
  windowSeconds: z.union(
    WAF_RATE_WINDOWS.map((w) => z.literal(w)),
    {
      message: `must be one of WAF's evaluation windows ${WAF_RATE_WINDOWS.join(', ')} s. Fix: use e.g. 300`,
    },
  ),
  /** Aggregation key parts. Requests that lack any part (e.g. no cookie) are not counted by this rule. */
  keys: z
    .array(rateKeySchema)
    .min(1, 'needs at least one key. Fix: e.g. [{"type":"ip"},{"type":"cookie","name":"rempart-session"}]')
    .max(5, "has more than WAF's 5 aggregation keys. Fix: drop some"),
  /** Count only the requests that match all of these (e.g. POST to the booking path). @default every request */
  scopeDown: z
    .strictObject({
      methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
      pathPrefix: z
        .string()
        .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be an absolute URL path. Fix: e.g. "/api/bookings"')
        .optional(),
    })
    .refine((s) => s.methods !== undefined || s.pathPrefix !== undefined, {
      message: 'is empty. Fix: give methods, pathPrefix or both, or remove scopeDown',
    })
    .optional(),
  /** Block (answer 429) or only count, to measure a new rule before enforcing it. */
  action: z.enum(['block', 'count']),
});

/** A managed rule group switch: off, counting only (measure first), or enforcing. */
export const managedGroupSchema = z.strictObject({
  enabled: z.boolean(),
  /** Count-first: the group's matches are only counted and logged, nothing is blocked. */
  countOnly: z.boolean(),
});

export const managedGroupsSchema = z.strictObject({
  common: managedGroupSchema,
  knownBadInputs: managedGroupSchema,
  ipReputation: managedGroupSchema,
  anonymousIp: managedGroupSchema,
  antiDdos: managedGroupSchema,
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
export const workloadEdgeSchema = z.strictObject({
  /** ACM certificate in us-east-1 covering the workload's domain name. @default created, DNS-validated in dns.hostedZoneId */
  certificateArn: certificateArn.optional(),
  rateRules: z
    .array(rateRuleSchema)
    .min(
      1,
      'is empty: without a rate rule one client can take the whole origin. Fix: keep at least a per-client rule',
    )
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.name)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            input: rule.name,
            message: 'is used by two rate rules; WAF needs unique rule names. Fix: rename one',
          });
        }
        seen.add(rule.name);
      });
    }),
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
    /** Retention of WAF and CloudFront access logs, days (personal data: keep it short). */
    logRetentionDays: z.union(
      LOG_RETENTION_DAYS.map((d) => z.literal(d)),
      { message: `must be a CloudWatch Logs retention. Fix: use one of ${LOG_RETENTION_DAYS.join(', ')}` },
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
     * Bump after putting a new secret value: CloudFormation re-reads a dynamic reference only when the
     * resource holding it changes, and this number is part of those resources (docs/edge.md, Rotation).
     */
    generation: z.number().int().min(1),
  }),
  booking: workloadEdgeSchema,
  ent: workloadEdgeSchema,
});

export type EdgeSection = z.infer<typeof edgeSectionSchema>;
export type WorkloadEdgeSection = z.infer<typeof workloadEdgeSchema>;

const sessionKey = [{ type: 'ip' as const }, { type: 'cookie' as const, name: 'rempart-session' }];

const countFirst = { enabled: true, countOnly: true };
const enforcing = { enabled: true, countOnly: false };

/**
 * Defaults. Rate keys combine the address with a session cookie so that a school or care home behind
 * one NAT address is counted per person; a looser per-address backstop still catches a flood that
 * sends no cookie (WAF does not count a request that lacks a key part).
 */
export const edgeDefaults: z.input<typeof edgeSectionSchema> = {
  shieldAdvanced: {
    enabled: false,
    applicationLayerAction: 'count',
    proactiveEngagement: { enabled: false, contacts: [] },
  },
  waf: { retryAfterSeconds: 30, logRetentionDays: 30, logOnlyMatchedRequests: true },
  alarms: { serverErrorRatePercent: 5, originLatencyMs: 3_000, blockedRequestsPer5Minutes: 10_000 },
  distribution: {
    minimumTlsVersion: 'TLSv1.2_2021',
    priceClass: 'PriceClass_100',
    apiReadCacheSeconds: 5,
    errorCachingSeconds: 10,
    retryPagePath: '/_rempart/retry.html',
  },
  originVerify: { headerName: 'x-rempart-origin-verify', secretName: 'rempart/origin-verify', generation: 1 },
  booking: {
    rateRules: [
      {
        name: 'BookingWrites',
        limit: 100,
        windowSeconds: 300,
        keys: sessionKey,
        scopeDown: { methods: ['POST'], pathPrefix: '/api/bookings' },
        action: 'block',
      },
      // A client that drops or rotates the cookie escapes the rule above; per address, writes stay
      // bounded well below what would crowd citizens out of the write throttle.
      {
        name: 'BookingWritesPerAddress',
        limit: 1_000,
        windowSeconds: 300,
        keys: [{ type: 'ip' }],
        scopeDown: { methods: ['POST'], pathPrefix: '/api/bookings' },
        action: 'block',
      },
      { name: 'PerClient', limit: 500, windowSeconds: 300, keys: sessionKey, action: 'block' },
      { name: 'PerAddress', limit: 20_000, windowSeconds: 300, keys: [{ type: 'ip' }], action: 'block' },
    ],
    managedGroups: {
      common: countFirst,
      knownBadInputs: enforcing,
      ipReputation: enforcing,
      anonymousIp: { enabled: false, countOnly: true },
      antiDdos: countFirst,
      botControl: { enabled: false, countOnly: true, inspectionLevel: 'COMMON' },
    },
    paths: { api: '/api/*', writes: ['/api/bookings'] },
    originLabel: 'origin',
  },
  ent: {
    rateRules: [
      {
        name: 'EntWrites',
        limit: 300,
        windowSeconds: 300,
        keys: sessionKey,
        scopeDown: { methods: ['POST', 'PUT'] },
        action: 'block',
      },
      {
        name: 'EntWritesPerAddress',
        limit: 3_000,
        windowSeconds: 300,
        keys: [{ type: 'ip' }],
        scopeDown: { methods: ['POST', 'PUT'] },
        action: 'block',
      },
      { name: 'PerClient', limit: 1_000, windowSeconds: 300, keys: sessionKey, action: 'block' },
      { name: 'PerAddress', limit: 50_000, windowSeconds: 300, keys: [{ type: 'ip' }], action: 'block' },
    ],
    managedGroups: {
      common: countFirst,
      knownBadInputs: enforcing,
      ipReputation: enforcing,
      anonymousIp: { enabled: false, countOnly: true },
      antiDdos: countFirst,
      botControl: { enabled: false, countOnly: true, inspectionLevel: 'COMMON' },
    },
    paths: { api: '/api/*', writes: [] },
    originLabel: 'origin',
  },
};
