import { Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  RegionalFailover,
  RegionalRouting,
  type RegionalFailoverProps,
} from '../../lib/constructs/regional-failover';
import { testStack } from '../helpers/synth';

type Alarms = Record<
  'probe' | 'errorRate' | 'hosts' | 'p99' | 'math' | 'imported' | 'composite',
  cloudwatch.IAlarm
>;

/** Alarms of every kind the construct must tell apart, made in the stack under test. */
function alarmsIn(stack: Stack): Alarms {
  const alarm = (id: string, metric: cloudwatch.IMetric) =>
    new cloudwatch.Alarm(stack, id, { alarmName: `svc-${id}`, metric, threshold: 1, evaluationPeriods: 3 });
  const metric = (namespace: string, metricName: string, statistic: string, periodSeconds = 60) =>
    new cloudwatch.Metric({ namespace, metricName, statistic, period: Duration.seconds(periodSeconds) });
  const errorRate = alarm('ErrorRate', metric('AWS/ApiGateway', '5XXError', 'Average'));
  return {
    probe: alarm('Probe', metric('CloudWatchSynthetics', 'SuccessPercent', 'Average', 120)),
    errorRate,
    hosts: alarm('Hosts', metric('AWS/ApplicationELB', 'HealthyHostCount', 'Minimum')),
    p99: alarm('P99', metric('AWS/ApiGateway', 'Latency', 'p99')),
    math: alarm(
      'Math',
      new cloudwatch.MathExpression({
        expression: 'e / MAX([c, 1])',
        usingMetrics: {
          e: metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum'),
          c: metric('AWS/ApplicationELB', 'RequestCount', 'Sum'),
        },
      }),
    ),
    imported: cloudwatch.Alarm.fromAlarmName(stack, 'Imported', 'svc-imported'),
    composite: new cloudwatch.CompositeAlarm(stack, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.fromAlarm(errorRate, cloudwatch.AlarmState.ALARM),
    }),
  };
}

function build(overrides: (a: Alarms) => Partial<RegionalFailoverProps> = () => ({})) {
  const stack = testStack('eu-central-1');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z123',
    zoneName: 'example.fr',
  });
  const a = alarmsIn(stack);
  const f = new RegionalFailover(stack, 'Failover', {
    hostedZone: zone,
    healthAlarms: [a.probe, a.errorRate],
    records: [{ recordName: 'origin.app.example.fr', target: 'abc.execute-api.eu-central-1.amazonaws.com' }],
    ...overrides(a),
  });
  return { f, template: Template.fromStack(stack) };
}

const { UNHEALTHY, HEALTHY } = route53.InsufficientDataHealthStatusEnum;

describe('RegionalFailover', () => {
  it('creates one CLOUDWATCH_METRIC health check per alarm and a CALCULATED check needing all of them', () => {
    const { template } = build();
    // Missing data: the canary always reports, so silence is a failure; the error rate exists only
    // with traffic, so silence is a quiet Region.
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: { Ref: Match.stringLikeRegexp('^Probe') }, Region: 'eu-central-1' },
        InsufficientDataHealthStatus: 'Unhealthy',
      },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: { Ref: Match.stringLikeRegexp('^ErrorRate') }, Region: 'eu-central-1' },
        InsufficientDataHealthStatus: 'Healthy',
      },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'CALCULATED',
        HealthThreshold: 2,
        ChildHealthChecks: [
          { Ref: Match.stringLikeRegexp('AlarmCheck0') },
          { Ref: Match.stringLikeRegexp('AlarmCheck1') },
        ],
      }),
    });
  });

  it('answers with a latency record of 60 s by default', () => {
    build().template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'origin.app.example.fr.',
      Type: 'CNAME',
      TTL: '60',
      Region: 'eu-central-1',
      SetIdentifier: 'eu-central-1',
      HealthCheckId: Match.anyValue(),
    });
  });

  it('creates health checks only when no record is given', () => {
    const { template, f } = build(() => ({ records: [] }));
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::Route53::HealthCheck', 3);
    // The exposed health check is the calculated one, over the alarm-driven ones.
    const id = Stack.of(f).getLogicalId(f.healthCheck.node.defaultChild as CfnResource);
    expect(template.toJSON().Resources[id].Properties.HealthCheckConfig.Type).toBe('CALCULATED');
  });

  it('supports active-passive failover records', () => {
    build(() => ({ routing: RegionalRouting.FAILOVER, primary: false })).template.hasResourceProperties(
      'AWS::Route53::RecordSet',
      {
        Failover: 'SECONDARY',
      },
    );
  });

  it('evacuates the Region by inverting the calculated check', () => {
    build(() => ({ evacuated: true })).template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', Inverted: true }),
    });
  });

  it('adds an ARC routing control as one more child when given', () => {
    const arn = 'arn:aws:route53-recovery-control::111111111111:controlpanel/abc/routingcontrol/def';
    const { template } = build(() => ({ routingControlArn: arn }));
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'RECOVERY_CONTROL', RoutingControlArn: arn },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 3 }),
    });
  });

  it('rejects no alarms, a TTL above 60 s and primary without FAILOVER routing', () => {
    expect(() => build(() => ({ healthAlarms: [] }))).toThrow(
      /healthAlarms and healthSignals are empty.*Fix:/,
    );
    expect(() => build(() => ({ ttl: Duration.seconds(300) }))).toThrow(/ttl is 300 s\. Fix: use 1 to 60 s/);
    expect(() => build(() => ({ primary: true }))).toThrow(/primary is set but routing is not FAILOVER/);
  });

  it('refuses a traffic-only metric that would make an idle Region unhealthy', () => {
    expect(() =>
      build((a) => ({
        healthAlarms: undefined,
        healthSignals: [{ alarm: a.errorRate, whenMissing: UNHEALTHY }],
      })),
    ).toThrow(
      /alarm svc-ErrorRate reads AWS\/ApiGateway 5XXError, which is published only with traffic, yet makes the Region unhealthy when it has no data.*Fix: whenMissing HEALTHY/,
    );
    expect(() => build(() => ({ insufficientDataHealthStatus: UNHEALTHY }))).toThrow(
      /svc-ErrorRate reads AWS\/ApiGateway 5XXError/,
    );
    // Always-reported metrics may be Unhealthy when missing.
    const { template } = build((a) => ({
      healthAlarms: undefined,
      healthSignals: [
        { alarm: a.probe, whenMissing: UNHEALTHY },
        { alarm: a.hosts, whenMissing: UNHEALTHY },
        { alarm: a.errorRate, whenMissing: HEALTHY },
      ],
    }));
    template.resourcePropertiesCountIs(
      'AWS::Route53::HealthCheck',
      { HealthCheckConfig: Match.objectLike({ InsufficientDataHealthStatus: 'Unhealthy' }) },
      2,
    );
  });

  it('refuses what Route 53 cannot evaluate: percentiles, metric math, composite alarms', () => {
    expect(() => build((a) => ({ healthAlarms: [a.p99] }))).toThrow(
      /alarm svc-P99 uses the statistic p99\. Fix: use one of Average/,
    );
    expect(() => build((a) => ({ healthAlarms: [a.math] }))).toThrow(
      /alarm svc-Math uses metric math, which Route 53 cannot evaluate/,
    );
    expect(() => build((a) => ({ healthAlarms: [a.composite] }))).toThrow(
      /is a composite alarm, which has no metric/,
    );
  });

  it('asks for the missing-data verdict of an alarm it cannot inspect', () => {
    expect(() => build((a) => ({ healthAlarms: [a.imported] }))).toThrow(
      /cannot tell whether the metric of alarm svc-imported is published without traffic.*Fix: pass it in healthSignals with whenMissing/,
    );
    const { f } = build((a) => ({
      healthAlarms: undefined,
      healthSignals: [{ alarm: a.imported, whenMissing: HEALTHY }],
    }));
    expect(f.signals.map((s) => s.whenMissing)).toEqual([HEALTHY]);
  });
});
