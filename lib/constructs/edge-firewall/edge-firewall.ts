import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AWS_LIMITS, EDGE_REGION, WAF_FACTS } from '../../aws-facts';
import { rulesCapacity } from './private/capacity';
import {
  EVALUATED_BEFORE_RATE_RULES,
  countRuleProblems,
  managedRuleProperty,
  resolveGroups,
} from './private/managed-groups';
import {
  bodySizeRuleProperty,
  clientLimitRules,
  originVerifyRuleProperty,
  rateRuleProperty,
  type IpSetArns,
} from './private/rules';
import type { BodySizeLimit, ClientLimits, ManagedGroups, RateKey, RateRule, RequestScope } from './types';

export * from './types';
export { clientLimitRules, ORIGIN_RULE_NAME, PATH_TRANSFORMATIONS } from './private/rules';

/** Security logs are kept at least a year (French connection-data rules: LCEN art. 6, décret 2021-1362). */
export const SECURITY_LOG_MIN_RETENTION_DAYS = 365;

/**
 * The origin-secret check of a REGIONAL web ACL: a request that does not carry the header CloudFront
 * adds, with an accepted value, came around CloudFront (and its rate rules) and is blocked.
 */
export interface OriginVerification {
  /** Header CloudFront adds to every origin request. */
  readonly headerName: string;
  /**
   * Values the header may hold, typically Secrets Manager dynamic references to the current and the
   * previous secret, so that a rotation never refuses CloudFront while its edge locations switch.
   * 1 or 2 values.
   */
  readonly acceptedValues: readonly string[];
}

/**
 * Where and how the web ACL's logs are kept: they hold connection data, so they are encrypted and redacted.
 */
export interface EdgeFirewallLogging {
  /** Customer-managed key of the `aws-waf-logs-*` log group. */
  readonly encryptionKey: kms.IKey;
  /** At least one year (a shorter retention is refused). @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
  /** Keep only requests a rule blocked, counted or challenged. @default true */
  readonly onlyMatchedRequests?: boolean;
  /**
   * Headers replaced by "REDACTED" in every log record.
   * @default ["authorization", "cookie"] (+ the origin header)
   */
  readonly redactedHeaders?: readonly string[];
}

/** The rule-shaping props, checked by `edgeFirewallRulesProblems` (the configuration reuses it). */
export interface EdgeFirewallRules {
  /** Per-client limits that hold without cookies (a family of rate rules each). @default none */
  readonly clientLimits?: ClientLimits;
  /** More rate-based rules, evaluated after the client limits. @default none */
  readonly rateRules?: readonly RateRule[];
  /** Request bodies larger than this get 413. @default no limit */
  readonly bodySizeLimit?: BodySizeLimit;
  /**
   * AWS managed rule groups. Missing entries take their documented default.
   * @default - every group at its own default (see {@link ManagedGroups}): on and blocking, except
   * Bot Control (off) and the AnonymousIPList rule (counted)
   */
  readonly managedGroups?: ManagedGroups;
  /** Seconds in the Retry-After header of a rate-limited request's 429. @default 30 */
  readonly retryAfterSeconds?: number;
  /** Capacity the rules may use, in WCU. @default 5,000 (the web ACL limit) */
  readonly capacityLimit?: number;
}

/** Props of {@link EdgeFirewall}. */
export interface EdgeFirewallProps extends EdgeFirewallRules {
  /** CLOUDFRONT (in us-east-1, for distributions) or REGIONAL (API Gateway stages, load balancers). */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  /**
   * Block every request that lacks the CloudFront origin header (for REGIONAL origins).
   * @default no such rule
   */
  readonly originVerification?: OriginVerification;
  /** Logging of the web ACL; required, since a firewall without logs cannot be audited. */
  readonly logging: EdgeFirewallLogging;
  /**
   * Name of the web ACL; its metrics and its log group (`aws-waf-logs-<name>`) are named after it.
   * @default - a name unique in the account, derived from the construct path
   */
  readonly webAclName?: string;
  /** Shown in the WAF console. @default - none */
  readonly description?: string;
}

const RATE_LIMITED_BODY_KEY = 'RateLimited';
const TOO_LARGE_BODY_KEY = 'PayloadTooLarge';

/**
 * A WAFv2 web ACL built for hostile traffic: per-client limits that hold when a client drops or
 * rotates cookies (address + TLS fingerprint floor, per-address floor sized for shared NAT
 * addresses, stricter IPv6), scope-downs that compare normalized paths, a 413 for oversized bodies,
 * AWS managed rule groups that block by default with targeted exclusions, a 429 JSON answer with
 * Retry-After, a capacity check against the web ACL limit, and one year of encrypted logs with
 * credentials and cookies redacted.
 *
 * Attach it with `webAclArn` (CloudFront `webAclId`, or a `CfnWebACLAssociation` for REGIONAL).
 */
export class EdgeFirewall extends Construct {
  /** The web ACL (L1: WAFv2 has no L2 in aws-cdk-lib). */
  public readonly webAcl: wafv2.CfnWebACL;
  /** ARN to attach: CloudFront `webAclId`, or `CfnWebACLAssociation.webAclArn` for REGIONAL. */
  public readonly webAclArn: string;
  /** Name of the web ACL, the `WebACL` dimension of its metrics. */
  public readonly webAclName: string;
  /** The `aws-waf-logs-*` log group, encrypted with `logging.encryptionKey`. */
  public readonly logGroup: logs.LogGroup;
  /** Every rate rule of the web ACL, client-limit families first, as data. */
  public readonly rateRules: readonly RateRule[];
  /** Capacity the rules use, in WCU (from WAF's published prices; see private/capacity.ts). */
  public readonly capacity: number;
  /** The web ACL's scope, which decides where its metrics are (us-east-1 for CLOUDFRONT). */
  public readonly scope: 'CLOUDFRONT' | 'REGIONAL';

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    this.scope = props.scope;
    const groups = resolveGroups(props.managedGroups);
    const retryAfter = props.retryAfterSeconds ?? 30;
    this.rateRules = [
      ...(props.clientLimits ? clientLimitRules(props.clientLimits) : []),
      ...(props.rateRules ?? []),
    ];

    const problems = edgeFirewallRulesProblems(props);
    const region = Stack.of(this).region;
    if (props.scope === 'CLOUDFRONT' && !Token.isUnresolved(region) && region !== EDGE_REGION) {
      problems.push(
        `scope is CLOUDFRONT but the stack is in ${region}. Fix: create CLOUDFRONT-scope web ACLs in a stack in ${EDGE_REGION}`,
      );
    }
    const values = props.originVerification?.acceptedValues ?? [];
    if (props.originVerification && (values.length < 1 || values.length > 2)) {
      problems.push(
        `originVerification.acceptedValues has ${values.length} values. Fix: give the current value, and the previous one while a rotation settles`,
      );
    }
    const retention = props.logging.retention;
    if (retention !== undefined && Number(retention) < SECURITY_LOG_MIN_RETENTION_DAYS) {
      problems.push(
        `logging.retention is ${retention} days. Fix: keep WAF logs at least ${SECURITY_LOG_MIN_RETENTION_DAYS} days (connection data, LCEN and décret 2021-1362)`,
      );
    }
    if (problems.length) throw new Error(`EdgeFirewall ${this.node.path}: ${problems.join('; ')}`);
    for (const w of countRuleProblems(groups).warnings) {
      Annotations.of(this).addWarningV2('rempart:edgeFirewallUnknownExclusion', w);
    }

    this.webAclName = props.webAclName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const sets = this.ipSets(props.clientLimits, this.rateRules);
    const rateLimited = rateLimitedResponse(retryAfter);
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    if (props.originVerification) {
      rules.push(originVerifyRuleProperty(props.originVerification.headerName, values));
    }
    const enabled = groups.filter((g) => g.enabled);
    for (const g of enabled.filter((x) => EVALUATED_BEFORE_RATE_RULES.includes(x.key))) {
      rules.push(managedRuleProperty(g));
    }
    for (const r of this.rateRules) rules.push(rateRuleProperty(r, rateLimited, sets));
    // After the rate rules, so that a client sending oversized bodies is also counted and rate-limited.
    if (props.bodySizeLimit) rules.push(bodySizeRuleProperty(props.bodySizeLimit, tooLargeResponse()));
    for (const g of enabled.filter((x) => !EVALUATED_BEFORE_RATE_RULES.includes(x.key))) {
      rules.push(managedRuleProperty(g));
    }

    this.capacity = rulesCapacity(rules);
    const capacityLimit = props.capacityLimit ?? WAF_FACTS.webAclCapacityLimit;
    if (this.capacity > capacityLimit) {
      throw new Error(
        `EdgeFirewall ${this.node.path}: the rules need ${this.capacity} WCU, above the limit of ${capacityLimit}. Fix: disable a managed group (Common costs ${WAF_FACTS.managedGroupCapacity.AWSManagedRulesCommonRuleSet}), drop aggregation keys (30 WCU each) or path prefixes (32 WCU each)`,
      );
    }
    if (this.capacity > WAF_FACTS.webAclCapacityIncluded) {
      Annotations.of(this).addWarningV2(
        'rempart:edgeFirewallCapacityFee',
        `Web ACL uses ${this.capacity} WCU, above the ${WAF_FACTS.webAclCapacityIncluded} included in the base price: WAF charges extra per request.`,
      );
    }

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: this.webAclName,
      scope: props.scope,
      description: props.description,
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `${this.webAclName}-default`,
        sampledRequestsEnabled: true,
      },
      customResponseBodies: {
        [RATE_LIMITED_BODY_KEY]: { contentType: 'APPLICATION_JSON', content: rateLimitedBody(retryAfter) },
        ...(props.bodySizeLimit
          ? {
              [TOO_LARGE_BODY_KEY]: {
                contentType: 'APPLICATION_JSON',
                content: tooLargeBody(props.bodySizeLimit.maxBytes),
              },
            }
          : {}),
      },
      rules: rules.map((r, priority) => ({ ...r, priority })),
    });
    this.webAclArn = this.webAcl.attrArn;
    this.logGroup = this.logging(props);
  }

  /** Requests blocked by any rule of this web ACL. Alarm on it in the web ACL's Region. */
  public metricBlockedRequests(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('BlockedRequests', 'ALL', options);
  }

  /** Requests counted by a rule (e.g. a rate rule in count mode). */
  public metricCountedRequests(ruleName = 'ALL', options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('CountedRequests', ruleName, options);
  }

  /** Requests no rule blocked: with blocked requests, the denominator of a block ratio. */
  public metricAllowedRequests(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('AllowedRequests', 'ALL', options);
  }

  private metric(metricName: string, rule: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
    const dimensionsMap: Record<string, string> = { WebACL: this.webAclName, Rule: rule };
    if (this.scope === 'REGIONAL') dimensionsMap.Region = Stack.of(this).region;
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap,
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...options,
    });
  }

  /** The IP sets the scopes refer to: declared shared addresses, and "every IPv6 address". */
  private ipSets(limits: ClientLimits | undefined, rules: readonly RateRule[]): IpSetArns {
    const set = (id: string, version: 'IPV4' | 'IPV6', addresses: readonly string[], description: string) =>
      new wafv2.CfnIPSet(this, id, {
        name: `${this.webAclName.slice(0, 100)}-${id}`,
        scope: this.scope,
        ipAddressVersion: version,
        addresses: [...addresses],
        description,
      }).attrArn;
    const shared = limits?.sharedAddresses;
    return {
      sharedIpv4: shared?.ipv4?.length
        ? set(
            'SharedIpv4',
            'IPV4',
            shared.ipv4,
            'Declared shared addresses, school or care-home NAT: per-person and per-address limits only',
          )
        : undefined,
      sharedIpv6: shared?.ipv6?.length
        ? set(
            'SharedIpv6',
            'IPV6',
            shared.ipv6,
            'Declared shared IPv6 ranges, filtering proxies: per-person and per-address limits only',
          )
        : undefined,
      allIpv6: rules.some((r) => r.scopeDown?.ipv6Only)
        ? set(
            'AllIpv6',
            'IPV6',
            WAF_FACTS.allIpv6Cidrs,
            'Every IPv6 address, WAF refuses /0: scope of the stricter IPv6 limits',
          )
        : undefined,
    };
  }

  private logging(props: EdgeFirewallProps): logs.LogGroup {
    const logging = props.logging;
    // WAF delivers only to log groups whose name starts with "aws-waf-logs-".
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${this.webAclName}`.slice(0, 512),
      encryptionKey: logging.encryptionKey,
      retention: logging.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const redacted = [
      ...(logging.redactedHeaders ?? ['authorization', 'cookie']),
      ...(props.originVerification ? [props.originVerification.headerName] : []),
    ];
    const loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAclArn,
      // WAF expects the log group ARN without the trailing ":*".
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [...new Set(redacted.map((h) => h.toLowerCase()))].map((name) => ({
        singleHeader: { Name: name },
      })),
      loggingFilter: (logging.onlyMatchedRequests ?? true) ? matchedOnlyFilter() : undefined,
    });
    loggingConfiguration.node.addDependency(logGroup);
    return logGroup;
  }
}

const RULE_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const CIDR_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const CIDR_V6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(\d{1,3})$/;

/**
 * Every problem with the rule-shaping props, each naming the prop, the value and the fix. Tokens
 * are not checked. The configuration schema calls it on each workload's edge settings.
 */
export function edgeFirewallRulesProblems(props: EdgeFirewallRules): string[] {
  const problems: string[] = [];
  const cl = props.clientLimits;
  if (cl) {
    if (!Number.isInteger(cl.peoplePerSharedAddress) || cl.peoplePerSharedAddress < 1) {
      problems.push(
        `clientLimits.peoplePerSharedAddress is ${cl.peoplePerSharedAddress}. Fix: use a whole number of at least 1 (people behind the largest undeclared school or care-home address)`,
      );
    }
    if (cl.sessionCookie !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(cl.sessionCookie)) {
      problems.push(
        `clientLimits.sessionCookie is "${cl.sessionCookie}". Fix: use a cookie name, e.g. "rempart-session"`,
      );
    }
    (cl.sharedAddresses?.ipv4 ?? []).forEach((c, i) => {
      const m = CIDR_V4.exec(c);
      if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 1 || Number(m[5]) > 32) {
        problems.push(
          `clientLimits.sharedAddresses.ipv4[${i}] is "${c}". Fix: use IPv4 CIDR notation /1 to /32, e.g. "192.0.2.0/24"`,
        );
      }
    });
    (cl.sharedAddresses?.ipv6 ?? []).forEach((c, i) => {
      const m = CIDR_V6.exec(c);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 128) {
        problems.push(
          `clientLimits.sharedAddresses.ipv6[${i}] is "${c}". Fix: use IPv6 CIDR notation /1 to /128, e.g. "2001:db8::/48"`,
        );
      }
    });
    cl.limits.forEach((l, i) => {
      const at = `clientLimits.limits[${i}] ("${l.name}")`;
      if (
        l.clientsPerFingerprint !== undefined &&
        (!Number.isInteger(l.clientsPerFingerprint) || l.clientsPerFingerprint < 1)
      ) {
        problems.push(
          `${at}: clientsPerFingerprint is ${l.clientsPerFingerprint}. Fix: use a whole number of at least 1`,
        );
      }
      problems.push(...scopeProblems(`${at}: scope`, l.scope));
    });
  }
  const rules = [...(cl ? clientLimitRules(cl) : []), ...(props.rateRules ?? [])];
  if (rules.length > AWS_LIMITS.wafRateRulesPerWebAcl) {
    problems.push(
      `the client limits and rate rules make ${rules.length} rate-based rules; AWS WAF allows ${AWS_LIMITS.wafRateRulesPerWebAcl} per web ACL. Fix: drop a limit or an extra rule (each client limit makes up to 4)`,
    );
  }
  const names = new Set<string>();
  rules.forEach((r) => {
    const at = `rate rule "${r.name}"`;
    if (!RULE_NAME.test(r.name))
      problems.push(`${at}: name is not letters and digits (1–64). Fix: e.g. "PerClient"`);
    if (names.has(r.name)) problems.push(`${at}: name is used twice. Fix: rename one`);
    names.add(r.name);
    if (!Number.isInteger(r.limit) || r.limit < WAF_FACTS.rateLimitMin || r.limit > WAF_FACTS.rateLimitMax) {
      problems.push(
        `${at}: limit is ${r.limit}. Fix: use a whole number from ${WAF_FACTS.rateLimitMin} (WAF's lowest) to ${WAF_FACTS.rateLimitMax}`,
      );
    }
    if (!WAF_FACTS.rateWindowsSeconds.includes(r.windowSeconds)) {
      problems.push(
        `${at}: windowSeconds is ${r.windowSeconds}. Fix: use one of ${WAF_FACTS.rateWindowsSeconds.join(', ')}`,
      );
    }
    if (r.keys.length < 1 || r.keys.length > WAF_FACTS.rateCustomKeysMax) {
      problems.push(
        `${at}: has ${r.keys.length} aggregation keys. Fix: use 1 to ${WAF_FACTS.rateCustomKeysMax}`,
      );
    }
    const keyIds = r.keys.map(keyId);
    if (new Set(keyIds).size !== keyIds.length) {
      problems.push(`${at}: repeats an aggregation key (${keyIds.join(', ')}). Fix: list each key once`);
    }
    if (r.scopeDown) {
      const { methods, pathPrefixes, ipv6Only, excludeSharedAddresses } = r.scopeDown;
      if (!methods?.length && !pathPrefixes?.length && !ipv6Only && !excludeSharedAddresses) {
        problems.push(
          `${at}: scopeDown is empty. Fix: give methods, pathPrefixes or both, or remove scopeDown`,
        );
      }
      problems.push(...scopeProblems(`${at}: scopeDown`, r.scopeDown));
    }
  });
  const body = props.bodySizeLimit;
  if (body) {
    if (
      !Number.isInteger(body.maxBytes) ||
      body.maxBytes < 1 ||
      body.maxBytes >= WAF_FACTS.cloudFrontBodyInspectionBytes
    ) {
      problems.push(
        `bodySizeLimit.maxBytes is ${body.maxBytes}. Fix: use a whole number of bytes below ${WAF_FACTS.cloudFrontBodyInspectionBytes}, the body size WAF inspects (a larger limit could never match)`,
      );
    }
    problems.push(...scopeProblems('bodySizeLimit.scope', body.scope));
  }
  const retryAfter = props.retryAfterSeconds;
  if (retryAfter !== undefined && (!Number.isInteger(retryAfter) || retryAfter < 1 || retryAfter > 600)) {
    problems.push(`retryAfterSeconds is ${retryAfter}. Fix: use a whole number of seconds from 1 to 600`);
  }
  const capacityLimit = props.capacityLimit;
  if (capacityLimit !== undefined && capacityLimit > WAF_FACTS.webAclCapacityLimit) {
    problems.push(
      `capacityLimit is ${capacityLimit}. Fix: use at most ${WAF_FACTS.webAclCapacityLimit}, the web ACL limit`,
    );
  }
  problems.push(...countRuleProblems(resolveGroups(props.managedGroups)).errors);
  return problems;
}

function scopeProblems(at: string, scope: RequestScope | undefined): string[] {
  const problems: string[] = [];
  (scope?.pathPrefixes ?? []).forEach((p, i) => {
    if (!/^\/[a-z0-9/_.~-]*$/.test(p)) {
      problems.push(
        `${at}.pathPrefixes[${i}] is "${p}". Fix: use an absolute, lower-case path such as "/api/bookings" (paths are compared decoded, normalized and lower-cased)`,
      );
    }
  });
  return problems;
}

function keyId(k: RateKey): string {
  return 'name' in k ? `${k.type}:${k.name.toLowerCase()}` : k.type;
}

function rateLimitedBody(retryAfter: number): string {
  return JSON.stringify({
    error: 'too_many_requests',
    retryAfterSeconds: retryAfter,
    message: {
      fr: `Trop de demandes en ce moment. Merci de réessayer dans ${retryAfter} secondes.`,
      en: `Too many requests right now. Please retry in ${retryAfter} seconds.`,
    },
  });
}

function rateLimitedResponse(retryAfter: number): wafv2.CfnWebACL.CustomResponseProperty {
  return {
    responseCode: 429,
    customResponseBodyKey: RATE_LIMITED_BODY_KEY,
    responseHeaders: [
      { name: 'Retry-After', value: String(retryAfter) },
      { name: 'Cache-Control', value: 'no-store' },
    ],
  };
}

function tooLargeBody(maxBytes: number): string {
  return JSON.stringify({
    error: 'payload_too_large',
    maxBytes,
    message: {
      fr: `La demande dépasse ${maxBytes} octets et ne peut pas être traitée.`,
      en: `The request is larger than ${maxBytes} bytes and cannot be processed.`,
    },
  });
}

function tooLargeResponse(): wafv2.CfnWebACL.CustomResponseProperty {
  return {
    responseCode: 413,
    customResponseBodyKey: TOO_LARGE_BODY_KEY,
    responseHeaders: [{ name: 'Cache-Control', value: 'no-store' }],
  };
}

function matchedOnlyFilter(): unknown {
  return {
    DefaultBehavior: 'DROP',
    Filters: [
      {
        Behavior: 'KEEP',
        Requirement: 'MEETS_ANY',
        Conditions: ['BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT'].map((Action) => ({
          ActionCondition: { Action },
        })),
      },
    ],
  };
}
