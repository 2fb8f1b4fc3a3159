import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type {
  BodySizeLimit,
  ClientLimits,
  HttpMethod,
  RateKey,
  RateRule,
  RateScope,
  RequestScope,
} from '../types';

type Statement = wafv2.CfnWebACL.StatementProperty;
type Rule = wafv2.CfnWebACL.RuleProperty;
type Transformation = wafv2.CfnWebACL.TextTransformationProperty;

const ALL_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * What every path comparison sees: percent-decoded (`/api/booking%73`), then normalized (`//`,
 * `/./` and `/x/../` removed), then lower-cased (`/API/BOOKINGS`). WAF applies them from the lowest
 * priority up. Lower-casing only widens a counting scope: the origins route paths case-sensitively,
 * so an upper-case variant reaches no write handler, but it is still counted against the client.
 */
export const PATH_TRANSFORMATIONS: readonly Transformation[] = [
  { priority: 0, type: 'URL_DECODE' },
  { priority: 1, type: 'NORMALIZE_PATH' },
  { priority: 2, type: 'LOWERCASE' },
];
const NONE: Transformation[] = [{ priority: 0, type: 'NONE' }];

/** ARNs of the IP sets a scope can refer to (created by the firewall when a scope needs them). */
export interface IpSetArns {
  readonly sharedIpv4?: string;
  readonly sharedIpv6?: string;
  readonly allIpv6?: string;
}

/** The rate rules a set of client limits stands for (see `ClientLimit`). */
export function clientLimitRules(limits: ClientLimits): RateRule[] {
  const shared = limits.sharedAddresses;
  const declared = (shared?.ipv4?.length ?? 0) + (shared?.ipv6?.length ?? 0) > 0;
  const exclude = declared ? { excludeSharedAddresses: true } : {};
  return limits.limits.flatMap((l): RateRule[] => {
    const base = { windowSeconds: l.windowSeconds, action: l.action ?? 'block' } as const;
    const scope = nonEmpty({ ...l.scope });
    const rules: RateRule[] = [];
    if (limits.sessionCookie) {
      rules.push({
        ...base,
        name: l.name,
        limit: l.limit,
        keys: [{ type: 'ip' }, { type: 'cookie', name: limits.sessionCookie }],
        scopeDown: scope,
      });
    }
    if (l.clientsPerFingerprint !== undefined) {
      rules.push({
        ...base,
        name: `${l.name}PerClient`,
        limit: l.limit * l.clientsPerFingerprint,
        keys: [{ type: 'ip' }, { type: 'ja4Fingerprint' }],
        scopeDown: nonEmpty({ ...l.scope, ...exclude }),
      });
    }
    rules.push({
      ...base,
      name: `${l.name}PerAddress`,
      limit: l.limit * limits.peoplePerSharedAddress,
      keys: [{ type: 'ip' }],
      scopeDown: scope,
    });
    rules.push({
      ...base,
      name: `${l.name}PerIpv6Address`,
      limit: l.limit,
      keys: [{ type: 'ip' }],
      scopeDown: { ...l.scope, ipv6Only: true, ...exclude },
    });
    return rules;
  });
}

function nonEmpty(scope: RateScope): RateScope | undefined {
  const s: RateScope = {
    ...(scope.methods?.length ? { methods: scope.methods } : {}),
    ...(scope.pathPrefixes?.length ? { pathPrefixes: scope.pathPrefixes } : {}),
    ...(scope.ipv6Only ? { ipv6Only: true } : {}),
    ...(scope.excludeSharedAddresses ? { excludeSharedAddresses: true } : {}),
  };
  return Object.keys(s).length ? s : undefined;
}

/** Parts of a request scope: a method regex (lower-cased) and path prefixes (normalized). */
function requestParts(scope: RequestScope): Statement[] {
  const parts: Statement[] = [];
  const methods = [...new Set(scope.methods ?? [])];
  if (methods.length > 0 && !ALL_METHODS.every((m) => methods.includes(m))) {
    parts.push({
      regexMatchStatement: {
        fieldToMatch: { method: {} },
        regexString: `^(${methods.map((m) => m.toLowerCase()).join('|')})$`,
        textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
      },
    });
  }
  const paths = (scope.pathPrefixes ?? []).map((p): Statement => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      searchString: p,
      positionalConstraint: 'STARTS_WITH',
      textTransformations: [...PATH_TRANSFORMATIONS],
    },
  }));
  if (paths.length === 1) parts.push(paths[0]);
  if (paths.length > 1) parts.push({ orStatement: { statements: paths } });
  return parts;
}

function ipSet(arn: string | undefined, what: string): Statement {
  if (!arn) throw new Error(`a scope needs the ${what} IP set, which was not created`);
  return { ipSetReferenceStatement: { arn } };
}

function all(parts: Statement[]): Statement | undefined {
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { andStatement: { statements: parts } };
}

/** The statement that restricts a rule to a scope, or undefined for every request. */
export function scopeStatement(scope: RateScope | undefined, sets: IpSetArns): Statement | undefined {
  if (!scope) return undefined;
  const parts = requestParts(scope);
  if (scope.ipv6Only) parts.push(ipSet(sets.allIpv6, 'all-IPv6'));
  if (scope.excludeSharedAddresses) {
    const shared = [sets.sharedIpv4, sets.sharedIpv6].filter((a): a is string => a !== undefined);
    if (shared.length === 0) throw new Error('a scope leaves out shared addresses, but none are declared');
    const match =
      shared.length === 1
        ? ipSet(shared[0], 'shared')
        : { orStatement: { statements: shared.map((a) => ipSet(a, 'shared')) } };
    parts.push({ notStatement: { statement: match } });
  }
  return all(parts);
}

/** True when WAF needs CUSTOM_KEYS (anything but the address or the forwarded address alone). */
export function usesCustomKeys(rule: RateRule): boolean {
  return rule.keys.length > 1 || (rule.keys[0]?.type !== 'ip' && rule.keys[0]?.type !== 'forwardedIp');
}

function rateKey(k: RateKey): wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty {
  switch (k.type) {
    case 'ip':
      return { ip: {} };
    case 'forwardedIp':
      return { forwardedIp: {} };
    case 'cookie':
      return { cookie: { name: k.name, textTransformations: NONE } };
    case 'header':
      return { header: { name: k.name, textTransformations: NONE } };
    case 'ja4Fingerprint':
      // Without a computable fingerprint the request is left to the rules on the address alone.
      return { ja4Fingerprint: { fallbackBehavior: 'NO_MATCH' } };
    case 'httpMethod':
      return { httpMethod: {} };
    case 'uriPath':
      return { uriPath: { textTransformations: [...PATH_TRANSFORMATIONS] } };
  }
}

export function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

export function rateRuleProperty(
  rule: RateRule,
  response: wafv2.CfnWebACL.CustomResponseProperty,
  sets: IpSetArns,
): Rule {
  const custom = usesCustomKeys(rule);
  const forwarded = rule.keys.find((k) => k.type === 'forwardedIp');
  return {
    name: rule.name,
    priority: 0,
    action: rule.action === 'count' ? { count: {} } : { block: { customResponse: response } },
    visibilityConfig: visibility(rule.name),
    statement: {
      rateBasedStatement: {
        limit: rule.limit,
        evaluationWindowSec: rule.windowSeconds,
        aggregateKeyType: custom
          ? 'CUSTOM_KEYS'
          : rule.keys[0]?.type === 'forwardedIp'
            ? 'FORWARDED_IP'
            : 'IP',
        customKeys: custom ? rule.keys.map(rateKey) : undefined,
        forwardedIpConfig:
          forwarded && forwarded.type === 'forwardedIp'
            ? { headerName: forwarded.headerName, fallbackBehavior: 'MATCH' }
            : undefined,
        scopeDownStatement: scopeStatement(rule.scopeDown, sets),
      },
    },
  };
}

export const BODY_SIZE_RULE_NAME = 'BodySizeLimit';

/**
 * Bodies above `maxBytes` in scope get 413. WAF sees at most the first 16 KB of a CloudFront body;
 * `OversizeHandling: MATCH` makes a longer body match instead of being judged on its first part.
 */
export function bodySizeRuleProperty(
  limit: BodySizeLimit,
  response: wafv2.CfnWebACL.CustomResponseProperty,
): Rule {
  const size: Statement = {
    sizeConstraintStatement: {
      fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
      comparisonOperator: 'GT',
      size: limit.maxBytes,
      textTransformations: NONE,
    },
  };
  return {
    name: BODY_SIZE_RULE_NAME,
    priority: 0,
    action: { block: { customResponse: response } },
    visibilityConfig: visibility(BODY_SIZE_RULE_NAME),
    statement: all([...requestParts(limit.scope ?? {}), size]) as Statement,
  };
}

export const ORIGIN_RULE_NAME = 'RejectWithoutOriginHeader';

/** Blocks every request whose header holds none of the accepted values (current and previous secret). */
export function originVerifyRuleProperty(headerName: string, acceptedValues: readonly string[]): Rule {
  const matches = acceptedValues.map((value): Statement => ({
    byteMatchStatement: {
      fieldToMatch: { singleHeader: { Name: headerName.toLowerCase() } },
      searchString: value,
      positionalConstraint: 'EXACTLY',
      textTransformations: NONE,
    },
  }));
  return {
    name: ORIGIN_RULE_NAME,
    priority: 0,
    action: { block: {} },
    visibilityConfig: visibility(ORIGIN_RULE_NAME),
    statement: {
      notStatement: {
        statement: matches.length === 1 ? matches[0] : { orStatement: { statements: matches } },
      },
    },
  };
}
