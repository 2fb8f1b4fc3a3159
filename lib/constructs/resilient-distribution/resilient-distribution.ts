import * as path from 'node:path';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { EDGE_REGION } from '../../aws-facts';
import { SECURITY_LOG_MIN_RETENTION_DAYS } from '../edge-firewall/edge-firewall';

/** CloudFront certificates, its access-log source and CLOUDFRONT-scope web ACLs exist only here. */
export const CLOUDFRONT_REGION = EDGE_REGION;

/**
 * What a path serves, which decides caching, methods and failover:
 * - `static`: front-end files, long cache, GET/HEAD, may fail over to a replica (origin group);
 * - `read`: cacheable API reads, micro-cached for seconds, GET/HEAD/OPTIONS, may fail over;
 * - `write`: uncached, every method, one origin (CloudFront origin groups fail over only
 *   GET/HEAD/OPTIONS, so the write origin must be a DNS name that fails over itself);
 * - `dynamic`: a whole web application (pages, forms), uncached, every method; with a fallback its
 *   GET/HEAD/OPTIONS fail over to the other Region and other methods reach the primary only. For
 *   origins that cannot sit behind a failover DNS name (CloudFront VPC origins).
 */
export type RouteKind = 'static' | 'read' | 'write' | 'dynamic';

/** What one behaviour serves: its kind (caching, methods, failover) and its origins. */
export interface Route {
  /** What the path serves (see {@link RouteKind}). */
  readonly kind: RouteKind;
  /** The origin, in the primary Region for routes with a fallback. */
  readonly origin: cloudfront.IOrigin;
  /** Same content in the other Region; turns the route into an origin failover group. @default none */
  readonly fallbackOrigin?: cloudfront.IOrigin;
  /**
   * `read` routes: the query parameters the origin needs, the only ones in the cache key and
   * forwarded. Any other parameter (`?r=<random>`) is dropped, so it cannot bypass the cache.
   * @default none: the query string is neither cached on nor forwarded
   */
  readonly queryParameters?: readonly string[];
}

/** A route for the requests that match a path pattern. */
export interface PathRoute extends Route {
  /** CloudFront path pattern, e.g. "/api/*". */
  readonly pathPattern: string;
}

/**
 * The static page CloudFront serves in place of an origin's 5xx. It lives on its own origin, so that
 * it is still there when the application's origins are not.
 */
export interface RetryPage {
  /** Origin that holds the page (e.g. an S3 bucket with origin access control). */
  readonly origin: cloudfront.IOrigin;
  /** Absolute path of the page, e.g. "/_rempart/retry.html"; its folder gets its own behaviour. */
  readonly path: string;
}

/** Where the distribution's standard logs go: a CloudWatch Logs group in us-east-1. */
export interface AccessLogging {
  /** Customer-managed key of the access-log group. */
  readonly encryptionKey: kms.IKey;
  /** At least a year (connection data, LCEN and décret 2021-1362). @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
}

/**
 * A viewer-request CloudFront Function (for example a waiting-room gate reading a KeyValueStore)
 * run on chosen behaviours before the cache. CloudFront runs one function per event type and
 * behaviour; the client-cookie function is a viewer-response one, so both fit.
 */
export interface ViewerRequestFunction {
  /** A `cloudfront-js-2.0` function; its KeyValueStore association travels with it. */
  readonly function: cloudfront.IFunction;
  /** Path patterns of `routes` it runs on; each must be one of them. @default none */
  readonly pathPatterns?: readonly string[];
  /** Also on the default behaviour. @default false */
  readonly defaultRoute?: boolean;
}

/** Props of {@link ResilientDistribution}. */
export interface ResilientDistributionProps {
  /** Public host name served, e.g. "rdv.example.fr". */
  readonly domainName: string;
  /**
   * Cookie that the edge firewall's rate rules aggregate on (with the address), so that many people
   * behind one NAT address are counted apart. When set, a CloudFront Function gives every viewer
   * that lacks it a random value, on every behaviour. @default - no cookie is issued
   */
  readonly clientCookie?: string;
  /**
   * Certificate in us-east-1 covering `domainName`. Give it, or give `hostedZone` to have one
   * created and validated by DNS. @default - created in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Zone of `domainName`: validates a created certificate and receives the A/AAAA alias records.
   * @default none
   */
  readonly hostedZone?: route53.IHostedZone;
  /** ARN of a CLOUDFRONT-scope web ACL (e.g. `EdgeFirewall.webAclArn`). */
  readonly webAclArn: string;
  /** What every path not matched by `routes` serves. */
  readonly defaultRoute: Route;
  /**
   * Behaviours by path pattern, in order of precedence, e.g. "/api/*" before the static default.
   * @default none
   */
  readonly routes?: readonly PathRoute[];
  /** A viewer-request function on some routes (never on the retry page). @default none */
  readonly viewerRequest?: ViewerRequestFunction;
  /**
   * Object served for "/", so that the bucket listing or an origin's own root is never exposed.
   * @default "index.html" when the default route is static; none for a dynamic application (its
   * own "/" answers)
   */
  readonly defaultRootObject?: string;
  /** Static "high demand, retry in a moment" page served instead of a raw error. */
  readonly retryPage: RetryPage;
  /**
   * Status codes replaced by the retry page (the code itself is kept). CloudFront cannot customise
   * 429: rate-limited viewers get the web ACL's own 429 with Retry-After. @default [500, 502, 503, 504]
   */
  readonly retryStatusCodes?: readonly number[];
  /** How long CloudFront caches an error before asking the origin again. @default 10 seconds */
  readonly errorCachingTtl?: Duration;
  /** Edge cache time of `read` routes (micro-caching). @default 5 seconds */
  readonly readCacheTtl?: Duration;
  /** Oldest TLS policy for viewers; older than TLSv1.2_2021 is refused. @default TLSv1.2_2021 */
  readonly minimumProtocolVersion?: cloudfront.SecurityPolicyProtocol;
  /**
   * Edge locations used; the public served is in Europe.
   * @default PriceClass.PRICE_CLASS_100 (Europe and North America)
   */
  readonly priceClass?: cloudfront.PriceClass;
  /** Content-Security-Policy sent with every response. @default "default-src 'self'; …" (no third party) */
  readonly contentSecurityPolicy?: string;
  /** Standard logging (v2) to an encrypted CloudWatch Logs group in us-east-1. */
  readonly accessLogging: AccessLogging;
  /** Shown in the CloudFront console. @default - none */
  readonly comment?: string;
}

/**
 * CloudFront standard-log fields kept. Left out on purpose: the viewer's address and port (`c-ip`,
 * `c-port`, `x-forwarded-for`) and its cookies (`cs(Cookie)`), personal data that would otherwise sit
 * in us-east-1; the WAF logs keep the address of blocked or counted requests only.
 */
export const ACCESS_LOG_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
] as const;

const TLS_POLICIES_ALLOWED: readonly string[] = [
  cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
  cloudfront.SecurityPolicyProtocol.TLS_V1_2_2025,
  cloudfront.SecurityPolicyProtocol.TLS_V1_3_2025,
];
// CloudFront's custom error responses accept only these; 429 is not among them (WAF answers it).
/** CloudFront accepts at most this many query strings in a cache policy's allow list. */
const MAX_CACHE_KEY_QUERY_PARAMETERS = 10;
const ERROR_CODES_ALLOWED = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
const STATIC_FAILOVER_CODES = [403, 404, 500, 502, 503, 504];
// 403 included: a Region whose origin guard refuses CloudFront (a secret changed by hand, outside
// the two-value rotation) answers 403, and the other Region still trusts CloudFront.
const READ_FAILOVER_CODES = [403, 500, 502, 503, 504];
const DEFAULT_CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'; upgrade-insecure-requests";

/**
 * A CloudFront distribution that keeps answering during a surge and the loss of a Region: TLS 1.2
 * (2021) or newer, HTTPS only to viewers and origins, security headers, access logs, a web ACL,
 * static files and cacheable reads behind origin failover groups (reads micro-cached), writes on
 * their own uncached behaviour whose origin is a failover DNS name, and a static bilingual "retry"
 * page instead of raw 5xx errors (429s come from the web ACL, with Retry-After).
 */
export class ResilientDistribution extends Construct {
  /** The distribution, to alarm on its 5xx rate (metrics in us-east-1). */
  public readonly distribution: cloudfront.Distribution;
  /** The viewer certificate: `certificate`, or the one created. */
  public readonly certificate: acm.ICertificate;
  /** The us-east-1 log group of standard logs (no viewer address, no cookies). */
  public readonly accessLogGroup: logs.LogGroup;
  /** The public host name served. */
  public readonly domainName: string;

  constructor(scope: Construct, id: string, props: ResilientDistributionProps) {
    super(scope, id);
    validate(this, props);
    this.domainName = props.domainName;
    const readTtl = props.readCacheTtl ?? Duration.seconds(5);

    this.certificate =
      props.certificate ??
      new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        // validate() guarantees the zone when no certificate is given.
        validation: acm.CertificateValidation.fromDns(props.hostedZone),
      });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Security headers of ${props.domainName}`,
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy: props.contentSecurityPolicy ?? DEFAULT_CSP,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
      removeHeaders: ['Server', 'X-Powered-By'],
    });

    // One micro-cache policy per distinct parameter allowlist, created only for read routes. The
    // cache key never holds a parameter the origin does not read: a random `?r=` is a cache hit.
    const readCaches = new Map<string, cloudfront.CachePolicy>();
    const readCachePolicy = (parameters: readonly string[] = []) => {
      const names = [...new Set(parameters)].sort();
      const key = names.join('&');
      let policy = readCaches.get(key);
      if (!policy) {
        policy = new cloudfront.CachePolicy(
          this,
          readCaches.size === 0 ? 'ReadMicroCache' : `ReadMicroCache${readCaches.size + 1}`,
          {
            comment: `API reads of ${props.domainName}, cached ${readTtl.toSeconds()} s at the edge, keyed on ${names.length ? names.join(', ') : 'the path only'}`,
            minTtl: Duration.seconds(0),
            defaultTtl: readTtl,
            maxTtl: readTtl,
            queryStringBehavior: names.length
              ? cloudfront.CacheQueryStringBehavior.allowList(...names)
              : cloudfront.CacheQueryStringBehavior.none(),
            headerBehavior: cloudfront.CacheHeaderBehavior.none(),
            cookieBehavior: cloudfront.CacheCookieBehavior.none(),
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
          },
        );
        readCaches.set(key, policy);
      }
      return policy;
    };

    const clientCookie = props.clientCookie ? this.clientCookieFunction(props.clientCookie) : undefined;
    const gate = props.viewerRequest;
    const behavior = (route: Route, gated: boolean): cloudfront.BehaviorOptions => {
      const functionAssociations: cloudfront.FunctionAssociation[] = [
        ...(gated && gate
          ? [{ function: gate.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }]
          : []),
        ...(clientCookie
          ? [{ function: clientCookie, eventType: cloudfront.FunctionEventType.VIEWER_RESPONSE }]
          : []),
      ];
      const common = {
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: functionAssociations.length ? functionAssociations : undefined,
      };
      switch (route.kind) {
        case 'static':
          return {
            ...common,
            origin: withFailover(route, STATIC_FAILOVER_CODES),
            allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          };
        case 'read':
          return {
            ...common,
            origin: withFailover(route, READ_FAILOVER_CODES),
            allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
            cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
            cachePolicy: readCachePolicy(route.queryParameters),
          };
        case 'write':
        case 'dynamic':
          return {
            ...common,
            origin: route.kind === 'write' ? route.origin : withFailover(route, READ_FAILOVER_CODES),
            allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
            cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
            // The origin's certificate and API Gateway's routing match the origin's own host name.
            originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          };
      }
    };

    const retryFolder = `${path.posix.dirname(props.retryPage.path)}/*`;
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {
      [retryFolder]: {
        origin: props.retryPage.origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
    };
    const gatedPatterns = new Set(gate?.pathPatterns ?? []);
    for (const route of props.routes ?? []) {
      additionalBehaviors[route.pathPattern] = behavior(route, gatedPatterns.has(route.pathPattern));
    }

    const errorTtl = props.errorCachingTtl ?? Duration.seconds(10);
    this.distribution = new cloudfront.Distribution(this, 'Resource', {
      comment: props.comment,
      domainNames: [props.domainName],
      certificate: this.certificate,
      minimumProtocolVersion: props.minimumProtocolVersion ?? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: props.webAclArn,
      defaultRootObject:
        props.defaultRootObject ?? (props.defaultRoute.kind === 'static' ? 'index.html' : undefined),
      defaultBehavior: behavior(props.defaultRoute, gate?.defaultRoute === true),
      additionalBehaviors,
      errorResponses: (props.retryStatusCodes ?? [500, 502, 503, 504]).map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: httpStatus,
        responsePagePath: props.retryPage.path,
        ttl: errorTtl,
      })),
      // Per-distribution metrics such as OriginLatency, needed by the edge alarms.
      publishAdditionalMetrics: true,
    });

    this.accessLogGroup = this.accessLogs(props.accessLogging);

    if (props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasA', { zone: props.hostedZone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'AliasAaaa', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target,
      });
    }

    const cfn = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
    acknowledge(cfn, {
      id: 'AwsSolutions-CFR3',
      reason:
        'Access logs are delivered by CloudFront standard logging v2 (AWS::Logs::Delivery in this construct) to a KMS-encrypted CloudWatch Logs group with retention; the rule only recognises the legacy S3 "Logging" property, which needs an ACL-enabled bucket.',
    });
    if (props.defaultRoute.kind !== 'static' && !props.defaultRootObject) {
      acknowledge(cfn, {
        id: 'cloudfront-dynamic-app-root',
        reason:
          'The default route is a dynamic application that serves "/" itself; a default root object would make CloudFront rewrite "/" to an object the application may not have.',
      });
    }
    acknowledge(cfn, {
      id: 'AwsSolutions-CFR1',
      reason:
        'A public service for residents and citizens, who also connect from abroad or through roaming carriers; geography is not an access control here. Abuse is handled by the web ACL rate rules, IP reputation and Shield.',
    });
  }

  /**
   * A CloudFront metric of this distribution. CloudWatch files them under two dimensions,
   * DistributionId and Region "Global"; an alarm on DistributionId alone never receives data.
   */
  public metric(metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName,
      dimensionsMap: { DistributionId: this.distribution.distributionId, Region: 'Global' },
      region: CLOUDFRONT_REGION,
      period: Duration.minutes(1),
      ...options,
    });
  }

  /** Share of viewer requests answered 5xx, percent. */
  public metric5xxErrorRate(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('5xxErrorRate', { statistic: 'Average', ...options });
  }

  /**
   * Time the origins take to answer, milliseconds (needs the additional metrics, which this construct
   * enables).
   */
  public metricOriginLatency(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('OriginLatency', { statistic: 'p90', ...options });
  }

  /** CloudFront standard logging v2: a delivery source (the distribution) to an encrypted log group. */
  private accessLogs(logging: AccessLogging): logs.LogGroup {
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: logging.encryptionKey,
      retention: logging.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const name = Names.uniqueResourceName(this, { maxLength: 60, separator: '-' });
    const source = new logs.CfnDeliverySource(this, 'AccessLogSource', {
      name: `${name}-src`,
      logType: 'ACCESS_LOGS',
      resourceArn: this.distribution.distributionArn,
    });
    const destination = new logs.CfnDeliveryDestination(this, 'AccessLogDestination', {
      name: `${name}-dst`,
      outputFormat: 'json',
      destinationResourceArn: stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroup.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    });
    const delivery = new logs.CfnDelivery(this, 'AccessLogDelivery', {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.attrArn,
      recordFields: [...ACCESS_LOG_FIELDS],
    });
    delivery.node.addDependency(source);
    delivery.node.addDependency(destination);
    return logGroup;
  }

  /**
   * Viewer-response function: WAF counts a request in a cookie-keyed rule only when the cookie is
   * present, so a browser gets one at once and is counted per person from its second request (the
   * firewall's fingerprint and address floors hold clients that drop it). The value is not a
   * secret (it only separates clients for rate limiting), hence Math.random in the JS 2.0 runtime.
   */
  private clientCookieFunction(name: string): cloudfront.Function {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new Error(
        `ResilientDistribution ${this.node.path}: clientCookie is "${name}". Fix: use 1-64 letters, digits, "_" or "-"`,
      );
    }
    return new cloudfront.Function(this, 'ClientCookie', {
      comment: `Issues the ${name} cookie the rate rules aggregate on`,
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          `  if (event.request.cookies['${name}']) return event.response;`,
          "  var id = '';",
          "  for (var i = 0; i < 4; i++) id += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');",
          `  event.response.cookies['${name}'] = { value: id, attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=86400' };`,
          '  return event.response;',
          '}',
        ].join('\n'),
      ),
    });
  }
}

function withFailover(route: Route, codes: number[]): cloudfront.IOrigin {
  if (!route.fallbackOrigin) return route.origin;
  return new origins.OriginGroup({
    primaryOrigin: route.origin,
    fallbackOrigin: route.fallbackOrigin,
    fallbackStatusCodes: codes,
  });
}

function validate(scope: Construct, props: ResilientDistributionProps): void {
  const problems: string[] = [];
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && region !== CLOUDFRONT_REGION) {
    problems.push(
      `the stack is in ${region}. Fix: create ResilientDistribution in a ${CLOUDFRONT_REGION} stack, where CloudFront certificates, access-log delivery and metrics live`,
    );
  }
  if (!props.certificate && !props.hostedZone) {
    problems.push(
      'neither certificate nor hostedZone is given. Fix: pass a us-east-1 certificate, or the hosted zone to create one in',
    );
  }
  const certArn = props.certificate?.certificateArn;
  if (certArn && !Token.isUnresolved(certArn)) {
    const certRegion = certArn.split(':')[3];
    if (certRegion !== CLOUDFRONT_REGION) {
      problems.push(
        `certificate ${certArn} is in ${certRegion || 'no Region'}. Fix: CloudFront accepts only certificates from ${CLOUDFRONT_REGION}; request or import it there`,
      );
    }
  }
  if (
    !Token.isUnresolved(props.webAclArn) &&
    !/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//.test(props.webAclArn)
  ) {
    problems.push(
      `webAclArn ${props.webAclArn} is not a CLOUDFRONT-scope web ACL. Fix: use a web ACL with scope CLOUDFRONT created in ${CLOUDFRONT_REGION}`,
    );
  }
  const version = props.minimumProtocolVersion;
  if (version && !TLS_POLICIES_ALLOWED.includes(version)) {
    problems.push(`minimumProtocolVersion is ${version}. Fix: use ${TLS_POLICIES_ALLOWED.join(', ')}`);
  }
  const routes: Array<[string, Route]> = [
    ['defaultRoute', props.defaultRoute],
    ...(props.routes ?? []).map((r): [string, Route] => [`routes "${r.pathPattern}"`, r]),
  ];
  for (const [where, route] of routes) {
    if (route.kind === 'write' && route.fallbackOrigin) {
      problems.push(
        `${where} is a write route with a fallbackOrigin: CloudFront origin groups fail over only GET, HEAD and OPTIONS. Fix: drop fallbackOrigin and use an origin whose DNS name fails over (Route 53 failover record with health checks)`,
      );
    }
  }
  const patterns = (props.routes ?? []).map((r) => r.pathPattern);
  const duplicate = patterns.find((p, i) => patterns.indexOf(p) !== i);
  if (duplicate) problems.push(`routes repeat the path pattern "${duplicate}". Fix: list each pattern once`);
  for (const [where, route] of routes) {
    const params = route.queryParameters ?? [];
    if (params.length && route.kind !== 'read') {
      problems.push(
        `${where} is a ${route.kind} route with queryParameters. Fix: list query parameters on read routes only (the others are cached on the path, or not cached at all)`,
      );
    }
    if (params.length > MAX_CACHE_KEY_QUERY_PARAMETERS) {
      problems.push(
        `${where} lists ${params.length} query parameters. Fix: keep at most ${MAX_CACHE_KEY_QUERY_PARAMETERS}, CloudFront's limit for a cache key`,
      );
    }
    for (const p of params) {
      if (!/^[A-Za-z0-9_.~-]{1,128}$/.test(p)) {
        problems.push(`${where} has query parameter "${p}". Fix: use the parameter's name, e.g. "date"`);
      }
    }
  }
  const root = props.defaultRootObject;
  if (root !== undefined && !/^[A-Za-z0-9._~-][A-Za-z0-9/._~-]{0,254}$/.test(root)) {
    problems.push(
      `defaultRootObject is "${root}". Fix: name an object without a leading "/", e.g. "index.html"`,
    );
  }
  const gate = props.viewerRequest;
  if (gate) {
    const gated = gate.pathPatterns ?? [];
    if (gated.length === 0 && !gate.defaultRoute) {
      problems.push('viewerRequest names no route. Fix: give pathPatterns, defaultRoute: true, or both');
    }
    for (const p of gated) {
      if (!patterns.includes(p)) {
        problems.push(
          `viewerRequest.pathPatterns has "${p}", which is not a route. Fix: use one of ${patterns.map((x) => `"${x}"`).join(', ') || '(no routes)'}`,
        );
      }
    }
    if (new Set(gated).size !== gated.length) {
      problems.push('viewerRequest.pathPatterns lists a pattern twice. Fix: keep each once');
    }
  }
  const retention = props.accessLogging.retention;
  if (retention !== undefined && Number(retention) < SECURITY_LOG_MIN_RETENTION_DAYS) {
    problems.push(
      `accessLogging.retention is ${retention} days. Fix: keep CloudFront access logs at least ${SECURITY_LOG_MIN_RETENTION_DAYS} days (connection data, LCEN and décret 2021-1362)`,
    );
  }
  if (!/^\/[A-Za-z0-9/_.-]+$/.test(props.retryPage.path)) {
    problems.push(
      `retryPage.path is "${props.retryPage.path}". Fix: use an absolute path such as "/_rempart/retry.html"`,
    );
  }
  for (const code of props.retryStatusCodes ?? []) {
    if (code === 429) {
      problems.push(
        'retryStatusCodes contains 429, which CloudFront custom error responses do not accept. Fix: drop it; the web ACL answers rate-limited requests with its own 429 and Retry-After',
      );
    } else if (!ERROR_CODES_ALLOWED.includes(code)) {
      problems.push(
        `retryStatusCodes contains ${code}. Fix: use codes CloudFront can customise: ${ERROR_CODES_ALLOWED.join(', ')}`,
      );
    }
  }
  const ttl = props.errorCachingTtl;
  if (ttl && !ttl.isUnresolved() && ttl.toSeconds() > 300) {
    problems.push(
      `errorCachingTtl is ${ttl.toSeconds()} s. Fix: keep it short (≤ 300 s) so that recovery shows quickly`,
    );
  }
  const readTtl = props.readCacheTtl;
  if (readTtl && !readTtl.isUnresolved() && (readTtl.toSeconds() < 1 || readTtl.toSeconds() > 60)) {
    problems.push(`readCacheTtl is ${readTtl.toSeconds()} s. Fix: micro-cache reads for 1 to 60 seconds`);
  }
  if (problems.length) throw new Error(`ResilientDistribution ${scope.node.path}: ${problems.join('; ')}`);
}
