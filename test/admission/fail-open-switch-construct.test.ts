import { ArnFormat, Duration, Stack, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import {
  AdmissionControl,
  AdmissionEdgeGate,
  AdmissionFailOpenSwitch,
  admissionControlPropsProblems,
  admissionFailOpenSwitchPropsProblems,
  type AdmissionControlProps,
  type AdmissionFailOpenSwitchProps,
  type FailOpenRegionSignals,
} from '../../lib/constructs/admission-control';
import { KVS_FAIL_OPEN } from '../../lib/constructs/admission-control/contract';
import { CloudWatchAlarmStates } from '../../lambda/admission-edge/adapters/cloudwatch-alarms';
import { KeyValueSwitchStore } from '../../lambda/admission-edge/adapters/switch-store';
import { FAIL_OPEN_SETTINGS_ENV, parseFailOpenSettings } from '../../lambda/admission-edge/domain/fail-open';
import {
  failOpenMetrics,
  makeFailOpenSwitchHandler,
} from '../../lambda/admission-edge/handlers/fail-open-switch';
import { captureOutput } from '../helpers/capture-logs';
import { KeyValueStoreStandIn } from '../helpers/cloudfront-runtime';
import { testApp, testConfig } from '../helpers/synth';
import { EdgeStack } from '../../lib/platform/edge-stack';
import { bookingEdgeSpec } from '../../lib/workloads/booking';
import { standInRegion } from '../edge/fixtures';
import { templateEvaluator, type TemplateJson } from './fail-open-template';
import { ACCOUNT, FakeCloudWatch, FakeKeyValueStoreApi, alarmArn, alarmStateChange } from './fail-open-fakes';

const P = 'eu-west-3';
const F = 'eu-central-1';
const BUS = 'rempart-test-booking-admission-failopen';
const EVENT = 'opening-2027-01-14';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Json = Record<string, unknown>;

/** What AdmissionControl needs in one application Region, as Rempart gives it (booking API and table). */
function regionProps(stack: Stack, region: string): AdmissionControlProps {
  const key = new kms.Key(stack, 'TableKey', { enableKeyRotation: true });
  const table = dynamodb.TableV2.fromTableAttributes(stack, 'Booking', {
    tableArn: stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: 'Rempart-dev-booking',
    }),
    encryptionKey: key,
  });
  return {
    eventId: EVENT,
    openingAt: '2027-01-14T10:00:00+01:00',
    admitPerSecond: 2_000,
    peakJoinsPerSecond: 2_778,
    restApi: api(stack),
    table,
    regions: [P, F],
    signingKey: AdmissionControl.signingKeyReplica(stack, 'SigningKey', {
      secretName: 'rempart/admission/signing-key-a',
      kid: 'a',
      encryptionKey: key,
    }),
    // Both by name, as the booking workload does: the bus's stack deploys after this one.
    failOpenEventBusArn: stack.formatArn({
      service: 'events',
      region: 'us-east-1',
      resource: 'event-bus',
      resourceName: BUS,
    }),
    regionUnhealthyAlarmArns: [
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `Rempart-${region}-RegionHealth`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
  };
}

/** One application Region as Rempart builds it: the booking REST API and table, with AdmissionControl. */
function applicationRegion(app: App, region: string): { stack: Stack; control: AdmissionControl } {
  const stack = new Stack(app, `Api-${region}`, {
    env: { account: ACCOUNT, region },
    crossRegionReferences: true,
  });
  api(stack);
  return { stack, control: new AdmissionControl(stack, 'Admission', regionProps(stack, region)) };
}

const apis = new WeakMap<Stack, apigateway.RestApi>();
function api(stack: Stack): apigateway.RestApi {
  let restApi = apis.get(stack);
  if (!restApi) {
    restApi = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
    apis.set(stack, restApi);
  }
  return restApi;
}

function edge(app: App, regions: (gate: AdmissionEdgeGate) => Omit<AdmissionFailOpenSwitchProps, 'gate'>) {
  const stack = new Stack(app, 'Edge', {
    env: { account: ACCOUNT, region: 'us-east-1' },
    crossRegionReferences: true,
  });
  const gate = new AdmissionEdgeGate(stack, 'Gate', {
    eventId: EVENT,
    protectedPaths: [
      { pathPattern: '/api/bookings', pathClass: 'booking-writes' },
      { pathPattern: '/*', pathClass: 'booking-pages' },
    ],
    secretNamePrefix: 'rempart/admission',
  });
  const sw = new AdmissionFailOpenSwitch(stack, 'FailOpen', { gate, ...regions(gate) });
  return { stack, gate, sw };
}

// The whole chain in one app: two Regions forwarding to the switch in the edge stack.
const app = testApp();
const regionStacks = [P, F].map((r) => applicationRegion(app, r));
const { stack: edgeStack, sw } = edge(app, () => ({
  regions: regionStacks.map((r) => r.control.failOpenRegion),
  eventBusName: BUS,
}));
const edgeTemplate = Template.fromStack(edgeStack);
const regionTemplates = new Map(regionStacks.map((r) => [r.stack.stackName, Template.fromStack(r.stack)]));
const edgeResources = edgeTemplate.toJSON().Resources as Record<string, Resource>;

function only(
  template: Template,
  type: string,
  filter: (r: Resource) => boolean = () => true,
): [string, Resource] {
  const found = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([, r]) => r.Type === type && filter(r),
  );
  expect(found).toHaveLength(1);
  return found[0];
}

const templateOf = (stackName: string) =>
  (stackName === 'Edge' ? edgeTemplate : regionTemplates.get(stackName))?.toJSON() as TemplateJson;
/** Each side's expressions as deployed values; a resource of a stack stands as <stack/logical id>. */
const symbolic = templateEvaluator(templateOf, ACCOUNT);

describe('AdmissionFailOpenSwitch template', () => {
  const [busId, bus] = only(edgeTemplate, 'AWS::Events::EventBus');
  const [, alarmRule] = only(
    edgeTemplate,
    'AWS::Events::Rule',
    (r) => r.Properties.EventPattern !== undefined,
  );
  const [, reconcile] = only(
    edgeTemplate,
    'AWS::Events::Rule',
    (r) => r.Properties.ScheduleExpression !== undefined,
  );
  const [fnId, fn] = only(edgeTemplate, 'AWS::Lambda::Function', (r) =>
    JSON.stringify(r.Properties.Environment ?? {}).includes(FAIL_OPEN_SETTINGS_ENV),
  );

  it('owns a bus with the given name, and no bus policy: only this account can send to it', () => {
    expect(bus.Properties.Name).toBe(BUS);
    edgeTemplate.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    expect(JSON.stringify(bus.Properties)).not.toContain('Policy');
    expect(edgeStack.resolve(sw.eventBusArn)).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
  });

  it('accepts on its bus exactly the alarm state changes the Regions forward, and those alone', () => {
    expect(alarmRule.Properties.EventBusName).toEqual({ Ref: busId });
    const pattern = alarmRule.Properties.EventPattern as Json & { resources: unknown[] };
    expect(Object.keys(pattern).sort()).toEqual(['detail-type', 'resources', 'source']);
    const forwarded = [...regionTemplates.entries()].map(([stackName, t]) => {
      const [, rule] = only(t, 'AWS::Events::Rule', (r) => r.Properties.EventPattern !== undefined);
      return { stackName, rule };
    });
    for (const { rule } of forwarded) {
      const p = rule.Properties.EventPattern as Json;
      expect(p.source).toEqual(['aws.cloudwatch']);
      expect(p['detail-type']).toEqual(['CloudWatch Alarm State Change']);
      expect(pattern.source).toEqual(p.source);
      expect(pattern['detail-type']).toEqual(p['detail-type']);
    }
    // The switch accepts the union of what every Region forwards, no more and no less.
    const accepted = pattern.resources.map((r) => symbolic(r, 'Edge'));
    const sent = forwarded.flatMap(({ stackName, rule }) =>
      (rule.Properties.EventPattern as { resources: unknown[] }).resources.map((r) => symbolic(r, stackName)),
    );
    expect(accepted).toEqual(sent);
    expect(sent).toEqual([
      '<Api-eu-west-3/AdmissionStuckCursorAlarmD79D276B>',
      `arn:aws:cloudwatch:eu-west-3:${ACCOUNT}:alarm:Rempart-eu-west-3-RegionHealth`,
      '<Api-eu-central-1/AdmissionStuckCursorAlarmD79D276B>',
      `arn:aws:cloudwatch:eu-central-1:${ACCOUNT}:alarm:Rempart-eu-central-1-RegionHealth`,
    ]);
    // Each Region forwards to this bus, by the name both sides share.
    for (const { stackName, rule } of forwarded) {
      const target = (rule.Properties.Targets as { Arn: unknown }[])[0];
      expect(symbolic(target.Arn, stackName)).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${BUS}`);
    }
    expect(alarmRule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
      }),
    ]);
  });

  it('reconciles every minute by default, on the default bus', () => {
    expect(reconcile.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(reconcile.Properties.EventBusName).toBeUndefined();
    expect(reconcile.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } }),
    ]);
    // Both rules may invoke the function, each bound to its own ARN.
    const permissions = Object.values(edgeResources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
    );
    expect(permissions.map((p) => [p.Properties.Principal, p.Properties.SourceArn])).toEqual(
      expect.arrayContaining([
        [
          'events.amazonaws.com',
          { 'Fn::GetAtt': [only(edgeTemplate, 'AWS::Events::Rule', (r) => r === alarmRule)[0], 'Arn'] },
        ],
        [
          'events.amazonaws.com',
          { 'Fn::GetAtt': [only(edgeTemplate, 'AWS::Events::Rule', (r) => r === reconcile)[0], 'Arn'] },
        ],
      ]),
    );
    expect(permissions).toHaveLength(2);
  });

  it('runs one switch at a time, with the SDK bundled for the KeyValueStore', () => {
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.Timeout).toBe(30);
  });

  it('may read and write the gate store only, and read alarms only in the application Regions', () => {
    const [storeId] = only(edgeTemplate, 'AWS::CloudFront::KeyValueStore');
    const roleRef = { Ref: (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] };
    const statements = Object.values(edgeResources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties.Roles) === JSON.stringify([roleRef]))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Json[] }).Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: [
            'cloudfront-keyvaluestore:DescribeKeyValueStore',
            'cloudfront-keyvaluestore:GetKey',
            'cloudfront-keyvaluestore:PutKey',
            'cloudfront-keyvaluestore:UpdateKeys',
          ],
          Resource: { 'Fn::GetAtt': [storeId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'cloudwatch:DescribeAlarms',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': [P, F] } },
        },
      ]),
    );
    // Resource "*" for X-Ray and DescribeAlarms (composite alarms need it) only; no metric API:
    // Powertools publishes FailOpen through the log group (EMF).
    const wildcard = statements
      .filter((s) => [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat());
    expect(wildcard.sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(JSON.stringify(statements)).not.toContain('PutMetricData');
  });

  it('alarms when it keeps failing, routed by the caller', () => {
    edgeTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    const a = testApp();
    const regions = [{ region: P, stuckCursorAlarmArn: alarmArn(P, 'stuck') }];
    const routed = edge(a, (gate) => ({
      regions,
      alarmAction: new cloudwatchActions.SnsAction(new sns.Topic(gate, 'T')),
    }));
    Template.fromStack(routed.stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('GateT') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('GateT') }],
    });
  });

  it('leaves no compliance finding on its resources, PCI DSS included', () => {
    const findings = compliancePacks(edgeStack, { pciDss: true }).flatMap((pack) =>
      pack
        .validateScope(edgeStack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? ''}`)),
    );
    expect(findings.filter((f) => f.includes('FailOpen'))).toEqual([]);
  });

  it("runs, from its template's settings, against the Regions' alarms and the gate's store", async () => {
    const kvsArn = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    // Physical names: the store's ARN, and each Region's alarm named after its logical id there.
    const physical = (stackName: string, id: string) =>
      stackName === 'Edge' ? kvsArn : alarmArn(stackName.replace(/^Api-/, ''), id);
    const envVars = (fn.Properties.Environment as { Variables: Json }).Variables;
    const settingsJson = templateEvaluator(
      templateOf,
      ACCOUNT,
      physical,
    )(envVars[FAIL_OPEN_SETTINGS_ENV], 'Edge');
    const settings = parseFailOpenSettings(settingsJson as string);
    expect(settings.regions.map((r) => r.region)).toEqual([P, F]);
    expect(settings.regions.map((r) => r.stuckCursorAlarmArn)).toEqual([
      alarmArn(P, 'AdmissionStuckCursorAlarmD79D276B'),
      alarmArn(F, 'AdmissionStuckCursorAlarmD79D276B'),
    ]);
    expect(settings.regions.map((r) => r.healthAlarmArns)).toEqual([
      [alarmArn(P, 'Rempart-eu-west-3-RegionHealth')],
      [alarmArn(F, 'Rempart-eu-central-1-RegionHealth')],
    ]);
    const cw = new FakeCloudWatch();
    for (const r of settings.regions) {
      const name = (arn: string) => arn.split(':').slice(6).join(':');
      cw.define(r.region, name(r.stuckCursorAlarmArn), 'MetricAlarm', 'ALARM');
      for (const h of r.healthAlarmArns) cw.define(r.region, name(h), 'CompositeAlarm');
    }
    const kvs = new FakeKeyValueStoreApi(kvsArn, new KeyValueStoreStandIn({ [KVS_FAIL_OPEN]: 'off' }));
    const handler = makeFailOpenSwitchHandler({
      settings,
      alarms: new CloudWatchAlarmStates(cw.clientFor),
      store: new KeyValueSwitchStore(kvsArn, kvs.client),
      metrics: failOpenMetrics(settings.eventId),
    });
    await captureOutput(() =>
      handler(alarmStateChange(settings.regions[0].stuckCursorAlarmArn, 'ALARM', 'OK')),
    );
    expect(kvs.store.entries.get(KVS_FAIL_OPEN)).toBe('on');
  });
});

describe('AdmissionFailOpenSwitch props', () => {
  const good = (): FailOpenRegionSignals[] => [
    { region: P, stuckCursorAlarmArn: alarmArn(P, 'stuck'), healthAlarmArns: [alarmArn(P, 'health')] },
    { region: F, stuckCursorAlarmArn: alarmArn(F, 'stuck') },
  ];
  const build = (over: Partial<AdmissionFailOpenSwitchProps> = {}) =>
    edge(testApp(), () => ({ regions: good(), ...over }));

  it('defaults: a generated bus name, a one-minute reconcile', () => {
    const { stack } = build();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: Match.stringLikeRegexp('FailOpen') });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('reconciles at the period given', () => {
    const { stack } = build({ reconcileEvery: Duration.minutes(5) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
    });
  });

  it.each<[string, Partial<AdmissionFailOpenSwitchProps>, RegExp]>([
    ['no Region', { regions: [] }, /regions is empty\. Fix/],
    [
      'a Region listed twice',
      { regions: [good()[0], good()[0]] },
      /regions\[1\]\.region eu-west-3 is listed twice\. Fix: keep one/,
    ],
    [
      'a bad Region name',
      { regions: [{ ...good()[0], region: 'Paris' }] },
      /regions\[0\]\.region is "Paris"\. Fix/,
    ],
    [
      'an alarm of another Region',
      { regions: [{ ...good()[0], stuckCursorAlarmArn: alarmArn(F, 'stuck') }] },
      /regions\[0\]\.stuckCursorAlarmArn names an alarm of eu-central-1, but the entry is for eu-west-3\. Fix/,
    ],
    [
      'a health ARN that is no alarm',
      { regions: [{ ...good()[0], healthAlarmArns: ['arn:aws:sns:eu-west-3:111111111111:alerts'] }] },
      /regions\[0\]\.healthAlarmArns\[0\] is "arn:aws:sns:eu-west-3:111111111111:alerts", not a CloudWatch alarm ARN\. Fix/,
    ],
    ['a bus name with a slash', { eventBusName: 'a/b' }, /eventBusName is "a\/b"\. Fix/],
    ['the default bus', { eventBusName: 'default' }, /eventBusName is "default"\. Fix/],
    ['an AWS bus name', { eventBusName: 'aws.partner' }, /eventBusName is "aws\.partner"\. Fix/],
    [
      'a reconcile period in seconds',
      { reconcileEvery: Duration.seconds(90) },
      /reconcileEvery is 90 s\. Fix: use whole minutes from 1 to 60/,
    ],
    [
      'a reconcile period over an hour',
      { reconcileEvery: Duration.hours(2) },
      /reconcileEvery is 7200 s\. Fix/,
    ],
  ])('refuses %s, naming the prop and the fix', (_name, over, message) => {
    expect(() => build(over)).toThrow(message);
  });

  it('refuses a stack outside the edge Region', () => {
    const a = testApp();
    const stack = new Stack(a, 'Paris', { env: { account: ACCOUNT, region: P } });
    const gate = {
      eventId: EVENT,
      keyValueStore: { keyValueStoreArn: 'arn:aws:cloudfront::111111111111:key-value-store/x' },
    };
    expect(
      admissionFailOpenSwitchPropsProblems(
        { gate: gate as unknown as AdmissionEdgeGate, regions: good() },
        stack.region,
      ),
    ).toEqual([
      expect.stringMatching(
        /the stack is in eu-west-3\. Fix: create AdmissionFailOpenSwitch in the us-east-1 stack/,
      ),
    ]);
  });
});

describe('AdmissionControl fail-open wiring', () => {
  it('exposes its signals as one Region of the switch', () => {
    const [r] = regionStacks;
    expect(r.control.failOpenRegion.region).toBe(P);
    expect(r.control.failOpenRegion.stuckCursorAlarmArn).toBe(r.control.stuckCursorAlarm.alarmArn);
    expect(r.control.failOpenSignals).toEqual([
      r.control.failOpenRegion.stuckCursorAlarmArn,
      ...(r.control.failOpenRegion.healthAlarmArns ?? []),
    ]);
  });

  it('refuses a failOpenEventBusArn that is not an event bus ARN', () => {
    const stack = new Stack(testApp(), 'Paris', { env: { account: ACCOUNT, region: P } });
    const problems = admissionControlPropsProblems(
      { ...regionProps(stack, P), failOpenEventBusArn: 'arn:aws:sns:us-east-1:111111111111:failopen' },
      P,
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /failOpenEventBusArn is "arn:aws:sns:us-east-1:111111111111:failopen", not an event bus ARN\. Fix/,
      ),
    ]);
  });
});

describe('booking edge wiring', () => {
  it('refuses a switch fed by some Regions only, naming them and the fix', () => {
    const a = testApp();
    const config = testConfig();
    const stands = [config.regions.primary, config.regions.secondary].map((r) => standInRegion(a, config, r));
    const spec = bookingEdgeSpec(
      config,
      stands.map((r, i) => ({
        region: r.region,
        restApi: r.restApi,
        siteBucketName: r.siteBucket.bucketName,
        originHeaderName: r.origin.headerName,
        originSecretName: r.origin.secretName,
        admissionSignals:
          i === 0 ? { region: r.region, stuckCursorAlarmArn: alarmArn(r.region, 'stuck') } : undefined,
      })),
    );
    expect(
      () =>
        new EdgeStack(a, 'Edge', {
          config,
          env: { account: ACCOUNT, region: config.regions.edge },
          workloads: [{ id: 'Booking', edge: spec }],
        }),
    ).toThrow(
      /only eu-west-3 of eu-west-3, eu-central-1 give the waiting room's alarms.*Fix: give admissionSignals for every Region, or for none/,
    );
  });
});
