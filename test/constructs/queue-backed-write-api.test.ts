/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
import * as path from 'node:path';
import { Duration, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  QueueBackedWriteApi,
  type QueueBackedWriteApiProps,
} from '../../lib/constructs/queue-backed-write-api/queue-backed-write-api';
import { BOOKING_REQUEST_SCHEMA } from '../../lambda/booking/domain/model';
import { testStack } from '../helpers/synth';

const entry = path.join(__dirname, '../../lambda/booking/handlers/worker.ts');
const base: QueueBackedWriteApiProps = {
  writePath: 'api/bookings',
  requestSchema: BOOKING_REQUEST_SCHEMA as never,
  stageThrottle: { rateLimit: 6945, burstLimit: 5000 },
  worker: { entry, description: 'worker', maxConcurrency: 20 },
};

describe('QueueBackedWriteApi defaults', () => {
  const stack = testStack();
  const api = new QueueBackedWriteApi(stack, 'Writes', {
    ...base,
    writeThrottle: { rateLimit: 4167, burstLimit: 4167 },
    progressPath: '/api/progress',
  });
  const template = Template.fromStack(stack);
  // Untyped CloudFormation JSON, read field by field below.
  const postMethod = Object.values(
    template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }),
  )[0] as { Properties: { Integration: Record<string, any> } };
  const integration = () => postMethod.Properties.Integration;
  const resources = template.toJSON().Resources as Record<string, { Type: string; [k: string]: any }>;
  /** Logical id of the CloudFormation resource behind a construct (its default child, or itself). */
  const idOf = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnResource);
  const arnOf = (c: IConstruct) => ({ 'Fn::GetAtt': [idOf(c), 'Arn'] });
  /** The resource a { "Fn::GetAtt": [id, "Arn"] } or { Ref: id } points to. */
  const target = (ref: any) => {
    const id: string = ref['Fn::GetAtt']?.[0] ?? ref.Ref;
    expect(resources[id]).toBeDefined();
    return resources[id];
  };

  it('is a REGIONAL REST API', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(target(stack.resolve(api.api.restApiId)).Type).toBe('AWS::ApiGateway::RestApi');
  });

  it('throttles the stage and the write method explicitly', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 6945,
          ThrottlingBurstLimit: 5000,
        }),
        Match.objectLike({
          HttpMethod: 'POST',
          ResourcePath: '/~1api~1bookings',
          ThrottlingRateLimit: 4167,
          ThrottlingBurstLimit: 4167,
        }),
      ]),
    });
  });

  it('writes JSON access logs without client IP to an encrypted log group kept a year, with X-Ray and error execution logs', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    const format = JSON.parse(stage.AccessLogSetting.Format as string) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(JSON.stringify(format)).not.toContain('sourceIp');
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings[0]).toMatchObject({ LoggingLevel: 'ERROR', DataTraceEnabled: false });
    // The stage's destination itself, not any log group of the stack (the worker has one too).
    expect(stage.AccessLogSetting.DestinationArn).toEqual({
      'Fn::Join': ['', ['arn:aws:logs:eu-west-3:111111111111:log-group:', { Ref: idOf(api.accessLogGroup) }]],
    });
    const accessLogs = target(stage.AccessLogSetting.DestinationArn['Fn::Join'][1][1]);
    expect(accessLogs.Type).toBe('AWS::Logs::LogGroup');
    expect(accessLogs.Properties.RetentionInDays).toBe(365);
    expect(accessLogs.DeletionPolicy).toBe('Retain');
    expect(accessLogs.UpdateReplacePolicy).toBe('Retain');
    const key = target(accessLogs.Properties.KmsKeyId);
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  it('shares one customer-managed log key between the access logs and the worker logs by default', () => {
    const accessLogs = resources[idOf(api.accessLogGroup)];
    const workerLogs = resources[idOf(api.worker.logGroup)];
    expect(workerLogs.Properties.KmsKeyId).toEqual(accessLogs.Properties.KmsKeyId);
    template.resourceCountIs('AWS::KMS::Key', 2); // the queue key and the log key
  });

  it('validates the body against the JSON schema model before anything is queued', () => {
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['centreId', 'slotId', 'personKey'],
        additionalProperties: false,
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
      RequestValidatorId: Match.anyValue(),
    });
  });

  it('answers an invalid body with 400 and the validation reason', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('validationErrorString') },
    });
  });

  it('sends the body straight to SQS (service integration, no function) and never passes other content types through', () => {
    const i = integration();
    expect(i.Type).toBe('AWS');
    expect(i.PassthroughBehavior).toBe('NEVER');
    expect(JSON.stringify(i.Uri)).toContain(':sqs:path/');
    expect(i.RequestTemplates['application/json']).toContain('Action=SendMessage');
    expect(i.RequestTemplates['application/json']).toContain(
      'MessageAttribute.1.Value.StringValue=$context.requestId',
    );
    expect(i.RequestParameters).toEqual({
      'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
    });
  });

  it('answers 202 with the request id, a status path and Retry-After; 503 when the queue refuses', () => {
    const [ok, refused] = integration().IntegrationResponses;
    expect(ok.StatusCode).toBe('202');
    const body = ok.ResponseTemplates['application/json'] as string;
    expect(body).toContain('"requestId":"$context.requestId"');
    expect(body).toContain('"statusPath":"/api/bookings/$context.requestId"');
    expect(body).toContain('"progressPath":"/api/progress"');
    expect(ok.ResponseParameters['method.response.header.Retry-After']).toBe("'15'");
    expect(refused).toMatchObject({ StatusCode: '503', SelectionPattern: '[45]\\d{2}' });
  });

  it('answers throttled requests 429 with Retry-After', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'15'" },
    });
  });

  it('encrypts both queues with a customer-managed key, keeps the DLQ 14 days, redrives after 5 receives', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const queueKey = arnOf(api.queueKey);
    expect(target(queueKey).Type).toBe('AWS::KMS::Key');
    expect(target(queueKey).Properties.EnableKeyRotation).toBe(true);
    expect(resources[idOf(api.deadLetterQueue)].Properties).toMatchObject({
      KmsMasterKeyId: queueKey,
      MessageRetentionPeriod: 1_209_600,
    });
    expect(resources[idOf(api.queue)].Properties).toMatchObject({
      KmsMasterKeyId: queueKey,
      MessageRetentionPeriod: 345_600,
      RedrivePolicy: { deadLetterTargetArn: arnOf(api.deadLetterQueue), maxReceiveCount: 5 },
    });
  });

  it('refuses non-TLS access to both queues', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  it('sets the visibility timeout to 6 × the worker timeout (30 s → 180 s)', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180 });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30 });
  });

  it('drains the queue with a worker at bounded concurrency, batches of 10, reporting batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 20 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 22 });
  });

  it('lets API Gateway only send messages to its queue and use its key, through a customer-managed policy', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'sqs:SendMessage',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('WritesQueue'), 'Arn'] },
          },
          { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: arnOf(api.queueKey) },
        ],
      },
    });
  });

  it('retains both queues (they hold accepted requests) when the stack or the resource goes', () => {
    for (const queue of [api.queue, api.deadLetterQueue]) {
      expect(resources[idOf(queue)]).toMatchObject({
        Type: 'AWS::SQS::Queue',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('exposes the queue, the dead-letter queue and the worker for alarms', () => {
    expect(target(stack.resolve(api.queue.queueArn)).Properties.RedrivePolicy).toBeDefined();
    const dlq = target(stack.resolve(api.deadLetterQueue.queueArn));
    expect(dlq).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } });
    expect(target(stack.resolve(api.worker.function.functionArn)).Type).toBe('AWS::Lambda::Function');
    expect(api.writeResource.path).toBe('/api/bookings');
  });
});

describe('QueueBackedWriteApi overrides', () => {
  it('lets the queues be destroyed with the stack when queueRemovalPolicy says so', () => {
    const stack = testStack();
    new QueueBackedWriteApi(stack, 'Writes', { ...base, queueRemovalPolicy: RemovalPolicy.DESTROY });
    const queues = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const q of queues) expect(q.DeletionPolicy).toBe('Delete');
  });

  it('accepts a burst above 5000 after a quota increase (accountBurstQuota)', () => {
    const stack = testStack();
    new QueueBackedWriteApi(stack, 'Writes', {
      ...base,
      stageThrottle: { rateLimit: 10_000, burstLimit: 8000 },
      accountBurstQuota: 8000,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', ThrottlingBurstLimit: 8000 })]),
    });
  });
});

describe('QueueBackedWriteApi validation', () => {
  it.each<[string, Partial<QueueBackedWriteApiProps>, RegExp]>([
    ['a bad write path', { writePath: '/Bookings' }, /writePath is "\/Bookings"\. Fix: use 1 to 5 segments/],
    ['a zero rate', { stageThrottle: { rateLimit: 0, burstLimit: 10 } }, /stageThrottle\.rateLimit is 0/],
    [
      'a burst above the account quota',
      { stageThrottle: { rateLimit: 10, burstLimit: 6000 } },
      /stageThrottle\.burstLimit is 6000\. Fix: use a whole number from 1 to 5000/,
    ],
    [
      'a burst above a raised account quota',
      { stageThrottle: { rateLimit: 10, burstLimit: 9000 }, accountBurstQuota: 8000 },
      /stageThrottle\.burstLimit is 9000\. Fix: use a whole number from 1 to 8000 \(accountBurstQuota/,
    ],
    ['a zero account quota', { accountBurstQuota: 0 }, /accountBurstQuota is 0\. Fix:/],
    [
      'a write rate above the stage rate',
      { writeThrottle: { rateLimit: 9000, burstLimit: 10 } },
      /writeThrottle\.rateLimit \(9000\) is above stageThrottle\.rateLimit/,
    ],
    [
      'a concurrency of 1',
      { worker: { ...base.worker, maxConcurrency: 1 } },
      /worker\.maxConcurrency is 1\. Fix: use a whole number from 2 to 1000/,
    ],
    [
      'a batch of 11',
      { worker: { ...base.worker, batchSize: 11 } },
      /worker\.batchSize is 11\. Fix: use 1 to 10/,
    ],
    [
      'reserved below maximum',
      { worker: { ...base.worker, reservedConcurrentExecutions: 5 } },
      /worker\.reservedConcurrentExecutions \(5\) is below worker\.maxConcurrency \(20\)/,
    ],
    [
      'a short visibility timeout',
      { visibilityTimeout: Duration.seconds(60) },
      /visibilityTimeout is 60 s, below 6 × the worker timeout \(180 s\)/,
    ],
    [
      'a zero receive count',
      { maxReceiveCount: 0 },
      /maxReceiveCount is 0\. Fix: use a whole number from 1 to 1000/,
    ],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => new QueueBackedWriteApi(testStack(), 'Bad', { ...base, ...overrides })).toThrow(message);
  });
});
