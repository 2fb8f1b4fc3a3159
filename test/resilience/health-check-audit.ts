// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped CloudFormation JSON
type Cfn = Record<string, any>;

/**
 * Metrics CloudWatch receives whatever the traffic, written down here from AWS's documentation and
 * independently of the constructs (which keep their own list): a canary publishes on every run, a
 * target group's host counts every minute from the load balancer's own health checks. Everything
 * else a Route 53 check could follow here (API Gateway 5XXError, Lambda Errors, ALB HTTPCode_*,
 * RequestCount) exists only while requests arrive.
 */
const ALWAYS_REPORTED = new Set([
  'CloudWatchSynthetics/SuccessPercent',
  'AWS/ApplicationELB/HealthyHostCount',
]);

/** Statistics a CLOUDWATCH_METRIC health check can evaluate. */
const ROUTE53_STATISTICS = new Set(['Average', 'Minimum', 'Maximum', 'Sum', 'SampleCount']);

function refId(value: unknown): string | undefined {
  const ref: unknown = value && typeof value === 'object' ? (value as Cfn).Ref : undefined;
  return typeof ref === 'string' ? ref : undefined;
}

/**
 * Every CLOUDWATCH_METRIC health check of a template, with the alarm it follows: problems that would
 * make an idle Region look unhealthy, or that Route 53 cannot evaluate. One line per problem.
 */
export function healthCheckProblems(template: Cfn): string[] {
  const resources = (template.Resources ?? {}) as Cfn;
  const problems: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Route53::HealthCheck') continue;
    const config = r.Properties.HealthCheckConfig as Cfn;
    if (config.Type !== 'CLOUDWATCH_METRIC') continue;
    const alarmId = refId(config.AlarmIdentifier?.Name);
    const alarm = alarmId ? (resources[alarmId] as Cfn | undefined) : undefined;
    if (!alarm || alarm.Type !== 'AWS::CloudWatch::Alarm') {
      problems.push(`${id}: follows no metric alarm of this template (composite or foreign alarm)`);
      continue;
    }
    const a = alarm.Properties as Cfn;
    if (a.Metrics) {
      problems.push(`${id}: alarm ${alarmId} uses metric math, which Route 53 cannot evaluate`);
      continue;
    }
    if (!ROUTE53_STATISTICS.has(a.Statistic as string)) {
      problems.push(
        `${id}: alarm ${alarmId} uses ${a.ExtendedStatistic ?? a.Statistic}, not a statistic Route 53 evaluates`,
      );
    }
    const metric = `${a.Namespace}/${a.MetricName}`;
    if (config.InsufficientDataHealthStatus === 'Unhealthy' && !ALWAYS_REPORTED.has(metric)) {
      problems.push(`${id}: ${metric} exists only with traffic, yet missing data makes the Region unhealthy`);
    }
    if (
      !['Healthy', 'Unhealthy', 'LastKnownStatus'].includes(config.InsufficientDataHealthStatus as string)
    ) {
      problems.push(`${id}: no explicit InsufficientDataHealthStatus`);
    }
  }
  return problems;
}

/** Metric (namespace/name) of each CLOUDWATCH_METRIC check under a calculated check, with its missing-data verdict. */
export function childSignals(
  template: Cfn,
  calculatedId: string,
): Array<{ metric: string; whenMissing: string }> {
  const resources = (template.Resources ?? {}) as Cfn;
  const children = (resources[calculatedId]?.Properties.HealthCheckConfig.ChildHealthChecks ??
    []) as unknown[];
  return children.map((c) => {
    const check = resources[refId(c) ?? ''] as Cfn;
    const alarm = resources[refId(check.Properties.HealthCheckConfig.AlarmIdentifier?.Name) ?? ''] as Cfn;
    return {
      metric: `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`,
      whenMissing: check.Properties.HealthCheckConfig.InsufficientDataHealthStatus as string,
    };
  });
}
