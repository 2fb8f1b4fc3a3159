import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RegionalObservability, type RegionalObservabilityProps } from '../../lib/constructs/observability';
import { testConfig, testStack } from '../helpers/synth';

const thresholds = testConfig().resilience.alarms;

function build(overrides: Partial<RegionalObservabilityProps> = {}) {
  const stack = testStack();
  const dlq = new sqs.Queue(stack, 'Dlq');
  const queue = new sqs.Queue(stack, 'Queue', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
  const fn = lambda.Function.fromFunctionName(stack, 'Worker', 'worker');
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const o = new RegionalObservability(stack, 'Observability', {
    namePrefix: 'Svc-eu-west-3',
    thresholds,
    alertEmail: 'oncall@example.fr',
    queues: [{ workload: 'Booking', label: 'Bookings', queue, deadLetterQueue: dlq }],
    functions: [{ workload: 'Booking', label: 'Worker', function: fn, timeout: Duration.seconds(30) }],
    tables: [{ workload: 'Booking', label: 'Bookings', table, replicaRegions: ['eu-central-1'] }],
    ...overrides,
  });
  return { stack, o, template: Template.fromStack(stack) };
}

describe('RegionalObservability', () => {
  const { o, template } = build();

  it('alerts a KMS-encrypted, TLS-only topic subscribed by e-mail', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.fr',
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('alarms on queue age, DLQ not empty, worker errors/throttles/p99 duration, table throttles and replication latency', () => {
    const expectAlarm = (name: string, props: Record<string, unknown>) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Svc-eu-west-3-${name}`,
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
        TreatMissingData: 'notBreaching',
        ...props,
      });
    expectAlarm('BookingBookingsQueueDepth', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: thresholds.queueDepth,
    });
    expectAlarm('BookingBookingsQueueOldestMessageAge', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: thresholds.queueOldestMessageAgeSeconds,
      Statistic: 'Maximum',
    });
    expectAlarm('BookingBookingsQueueDlqNotEmpty', { Threshold: 1, EvaluationPeriods: 1 });
    expectAlarm('BookingWorkerFunctionErrors', { MetricName: 'Errors', Statistic: 'Sum' });
    expectAlarm('BookingWorkerFunctionThrottles', { MetricName: 'Throttles' });
    expectAlarm('BookingWorkerFunctionDurationP99', { ExtendedStatistic: 'p99', Threshold: 24_000 });
    expectAlarm('BookingBookingsTableThrottles', { Metrics: Match.anyValue() });
    expectAlarm('BookingBookingsTableReplicationLatencyEuCentral1', {
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayWith([{ Name: 'ReceivingRegion', Value: 'eu-central-1' }]),
    });
  });

  it('declares the Region unhealthy when any critical alarm fires, and pages on it', () => {
    expect(o.criticalAlarms.Booking.map((a) => a.node.id)).toEqual([
      'BookingBookingsQueueOldestMessageAge',
      'BookingWorkerFunctionErrors',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'Svc-eu-west-3-RegionHealth',
      AlarmRule: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      AlarmActions: [Match.anyValue()],
    });
    expect(o.deadLetterAlarms).toHaveLength(1);
  });

  it('draws one dashboard for the Region', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'Svc-eu-west-3-Resilience',
    });
  });

  it('rejects a non-PascalCase workload, a bad prefix and an empty signal list', () => {
    expect(() => build({ namePrefix: 'bad prefix!' })).toThrow(/namePrefix is "bad prefix!"\. Fix:/);
    expect(() => build({ queues: [], functions: [], tables: [] })).toThrow(/no signal to monitor\. Fix:/);
    const stack = testStack();
    const queue = new sqs.Queue(stack, 'Q');
    expect(
      () =>
        new RegionalObservability(stack, 'O', {
          namePrefix: 'P',
          thresholds,
          queues: [{ workload: 'booking', label: 'Q', queue }],
        }),
    ).toThrow(/workload "booking" is not PascalCase/);
  });
});
