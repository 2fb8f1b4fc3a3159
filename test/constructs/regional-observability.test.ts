import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RegionalObservability, type RegionalObservabilityProps } from '../../lib/constructs/observability';
import { probeCanaryName } from '../../lib/constructs/observability/regional-observability';
import {
  probeCodeDirectory,
  RegionProbe,
  type RegionProbeProps,
} from '../../lib/constructs/observability/region-probe';
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

describe('RegionProbe', () => {
  const stack = testStack();
  const table = new dynamodb.TableV2(stack, 'ProbeTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'TableKey')),
  });
  const secret = new secretsmanager.Secret(stack, 'OriginSecret');
  const probe = new RegionProbe(stack, 'Probe', {
    canaryName: 'booking-euw3-ab12',
    alarmName: 'Svc-eu-west-3-BookingProbe',
    checks: [
      {
        name: 'read',
        url: 'https://abc.execute-api.eu-west-3.amazonaws.com/v1/api/progress',
        originHeader: { name: 'x-origin-verify', secret },
      },
    ],
    heartbeat: {
      table,
      partitionKey: { name: 'pk', value: 'rempart#probe' },
      sortKey: { name: 'sk', value: 'eu-west-3' },
    },
  });
  const t = Template.fromStack(stack);

  it('runs a current Node.js Synthetics runtime every minute, code from a local bundle, artifacts encrypted', () => {
    t.hasResourceProperties('AWS::Synthetics::Canary', {
      Name: 'booking-euw3-ab12',
      RuntimeVersion: 'syn-nodejs-puppeteer-13.0',
      Schedule: Match.objectLike({ Expression: 'rate(1 minute)' }),
      StartCanaryAfterCreation: true,
      Code: Match.objectLike({ Handler: 'region-probe.handler', S3Bucket: Match.anyValue() }),
      ArtifactConfig: { S3Encryption: { EncryptionMode: 'SSE_KMS', KmsKeyArn: Match.anyValue() } },
      RunConfig: Match.objectLike({ TimeoutInSeconds: 50 }),
    });
  });

  it('alarms when under half the runs of two 2-minute periods succeeded, missing data counting as failure', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Svc-eu-west-3-BookingProbe',
      Namespace: 'CloudWatchSynthetics',
      MetricName: 'SuccessPercent',
      Statistic: 'Average',
      Period: 120,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 50,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(probe.alarm.metric.toMetricConfig().metricStat?.metricName).toBe('SuccessPercent');
  });

  it('gives the canary exactly one managed policy: its reports, its logs, the origin secret, the heartbeat item', () => {
    const role = Object.values(t.findResources('AWS::IAM::Role')).find((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );
    expect(role?.Properties.Policies).toBeUndefined();
    expect(
      Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p).includes('ProbeRole'),
      ),
    ).toEqual([]);
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PublishRunMetrics',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
          }),
          Match.objectLike({
            Sid: 'ReadOriginSecrets',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: Match.stringLikeRegexp('OriginSecret') },
          }),
          Match.objectLike({
            Sid: 'WriteHeartbeatItemOnly',
            Action: 'dynamodb:UpdateItem',
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['rempart#probe'] } },
          }),
          Match.objectLike({
            Sid: 'UseTableKeyThroughDynamoDb',
            Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-3.amazonaws.com' } },
          }),
        ]),
      },
    });
    const json = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(json).not.toMatch(/dynamodb:(PutItem|DeleteItem|GetItem|Query|Scan|\*)/);
  });

  it('rejects a name Synthetics refuses, no check at all, a plain-http URL and a period holding one run', () => {
    const s = testStack();
    const make = (props: Partial<RegionProbeProps>) => () =>
      new RegionProbe(s, `P${s.node.children.length}`, {
        canaryName: 'ok',
        alarmName: 'a',
        checks: [{ name: 'read', url: 'https://example.fr/' }],
        ...props,
      });
    expect(make({ canaryName: 'Booking-eu-west-3-probe' })).toThrow(
      /canaryName is "Booking-eu-west-3-probe"\. Fix: use 1 to 21 lower-case/,
    );
    expect(make({ checks: [] })).toThrow(/there is no check and no heartbeat/);
    expect(make({ checks: [{ name: 'read', url: 'http://example.fr/' }] })).toThrow(
      /checks "read"\.url is "http:\/\/example\.fr\/"\. Fix: use an absolute https URL/,
    );
    expect(make({ alarmPeriod: Duration.minutes(1) })).toThrow(
      /alarmPeriod is 60 s for a run every 60 s\. Fix: use at least 120 s/,
    );
  });

  it('names a canary within 21 characters, per workload, Region and deployment', () => {
    expect(probeCanaryName('Rempart-eu-central-1', 'Booking', 'eu-central-1')).toMatch(
      /^booking-euc1-[0-9a-f]{4}$/,
    );
    expect(probeCanaryName('Rempart-eu-central-1', 'Booking', 'eu-central-1')).not.toBe(
      probeCanaryName('Other-eu-central-1', 'Booking', 'eu-central-1'),
    );
    expect(probeCanaryName('P', 'Averyveryverylongworkloadname', 'eu-south-2').length).toBeLessThanOrEqual(
      21,
    );
  });
});

describe('the bundled canary script (what Synthetics runs)', () => {
  const pending: http.ServerResponse[] = [];
  let status = 200;
  const server = http.createServer((_req, res) => res.writeHead(status).end());
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    for (const r of pending) r.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('exports a handler that resolves while the Region answers and throws once it does not', async () => {
    const file = path.join(probeCodeDirectory(), 'nodejs', 'node_modules', 'region-probe.js');
    process.env.REMPART_PROBE = JSON.stringify({
      region: 'eu-west-3',
      checks: [{ name: 'read', url, method: 'GET', expectStatus: [200], timeoutMs: 1000 }],
    });
    const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const mod = jest.requireActual<{ handler: () => Promise<string> }>(file);
      await expect(mod.handler()).resolves.toBe('healthy');
      status = 502;
      await expect(mod.handler()).rejects.toThrow(/Region probe failed: read: GET .* answered 502/);
    } finally {
      logs.mockRestore();
      delete process.env.REMPART_PROBE;
    }
  });
});
