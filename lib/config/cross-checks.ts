import { AWS_LIMITS, EEA_REGIONS } from '../aws-facts';
import type { RempartConfig } from './schema';

/** A problem found across fields: where (the configuration path), what was received, and the fix. */
export interface CrossFieldProblem {
  readonly path: readonly (string | number)[];
  readonly input: unknown;
  /** What is wrong, then "Fix: …". */
  readonly message: string;
}

/**
 * Contradictions between fields and AWS limits that a configuration can exceed: checked once, at
 * load, so that `cdk synth` names the field instead of failing later inside a construct.
 */
export function crossFieldProblems(c: RempartConfig): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  const add = (path: (string | number)[], input: unknown, message: string) =>
    problems.push({ path, input, message });
  const appRegions = [c.regions.primary, c.regions.secondary];

  // Maps keyed by Region: a misspelt key would be silently ignored. The ENT network maps are
  // catalogues of every EEA Region (so that moving the application Regions is one change); the FIS
  // layers exist only for the Regions the app runs in.
  const regionMaps: [string[], Record<string, unknown>, readonly string[]][] = [
    [['ent', 'network', 'availabilityZones'], c.ent.network.availabilityZones, EEA_REGIONS],
    [['ent', 'network', 'cloudFrontPrefixListIds'], c.ent.network.cloudFrontPrefixListIds, EEA_REGIONS],
    [
      ['resilience', 'drills', 'lambdaExtensionLayerArns'],
      c.resilience.drills.lambdaExtensionLayerArns,
      appRegions,
    ],
  ];
  for (const [path, map, allowed] of regionMaps) {
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) {
        add(
          [...path, key],
          key,
          `is not one of the Regions this map may name (${allowed.join(', ')}), so it would be ignored. Fix: correct the Region name, or remove the key`,
        );
      }
    }
  }
  c.resilience.failover.evacuatedRegions.forEach((region, i) => {
    if (!appRegions.includes(region)) {
      add(
        ['resilience', 'failover', 'evacuatedRegions', i],
        region,
        `is not an application Region (${appRegions.join(', ')}). Fix: list only ${appRegions.join(' or ')}`,
      );
    }
  });
  if (appRegions.every((r) => c.resilience.failover.evacuatedRegions.includes(r))) {
    add(
      ['resilience', 'failover', 'evacuatedRegions'],
      c.resilience.failover.evacuatedRegions,
      'evacuates every application Region: Route 53 would then answer with all of them (it fails open), so nothing is drained. Fix: keep at least one Region out of the list',
    );
  }

  // One name, one workload: CloudFront refuses the same alias on two distributions.
  const domains: [string, string][] = [
    ['booking', c.booking.domainName],
    ['ent', c.ent.domainName],
  ];
  domains.forEach(([key, name], i) => {
    const other = domains.slice(0, i).find(([, n]) => n === name);
    if (other)
      add(
        [key, 'domainName'],
        name,
        `is also ${other[0]}.domainName; CloudFront serves one name from one distribution. Fix: give each workload its own name`,
      );
  });

  const surge = c.booking.surge;
  if (surge.coldCacheHitRatio > surge.cacheHitRatio) {
    add(
      ['booking', 'surge', 'coldCacheHitRatio'],
      surge.coldCacheHitRatio,
      `is above surge.cacheHitRatio (${surge.cacheHitRatio}): a cold cache never answers more than a warm one. Fix: set it at or below ${surge.cacheHitRatio}`,
    );
  }
  const w = c.booking.worker;
  const batchSeconds = w.batchSize * w.secondsPerBooking;
  if (batchSeconds > w.timeoutSeconds) {
    add(
      ['booking', 'worker', 'timeoutSeconds'],
      w.timeoutSeconds,
      `is shorter than one batch takes (${w.batchSize} × ${w.secondsPerBooking} s = ${batchSeconds} s), so every batch would time out and be redelivered. Fix: raise it above ${Math.ceil(batchSeconds)} or lower worker.batchSize`,
    );
  }

  // The number of rate rules per web ACL is checked by the EdgeFirewall's own check (edge section).
  for (const key of ['booking', 'ent'] as const) {
    const limits = c.edge[key].clientLimits.limits;
    limits.forEach((limit, i) => {
      if (!limit.scope) return;
      const blanket = limits.find(
        (l) =>
          !l.scope &&
          l.action === 'block' &&
          l.windowSeconds === limit.windowSeconds &&
          l.limit <= limit.limit,
      );
      if (blanket) {
        add(
          ['edge', key, 'clientLimits', 'limits', i, 'limit'],
          limit.limit,
          `is not below the limit "${blanket.name}" on every request (${blanket.limit} per ${blanket.windowSeconds} s), which blocks first: this scoped limit can never act. Fix: set it below ${blanket.limit}`,
        );
      }
    });
  }

  const maxTasks = c.ent.scaling.maxTasks;
  if (maxTasks > AWS_LIMITS.ecsTasksPerService) {
    add(
      ['ent', 'scaling', 'maxTasks'],
      maxTasks,
      `is above the ${AWS_LIMITS.ecsTasksPerService} tasks an ECS service may run. Fix: lower it, or run more services`,
    );
  }
  if (maxTasks > AWS_LIMITS.albTargetsPerLoadBalancer) {
    add(
      ['ent', 'scaling', 'maxTasks'],
      maxTasks,
      `is above the ${AWS_LIMITS.albTargetsPerLoadBalancer} targets an Application Load Balancer accepts by default (each Fargate task is one target). Fix: lower it, or raise the ELB quota and split the service`,
    );
  }

  const tagKey = c.resilience.backup.selectionTagKey;
  if (tagKey.toLowerCase().startsWith(AWS_LIMITS.reservedTagPrefix)) {
    add(
      ['resilience', 'backup', 'selectionTagKey'],
      tagKey,
      `starts with "${AWS_LIMITS.reservedTagPrefix}", a prefix AWS reserves: no resource can carry it. Fix: e.g. "rempart:backup"`,
    );
  }
  if (tagKey.length > AWS_LIMITS.tagKeyMaxLength) {
    add(
      ['resilience', 'backup', 'selectionTagKey'],
      tagKey,
      `is longer than ${AWS_LIMITS.tagKeyMaxLength} characters, the tag key limit. Fix: shorten it`,
    );
  }
  if (c.resilience.backup.selectionTagValue.length > AWS_LIMITS.tagValueMaxLength) {
    add(
      ['resilience', 'backup', 'selectionTagValue'],
      c.resilience.backup.selectionTagValue,
      `is longer than ${AWS_LIMITS.tagValueMaxLength} characters, the tag value limit. Fix: shorten it`,
    );
  }

  const timeZone = c.ent.surge.timeZone;
  const canonical = canonicalTimeZone(timeZone);
  // Unknown zones are refused by the ENT section itself; here, known aliases get their canonical name.
  if (canonical && canonical !== timeZone && !Intl.supportedValuesOf('timeZone').includes(timeZone)) {
    add(
      ['ent', 'surge', 'timeZone'],
      timeZone,
      `is not a canonical IANA time zone; EventBridge Scheduler needs one. Fix: use "${canonical}"`,
    );
  }
  return problems;
}

function canonicalTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
