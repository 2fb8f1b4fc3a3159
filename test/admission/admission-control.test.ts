import { ArnFormat, Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { admissionControlExample } from '../../examples/admission-control';
import { compliancePacks } from '../../lib/compliance/nag-packs';
import {
  AdmissionControl,
  admissionControlPropsProblems,
  type AdmissionControlProps,
} from '../../lib/constructs/admission-control';
import type { AdmissionEdgeGate } from '../../lib/constructs/admission-control/edge/admission-edge-gate';
import { GlobalTableConsistency } from '../../lib/constructs/global-table-store/global-table-store';
import { QueueBackedWriteApi } from '../../lib/constructs/queue-backed-write-api/queue-backed-write-api';
import { lambdaEntry } from '../../lib/lambda-entry';
import { testApp, testStack } from '../helpers/synth';

const REGION = 'eu-west-3';

/** A booking-like API (the host of the waiting room's routes) and the shared table, as in Rempart. */
function host(stack: Stack) {
  const writes = new QueueBackedWriteApi(stack, 'Bookings', {
    writePath: 'api/bookings',
    requestSchema: { type: apigateway.JsonSchemaType.OBJECT },
    stageThrottle: { rateLimit: 7_000, burstLimit: 5_000 },
    writeThrottle: { rateLimit: 4_200, burstLimit: 4_200 },
    worker: { entry: lambdaEntry('health/handler'), description: 'stand-in worker', maxConcurrency: 20 },
  });
  const key = new kms.Key(stack, 'TableKey', { enableKeyRotation: true });
  const table = dynamodb.TableV2.fromTableAttributes(stack, 'Booking', {
    tableArn: stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: 'Rempart-dev-booking',
    }),
    encryptionKey: key,
  });
  const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'SigningKey', {
    secretPartialArn: stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: 'rempart/admission/signing-key-a',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    encryptionKey: key,
  });
  return { writes, table, secret };
}

function props(stack: Stack, over: Partial<AdmissionControlProps> = {}): AdmissionControlProps {
  const h = host(stack);
  return {
    eventId: 'opening-2027',
    openingAt: '2027-01-14T10:00:00+01:00',
    admitPerSecond: 2_000,
    peakJoinsPerSecond: 2_778,
    restApi: h.writes.api,
    table: h.table,
    signingKey: { secret: h.secret, kid: 'a' },
    regions: ['eu-west-3', 'eu-central-1'],
    ...over,
  };
}

describe('AdmissionControl on the booking API and table (defaults)', () => {
  const stack = testStack(REGION);
  const p = props(stack, {
    failOpenEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/rempart-admission',
    regionUnhealthyAlarmArns: [
      'arn:aws:cloudwatch:eu-west-3:111111111111:alarm:Rempart-eu-west-3-RegionUnhealthy',
    ],
  });
  const room = new AdmissionControl(stack, 'WaitingRoom', p);
  const t = Template.fromStack(stack);

  it('joins with no function in the path: API Gateway sends JSON and form joins to SQS', () => {
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: Match.stringLikeRegexp('WaitingRoom.*join|admissionjoin') },
      Integration: Match.objectLike({
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        PassthroughBehavior: 'NEVER',
        Uri: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':sqs:path/')])] },
        RequestTemplates: {
          'application/json': Match.stringLikeRegexp(
            '^#set\\(\\$ticket = .*extendedRequestId.*Action=SendMessage',
          ),
          'application/x-www-form-urlencoded': Match.stringLikeRegexp('secret=\\$context.requestId'),
        },
        IntegrationResponses: Match.arrayWith([
          Match.objectLike({
            StatusCode: '202',
            SelectionPattern: '2\\d{2}',
            // A form post (no JavaScript) is answered 303 with the ticket cookie; JSON gets the ticket id.
            ResponseTemplates: {
              'application/json': Match.stringLikeRegexp(
                'responseOverride.status = 303[\\s\\S]*Set-Cookie = "rempart-ticket=\\$!\\{ticket\\}\\.\\$context.requestId;[\\s\\S]*"ticketId":"\\$ticket"',
              ),
              'text/html': Match.anyValue(),
            },
          }),
          Match.objectLike({ StatusCode: '503' }),
        ]),
      }),
      RequestValidatorId: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({ required: ['secretHash'], additionalProperties: false }),
    });
  });

  it('throttles join and enter on the host stage, keeping the host settings', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 7_000 }),
        Match.objectLike({ ResourcePath: '/~1api~1bookings', HttpMethod: 'POST' }),
        Match.objectLike({
          ResourcePath: '/~1admission~1join',
          HttpMethod: 'POST',
          ThrottlingRateLimit: 2778,
          ThrottlingBurstLimit: 2778,
        }),
        Match.objectLike({
          ResourcePath: '/~1admission~1enter',
          HttpMethod: 'POST',
          ThrottlingRateLimit: 4000,
          ThrottlingBurstLimit: 4000,
        }),
      ]),
    });
  });

  it('runs five functions with the same settings, the controller every minute and the sweep every ten', () => {
    const settings = JSON.stringify(room.settings);
    expect(room.settings).toMatchObject({
      stepSeconds: 5,
      bucketSeconds: 2,
      shardsPerRegion: 8,
      redeemShards: 100,
      noShowAfterSeconds: 600,
    });
    const withSettings = t.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: { ADMISSION_SETTINGS: settings, TABLE_NAME: Match.anyValue() } },
      },
    });
    expect(Object.keys(withSettings)).toHaveLength(5);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SIGNING_KID: 'a', SIGNING_KEY_SECRET: Match.anyValue() }),
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 28 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants each function exactly its single-item DynamoDB actions: never a transaction, batch or scan', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const actions = Object.values(policies)
      .flatMap((pol) => pol.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .filter((a) => a.startsWith('dynamodb:'));
    expect(actions.length).toBeGreaterThan(5);
    expect(actions.filter((a) => /Transact|Batch|Scan|\*/.test(a))).toEqual([]);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('WaitingRoomOriginRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:GetItem' })]) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('WaitingRoomEnterRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
            Resource: Match.stringLikeRegexp('signing-key-a'),
          }),
        ]),
      },
    });
  });

  it('alarms when the cursor is stuck, counting silence as stuck, and forwards fail-open signals to the edge bus', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Rempart/Admission',
      MetricName: 'CursorLagSeconds',
      Dimensions: Match.arrayWith([{ Name: 'EventId', Value: 'opening-2027' }]),
      Statistic: 'Maximum',
      Threshold: 60,
      TreatMissingData: 'breaching',
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [
          { 'Fn::GetAtt': [Match.stringLikeRegexp('WaitingRoomStuckCursorAlarm'), 'Arn'] },
          'arn:aws:cloudwatch:eu-west-3:111111111111:alarm:Rempart-eu-west-3-RegionUnhealthy',
        ],
      },
      Targets: [
        Match.objectLike({ Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/rempart-admission' }),
      ],
    });
    expect(room.failOpenSignals).toHaveLength(2);
    expect(room.alarms).toContain(room.stuckCursorAlarm);
    expect(room.dashboardWidgets.length).toBeGreaterThanOrEqual(4);
    expect(room.tableKeyPrefix).toBe('ADM#opening-2027');
    // Join consumer 28 + 3, controller 2, sweep 1, reads 56, entries 150.
    expect(room.reservedConcurrentExecutions).toBe(240);
  });

  it('leaves no compliance finding on its resources', () => {
    const findings = compliancePacks(stack).flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? ''}`)),
    );
    expect(findings.filter((f) => f.includes('WaitingRoom'))).toEqual([]);
  });
});

describe('AdmissionControl with a table of its own', () => {
  it('creates it with GlobalTableStore', () => {
    const stack = testStack(REGION);
    const base = props(stack);
    new AdmissionControl(stack, 'WaitingRoom', {
      ...base,
      table: undefined,
      regions: undefined,
      tableStore: {
        tableName: 'my-admission',
        encryptionKey: new kms.Key(stack, 'Own', { enableKeyRotation: true }),
        consistency: GlobalTableConsistency.EVENTUAL,
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'my-admission',
    });
  });
});

describe('AdmissionControl props validation', () => {
  const stack = testStack(REGION, testApp());
  const good = props(stack);
  const problems = (over: Partial<AdmissionControlProps>) =>
    admissionControlPropsProblems({ ...good, ...over }, REGION).join('\n');

  it('accepts the defaults', () => {
    expect(admissionControlPropsProblems(good, REGION)).toEqual([]);
  });

  it.each<[string, Partial<AdmissionControlProps>, RegExp]>([
    [
      'a bad opening',
      { openingAt: '14/01/2027 10:00' },
      /openingAt is "14\/01\/2027 10:00"\. Fix: write an ISO 8601/,
    ],
    [
      'both tables',
      { tableStore: { tableName: 'x-table', encryptionKey: new kms.Key(stack, 'K1') } },
      /table and tableStore are both set/,
    ],
    ['no table', { table: undefined }, /neither table nor tableStore is set/],
    [
      'a bad key slot',
      { signingKey: { ...good.signingKey, kid: 'c' as never } },
      /signingKey\.kid is "c"\. Fix: use a or b/,
    ],
    [
      'a list of Regions without this one',
      { regions: ['eu-central-1'] },
      /does not list this stack's Region eu-west-3/,
    ],
    [
      'a fractional step',
      { step: Duration.millis(2500) },
      /step \(stepSeconds\): stepSeconds is 2\.5\. Fix: use a whole number/,
    ],
    ['a bad cohort', { cohorts: [{ id: 'Over 75' }] }, /cohorts\[0\]\.id is "Over 75"/],
    ['no pace', { admitPerSecond: 0 }, /admitPerSecond is 0\. Fix/],
    [
      'a hot join counter',
      { shardsPerRegion: 1, peakJoinsPerSecond: 50_000 },
      /one join counter item would take 5000 writes\/s, above 300\. Fix: raise shardsPerRegion/,
    ],
    [
      'a burst above the quota',
      { joinThrottle: { rateLimit: 100, burstLimit: 9_000 } },
      /joinThrottle\.burstLimit is 9000\. Fix: use a whole number from 1 to 5000/,
    ],
    [
      'a cookie living too long',
      { noShowAfter: Duration.hours(1), admissionTtl: Duration.hours(3.5) },
      /above the edge's cookie lifetime limit/,
    ],
    [
      'another key slot than the edge gate',
      { edgeGate: { currentKid: 'b' } as unknown as AdmissionEdgeGate },
      /edge gate's current slot is "b"/,
    ],
  ])('names the prop, the value and the fix for %s', (_, over, message) => {
    expect(problems(over)).toMatch(message);
  });

  it('refuses to build with bad props, naming the construct', () => {
    const s = testStack(REGION);
    expect(() => new AdmissionControl(s, 'WaitingRoom', { ...props(s), openingAt: 'tomorrow' })).toThrow(
      /AdmissionControl TestStack\/WaitingRoom: openingAt is "tomorrow"/,
    );
  });
});

describe('examples/admission-control.ts', () => {
  const app = testApp();
  const { edge, service } = admissionControlExample(app);
  const t = Template.fromStack(service);

  it('puts the waiting room on the example API, with its own table and the edge key replica', () => {
    t.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'admission' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'my-service-admission' });
    const settings = JSON.parse(
      Object.values(
        t.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { ADMISSION_SETTINGS: Match.anyValue() } } },
        }),
      )[0]?.Properties.Environment.Variables.ADMISSION_SETTINGS as string,
    );
    expect(settings.cohorts).toEqual([
      { id: 'over-75', delaySeconds: 0 },
      { id: 'general', delaySeconds: 3600 },
    ]);
    Template.fromStack(edge).resourceCountIs('AWS::CloudFront::KeyValueStore', 1);
  });
});
