import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { ManagedGroupName, ManagedGroups } from '../types';
import { visibility } from './rules';

interface ManagedGroupSpec {
  readonly name: string;
  readonly ruleName: string;
  readonly defaults: { enabled: boolean; countOnly: boolean; countRules: readonly string[] };
  /**
   * Rule names AWS publishes for the group (latest static version), to catch a misspelt exclusion.
   * AWS adds rules over time, so an unknown name is a warning, not an error. @default not checked
   */
  readonly knownRules?: readonly string[];
}

/**
 * Every group Rempart can run, in evaluation order: Anti-DDoS first (it baselines all traffic and
 * must see it before anything blocks), cheap address reputation next, content inspection last.
 */
export const MANAGED_GROUPS: Readonly<Record<ManagedGroupName, ManagedGroupSpec>> = {
  antiDdos: {
    name: 'AWSManagedRulesAntiDDoSRuleSet',
    ruleName: 'AwsAntiDdos',
    defaults: { enabled: true, countOnly: false, countRules: [] },
    knownRules: ['ChallengeAllDuringEvent', 'ChallengeDDoSRequests', 'DDoSRequests'],
  },
  ipReputation: {
    name: 'AWSManagedRulesAmazonIpReputationList',
    ruleName: 'AwsIpReputation',
    defaults: { enabled: true, countOnly: false, countRules: [] },
    knownRules: ['AWSManagedIPReputationList', 'AWSManagedReconnaissanceList', 'AWSManagedIPDDoSList'],
  },
  anonymousIp: {
    name: 'AWSManagedRulesAnonymousIpList',
    ruleName: 'AwsAnonymousIp',
    // VPN and Tor users are citizens too; servers rented from hosting providers are not.
    defaults: { enabled: true, countOnly: false, countRules: ['AnonymousIPList'] },
    knownRules: ['AnonymousIPList', 'HostingProviderIPList'],
  },
  knownBadInputs: {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    ruleName: 'AwsKnownBadInputs',
    defaults: { enabled: true, countOnly: false, countRules: [] },
    knownRules: [
      'JavaDeserializationRCE_HEADER',
      'JavaDeserializationRCE_BODY',
      'JavaDeserializationRCE_URIPATH',
      'JavaDeserializationRCE_QUERYSTRING',
      'Host_localhost_HEADER',
      'PROPFIND_METHOD',
      'ExploitablePaths_URIPATH',
      'Log4JRCE_HEADER',
      'Log4JRCE_QUERYSTRING',
      'Log4JRCE_BODY',
      'Log4JRCE_URIPATH',
    ],
  },
  common: {
    name: 'AWSManagedRulesCommonRuleSet',
    ruleName: 'AwsCommon',
    defaults: { enabled: true, countOnly: false, countRules: [] },
    knownRules: [
      'NoUserAgent_HEADER',
      'UserAgent_BadBots_HEADER',
      'SizeRestrictions_QUERYSTRING',
      'SizeRestrictions_Cookie_HEADER',
      'SizeRestrictions_BODY',
      'SizeRestrictions_URIPATH',
      'EC2MetaDataSSRF_BODY',
      'EC2MetaDataSSRF_COOKIE',
      'EC2MetaDataSSRF_URIPATH',
      'EC2MetaDataSSRF_QUERYARGUMENTS',
      'GenericLFI_QUERYARGUMENTS',
      'GenericLFI_URIPATH',
      'GenericLFI_BODY',
      'RestrictedExtensions_URIPATH',
      'RestrictedExtensions_QUERYARGUMENTS',
      'GenericRFI_QUERYARGUMENTS',
      'GenericRFI_BODY',
      'GenericRFI_URIPATH',
      'CrossSiteScripting_COOKIE',
      'CrossSiteScripting_QUERYARGUMENTS',
      'CrossSiteScripting_BODY',
      'CrossSiteScripting_URIPATH',
    ],
  },
  botControl: {
    name: 'AWSManagedRulesBotControlRuleSet',
    ruleName: 'AwsBotControl',
    defaults: { enabled: false, countOnly: false, countRules: [] },
  },
};

export const GROUP_ORDER = Object.keys(MANAGED_GROUPS) as ManagedGroupName[];
export const EVALUATED_BEFORE_RATE_RULES: readonly ManagedGroupName[] = [
  'antiDdos',
  'ipReputation',
  'anonymousIp',
];

/** Paths the Anti-DDoS group must not challenge: APIs and assets cannot run a browser challenge. */
const CHALLENGE_EXEMPT_URIS = '\\/api\\/|\\.(css|js|json|gif|jpe?g|png|svg|webp|ico|woff2?|ttf|pdf)$';

export interface ResolvedGroup {
  readonly key: ManagedGroupName;
  readonly enabled: boolean;
  readonly countOnly: boolean;
  readonly countRules: readonly string[];
  readonly inspectionLevel?: 'COMMON' | 'TARGETED';
  readonly sensitivityToBlock?: 'LOW' | 'MEDIUM' | 'HIGH';
}

export function resolveGroups(groups: ManagedGroups = {}): ResolvedGroup[] {
  return GROUP_ORDER.map((key) => {
    const given = groups[key];
    const defaults = MANAGED_GROUPS[key].defaults;
    return {
      key,
      enabled: given?.enabled ?? defaults.enabled,
      countOnly: given?.countOnly ?? defaults.countOnly,
      countRules: given?.countRules ?? defaults.countRules,
      inspectionLevel: key === 'botControl' ? (groups.botControl?.inspectionLevel ?? 'COMMON') : undefined,
      sensitivityToBlock: key === 'antiDdos' ? (groups.antiDdos?.sensitivityToBlock ?? 'LOW') : undefined,
    };
  });
}

/** Exclusion names that are not rule names at all (errors), and names AWS does not publish (warnings). */
export function countRuleProblems(groups: readonly ResolvedGroup[]): {
  errors: string[];
  warnings: string[];
} {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const g of groups) {
    const known = MANAGED_GROUPS[g.key].knownRules;
    g.countRules.forEach((name, i) => {
      const at = `managedGroups.${g.key}.countRules[${i}]`;
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) {
        errors.push(
          `${at} is "${name}", not a rule name. Fix: copy the rule name from the group's documentation, e.g. "SizeRestrictions_BODY"`,
        );
      } else if (known && !known.includes(name)) {
        warnings.push(
          `${at} "${name}" is not a rule AWS publishes for ${MANAGED_GROUPS[g.key].name} (known: ${known.join(', ')}); a misspelt exclusion excludes nothing`,
        );
      }
    });
    if (new Set(g.countRules).size !== g.countRules.length) {
      errors.push(`managedGroups.${g.key}.countRules lists a rule twice. Fix: keep each name once`);
    }
  }
  return { errors, warnings };
}

export function managedRuleProperty(g: ResolvedGroup): wafv2.CfnWebACL.RuleProperty {
  const spec = MANAGED_GROUPS[g.key];
  const configs: wafv2.CfnWebACL.ManagedRuleGroupConfigProperty[] = [];
  if (g.key === 'botControl') {
    configs.push({ awsManagedRulesBotControlRuleSet: { inspectionLevel: g.inspectionLevel ?? 'COMMON' } });
  }
  if (g.key === 'antiDdos') {
    configs.push({
      awsManagedRulesAntiDDoSRuleSet: {
        sensitivityToBlock: g.sensitivityToBlock ?? 'LOW',
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
        ruleActionOverrides: g.countRules.length
          ? g.countRules.map((name) => ({ name, actionToUse: { count: {} } }))
          : undefined,
      },
    },
  };
}
