import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  MANAGED_GROUP_CAPACITY,
  ORIGIN_VERIFY_CAPACITY,
  WEB_ACL_CAPACITY_INCLUDED,
  WEB_ACL_CAPACITY_LIMIT,
  rateRuleCapacity,
  usesCustomKeys,
} from './private/capacity';
import type { ManagedGroupName, ManagedGroups, RateKey, RateRule } from './types';
import { EDGE_REGION } from '../../aws-facts';

export * from './types';
export { WEB_ACL_CAPACITY_INCLUDED, WEB_ACL_CAPACITY_LIMIT } from './private/capacity';

export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;
export const RATE_WINDOWS: readonly number[] = [60, 120, 300, 600];

/** WAF's CloudFront scope exists only in this Region. */
const CLOUDFRONT_SCOPE_REGION = EDGE_REGION;

export interface OriginVerification {
  /** Header CloudFront adds to every origin request. */
  readonly headerName: string;
  /** Its expected value, typically a Secrets Manager dynamic reference; redacted from the logs. */
  readonly secretValue: string;
}

export interface EdgeFirewallLogging {
  /** Key of the `aws-waf-logs-*` log group. */
  readonly encryptionKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly retention?: logs.RetentionDays;
  /** Keep only requests a rule blocked, counted or challenged. @default true */
  readonly onlyMatchedRequests?: boolean;
  /** Headers replaced by "REDACTED" in every log record. @default ["authorization", "cookie"] (+ the origin header) */
  readonly redactedHeaders?: readonly string[];
}

export interface EdgeFirewallProps {
  /** CLOUDFRONT (in us-east-1, for distributions) or REGIONAL (API Gateway stages, load balancers). */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  /** Rate-based rules, evaluated in the given order. @default none */
  readonly rateRules?: readonly RateRule[];
  /** AWS managed rule groups. Missing entries take their documented default. */
  readonly managedGroups?: ManagedGroups;
  /** Seconds in the Retry-After header of a rate-limited request's 429. @default 30 */
  readonly retryAfterSeconds?: number;
  /** Block every request that lacks the CloudFront origin header (for REGIONAL origins). @default no such rule */
  readonly originVerification?: OriginVerification;
  readonly logging: EdgeFirewallLogging;
  /** Capacity the rules may use, in WCU. @default 5,000 (the web ACL limit) */
  readonly capacityLimit?: number;
  /** @default - a name unique in the account, derived from the construct path */
  readonly webAclName?: string;
  /** @default - none */
  readonly description?: string;
}

interface ManagedGroupSpec {
  readonly name: string;
  readonly ruleName: string;
  readonly defaults: { enabled: boolean; countOnly: boolean };
}

/** Evaluation order: cheap reputation lists and DDoS labelling first, content inspection last. */
const MANAGED_GROUPS: Readonly<Record<ManagedGroupName, ManagedGroupSpec>> = {
  ipReputation: {
    name: 'AWSManagedRulesAmazonIpReputationList',
    ruleName: 'AwsIpReputation',
    defaults: { enabled: true, countOnly: false },
  },
  anonymousIp: {
    name: 'AWSManagedRulesAnonymousIpList',
    ruleName: 'AwsAnonymousIp',
    defaults: { enabled: false, countOnly: true },
  },
  antiDdos: {
    name: 'AWSManagedRulesAntiDDoSRuleSet',
    ruleName: 'AwsAntiDdos',
    defaults: { enabled: true, countOnly: true },
  },
  knownBadInputs: {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    ruleName: 'AwsKnownBadInputs',
    defaults: { enabled: true, countOnly: false },
  },
  common: {
    name: 'AWSManagedRulesCommonRuleSet',
    ruleName: 'AwsCommon',
    defaults: { enabled: true, countOnly: true },
  },
  botControl: {
    name: 'AWSManagedRulesBotControlRuleSet',
    ruleName: 'AwsBotControl',
    defaults: { enabled: false, countOnly: true },
  },
};
const REPUTATION_FIRST: readonly ManagedGroupName[] = ['ipReputation', 'anonymousIp', 'antiDdos'];
const INSPECTION_LAST: readonly ManagedGroupName[] = ['knownBadInputs', 'common', 'botControl'];

/** Paths the Anti-DDoS group must not challenge: APIs and assets cannot run a browser challenge. */
const CHALLENGE_EXEMPT_URIS = '\\/api\\/|\\.(css|js|json|gif|jpe?g|png|svg|webp|ico|woff2?|ttf|pdf)$';

const RATE_LIMITED_BODY_KEY = 'RateLimited';

/**
 * A WAFv2 web ACL with rate-based rules declared as data, AWS managed rule groups each behind a
 * count-first switch, a 429 JSON answer with Retry-After for rate-limited clients, a capacity check
 * against the web ACL limit, and logging to an encrypted `aws-waf-logs-*` log group with the
 * authorization and cookie headers redacted.
 *
 * Attach it with `webAclArn` (CloudFront `webAclId`, or a `CfnWebACLAssociation` for REGIONAL).
 */
export class EdgeFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly webAclArn: string;
  public readonly webAclName: string;
  public readonly logGroup: logs.LogGroup;
  /** Capacity the rules use, in WCU (estimated conservatively; see private/capacity.ts). */
  public readonly capacity: number;
  public readonly scope: 'CLOUDFRONT' | 'REGIONAL';

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    this.scope = props.scope;
    const rateRules = props.rateRules ?? [];
    const groups = resolveGroups(props.managedGroups);
    const retryAfter = props.retryAfterSeconds ?? 30;
    const capacityLimit = props.capacityLimit ?? WEB_ACL_CAPACITY_LIMIT;

    this.capacity =
      rateRules.reduce((sum, r) => sum + rateRuleCapacity(r), 0) +
      groups.filter((g) => g.enabled).reduce((sum, g) => sum + MANAGED_GROUP_CAPACITY[g.key], 0) +
      (props.originVerification ? ORIGIN_VERIFY_CAPACITY : 0);
    validate(this, props, rateRules, retryAfter, capacityLimit, this.capacity);
    if (this.capacity > WEB_ACL_CAPACITY_INCLUDED) {
      Annotations.of(this).addWarningV2(
        'rempart:edgeFirewallCapacityFee',
        `Web ACL uses ${this.capacity} WCU, above the ${WEB_ACL_CAPACITY_INCLUDED} included in the base price: WAF charges extra per request.`,
      );
    }

    this.webAclName = props.webAclName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    if (props.originVerification) rules.push(originVerifyRule(props.originVerification));
    for (const g of groups.filter((x) => x.enabled && REPUTATION_FIRST.includes(x.key)))
      rules.push(managedRule(g));
    for (const r of rateRules) rules.push(rateRule(r, retryAfter));
    for (const g of groups.filter((x) => x.enabled && INSPECTION_LAST.includes(x.key)))
      rules.push(managedRule(g));

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: this.webAclName,
      scope: props.scope,
      description: props.description,
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${this.webAclName}-default`),
      customResponseBodies: {
        [RATE_LIMITED_BODY_KEY]: { contentType: 'APPLICATION_JSON', content: rateLimitedBody(retryAfter) },
      },
      rules: rules.map((r, priority) => ({ ...r, priority })),
    });
    this.webAclArn = this.webAcl.attrArn;

    const logging = props.logging;
    // WAF delivers only to log groups whose name starts with "aws-waf-logs-".
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${this.webAclName}`.slice(0, 512),
      encryptionKey: logging.encryptionKey,
      retention: logging.retention ?? logs.RetentionDays.ONE_MONTH,
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
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [...new Set(redacted.map((h) => h.toLowerCase()))].map((name) => ({
        singleHeader: { Name: name },
      })),
      loggingFilter: (logging.onlyMatchedRequests ?? true) ? matchedOnlyFilter() : undefined,
    });
    loggingConfiguration.node.addDependency(this.logGroup);
  }

  /** Requests blocked by any rule of this web ACL. Alarm on it in the web ACL's Region. */
  public metricBlockedRequests(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('BlockedRequests', 'ALL', options);
  }

  /** Requests counted by a rule (e.g. a rate rule in count mode). */
  public metricCountedRequests(ruleName = 'ALL', options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('CountedRequests', ruleName, options);
  }

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
}

interface ResolvedGroup {
  readonly key: ManagedGroupName;
  readonly enabled: boolean;
  readonly countOnly: boolean;
  readonly inspectionLevel?: 'COMMON' | 'TARGETED';
}

function resolveGroups(groups: ManagedGroups = {}): ResolvedGroup[] {
  return (Object.keys(MANAGED_GROUPS) as ManagedGroupName[]).map((key) => {
    const given = groups[key];
    return {
      key,
      enabled: given?.enabled ?? MANAGED_GROUPS[key].defaults.enabled,
      countOnly: given?.countOnly ?? MANAGED_GROUPS[key].defaults.countOnly,
      inspectionLevel: key === 'botControl' ? (groups.botControl?.inspectionLevel ?? 'COMMON') : undefined,
    };
  });
}

function validate(
  scope: Construct,
  props: EdgeFirewallProps,
  rules: readonly RateRule[],
  retryAfter: number,
  capacityLimit: number,
  capacity: number,
): void {
  const problems: string[] = [];
  const region = Stack.of(scope).region;
  if (props.scope === 'CLOUDFRONT' && !Token.isUnresolved(region) && region !== CLOUDFRONT_SCOPE_REGION) {
    problems.push(
      `scope is CLOUDFRONT but the stack is in ${region}. Fix: create CLOUDFRONT-scope web ACLs in a stack in ${CLOUDFRONT_SCOPE_REGION}`,
    );
  }
  const names = new Set<string>();
  rules.forEach((r, i) => {
    const at = `rateRules[${i}] ("${r.name}")`;
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(r.name)) {
      problems.push(`${at}: name is not letters and digits (1–64). Fix: e.g. "PerClient"`);
    }
    if (names.has(r.name)) problems.push(`${at}: name is already used by another rate rule. Fix: rename one`);
    names.add(r.name);
    if (!Number.isInteger(r.limit) || r.limit < RATE_LIMIT_MIN || r.limit > RATE_LIMIT_MAX) {
      problems.push(
        `${at}: limit is ${r.limit}. Fix: use a whole number from ${RATE_LIMIT_MIN} (WAF's lowest) to ${RATE_LIMIT_MAX}`,
      );
    }
    if (!RATE_WINDOWS.includes(r.windowSeconds)) {
      problems.push(`${at}: windowSeconds is ${r.windowSeconds}. Fix: use one of ${RATE_WINDOWS.join(', ')}`);
    }
    if (r.keys.length < 1 || r.keys.length > 5) {
      problems.push(`${at}: has ${r.keys.length} aggregation keys. Fix: use 1 to 5`);
    }
    const keyIds = r.keys.map(keyId);
    if (new Set(keyIds).size !== keyIds.length) {
      problems.push(`${at}: repeats an aggregation key (${keyIds.join(', ')}). Fix: list each key once`);
    }
    if (r.scopeDown) {
      const { methods, pathPrefix } = r.scopeDown;
      if ((methods?.length ?? 0) === 0 && pathPrefix === undefined) {
        problems.push(
          `${at}: scopeDown is empty. Fix: give methods, pathPrefix or both, or remove scopeDown`,
        );
      }
      if (pathPrefix !== undefined && !pathPrefix.startsWith('/')) {
        problems.push(
          `${at}: scopeDown.pathPrefix is "${pathPrefix}". Fix: use an absolute path such as "/api/bookings"`,
        );
      }
    }
  });
  if (!Number.isInteger(retryAfter) || retryAfter < 1 || retryAfter > 600) {
    problems.push(`retryAfterSeconds is ${retryAfter}. Fix: use a whole number of seconds from 1 to 600`);
  }
  if (capacityLimit > WEB_ACL_CAPACITY_LIMIT) {
    problems.push(
      `capacityLimit is ${capacityLimit}. Fix: use at most ${WEB_ACL_CAPACITY_LIMIT}, the web ACL limit`,
    );
  }
  if (capacity > capacityLimit) {
    problems.push(
      `the rules need ${capacity} WCU, above the limit of ${capacityLimit}. Fix: disable a managed group (Common costs ${MANAGED_GROUP_CAPACITY.common}) or drop aggregation keys (30 WCU each)`,
    );
  }
  if (problems.length) throw new Error(`EdgeFirewall ${scope.node.path}: ${problems.join('; ')}`);
}

function keyId(k: RateKey): string {
  return 'name' in k ? `${k.type}:${k.name.toLowerCase()}` : k.type;
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

function rateKey(k: RateKey): wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty {
  const none = [{ priority: 0, type: 'NONE' }];
  switch (k.type) {
    case 'ip':
      return { ip: {} };
    case 'forwardedIp':
      return { forwardedIp: {} };
    case 'cookie':
      return { cookie: { name: k.name, textTransformations: none } };
    case 'header':
      return { header: { name: k.name, textTransformations: none } };
    case 'ja4Fingerprint':
      return { ja4Fingerprint: { fallbackBehavior: 'NO_MATCH' } };
    case 'httpMethod':
      return { httpMethod: {} };
    case 'uriPath':
      return { uriPath: { textTransformations: none } };
  }
}

function stringMatch(
  fieldToMatch: wafv2.CfnWebACL.FieldToMatchProperty,
  searchString: string,
  positionalConstraint: 'EXACTLY' | 'STARTS_WITH',
): wafv2.CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch,
      searchString,
      positionalConstraint,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function scopeDownStatement(rule: RateRule): wafv2.CfnWebACL.StatementProperty | undefined {
  if (!rule.scopeDown) return undefined;
  const parts: wafv2.CfnWebACL.StatementProperty[] = [];
  const methods = rule.scopeDown.methods ?? [];
  const methodMatches = methods.map((m) => stringMatch({ method: {} }, m, 'EXACTLY'));
  if (methodMatches.length === 1) parts.push(methodMatches[0]);
  if (methodMatches.length > 1) parts.push({ orStatement: { statements: methodMatches } });
  if (rule.scopeDown.pathPrefix !== undefined) {
    parts.push(stringMatch({ uriPath: {} }, rule.scopeDown.pathPrefix, 'STARTS_WITH'));
  }
  return parts.length > 1 ? { andStatement: { statements: parts } } : parts[0];
}

function rateRule(rule: RateRule, retryAfter: number): wafv2.CfnWebACL.RuleProperty {
  const custom = usesCustomKeys(rule);
  const forwarded = rule.keys.find((k) => k.type === 'forwardedIp');
  return {
    name: rule.name,
    priority: 0,
    action:
      rule.action === 'count'
        ? { count: {} }
        : { block: { customResponse: rateLimitedResponse(retryAfter) } },
    visibilityConfig: visibility(rule.name),
    statement: {
      rateBasedStatement: {
        limit: rule.limit,
        evaluationWindowSec: rule.windowSeconds,
        aggregateKeyType: custom ? 'CUSTOM_KEYS' : 'IP',
        customKeys: custom ? rule.keys.map(rateKey) : undefined,
        forwardedIpConfig:
          forwarded && forwarded.type === 'forwardedIp'
            ? { headerName: forwarded.headerName, fallbackBehavior: 'MATCH' }
            : undefined,
        scopeDownStatement: scopeDownStatement(rule),
      },
    },
  };
}

function managedRule(g: ResolvedGroup): wafv2.CfnWebACL.RuleProperty {
  const spec = MANAGED_GROUPS[g.key];
  const configs: wafv2.CfnWebACL.ManagedRuleGroupConfigProperty[] = [];
  if (g.key === 'botControl') {
    configs.push({ awsManagedRulesBotControlRuleSet: { inspectionLevel: g.inspectionLevel ?? 'COMMON' } });
  }
  if (g.key === 'antiDdos') {
    configs.push({
      awsManagedRulesAntiDDoSRuleSet: {
        sensitivityToBlock: 'LOW',
        clientSideActionConfig: {
          challenge: {
            usageOfAction: 'ENABLED',
            sensitivity: 'HIGH',
            exemptUriRegularExpressions: [{ regexString: CHALLENGE_EXEMPT_URIS }],
          },
        },
      },
    });
  }
  return {
    name: spec.ruleName,
    priority: 0,
    overrideAction: g.countOnly ? { count: {} } : { none: {} },
    visibilityConfig: visibility(spec.ruleName),
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name: spec.name,
        managedRuleGroupConfigs: configs.length ? configs : undefined,
      },
    },
  };
}

function originVerifyRule(v: OriginVerification): wafv2.CfnWebACL.RuleProperty {
  return {
    name: 'RejectWithoutOriginHeader',
    priority: 0,
    action: { block: {} },
    visibilityConfig: visibility('RejectWithoutOriginHeader'),
    statement: {
      notStatement: {
        statement: stringMatch(
          { singleHeader: { Name: v.headerName.toLowerCase() } },
          v.secretValue,
          'EXACTLY',
        ),
      },
    },
  };
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
