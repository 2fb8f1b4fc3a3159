/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
import * as path from 'node:path';
import { Duration, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  NOT_FOUND_PROBE,
  QueueBackedWriteApi,
  TOO_LARGE_PROBE,
  queueBackedWriteApiPropsProblems,
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
        required: ['centreId', 'slotId'],
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
    expect(body).toContain('"operation":"CREATE"');
    expect(body).toContain('"requestId":"$context.requestId"');
    expect(body).toContain('"statusPath":"/api/bookings/$context.requestId"');
    expect(body).toContain('"progressPath":"/api/progress"');
    expect(ok.ResponseParameters['method.response.header.Retry-After']).toBe("'15'");
    expect(refused).toMatchObject({ StatusCode: '503', SelectionPattern: '[45]\\d{2}' });
  });

  it('answers a body over maxBodyLength (8192 by default) 413 without sending any message: no client body can make SQS fail', () => {
    const request = integration().RequestTemplates['application/json'] as string;
    // The only SendMessage sits in the #else branch of the length check.
    expect(
      request.startsWith(
        '#if($input.body.length() > 8192)Action=GetQueueAttributes&AttributeName.1=MaximumMessageSize#{else}Action=SendMessage&',
      ),
    ).toBe(true);
    expect(request.match(/Action=SendMessage/g)).toHaveLength(1);
    expect(request.endsWith('#end')).toBe(true);
    const [ok] = integration().IntegrationResponses;
    const response = ok.ResponseTemplates['application/json'] as string;
    expect(response).toMatch(
      /^#if\(\$input\.body\.contains\("MaximumMessageSize"\)\)#set\(\$context\.responseOverride\.status = 413\)\{"message":"The request body is longer than 8192 characters/,
    );
    expect(TOO_LARGE_PROBE).toBe('MaximumMessageSize');
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      MethodResponses: Match.arrayWith([
        Match.objectLike({ StatusCode: '400' }),
        Match.objectLike({ StatusCode: '413' }),
      ]),
    });
  });

  it('queues the operation and the API request id as attributes; anonymous writes carry no caller attribute', () => {
    const request = integration().RequestTemplates['application/json'] as string;
    expect(request).toContain(
      'MessageAttribute.3.Name=operation&MessageAttribute.3.Value.DataType=String&MessageAttribute.3.Value.StringValue=CREATE',
    );
    expect(request).not.toContain('$context.authorizer');
    expect(request).not.toContain('MessageAttribute.4');
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
            // GetQueueAttributes: the read-only probe a client's 4xx is answered with.
            Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
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
    [
      'a zero body length',
      { maxBodyLength: 0 },
      /maxBodyLength is 0\. Fix: use a whole number of characters from 1 to 262144/,
    ],
    ['a body length SQS cannot take', { maxBodyLength: 300_000 }, /maxBodyLength is 300000/],
    [
      'a context attribute that shadows an API attribute',
      { writeAuthorization: { authorizer: fakeAuthorizer(), contextAttributes: ['requestId'] } },
      /writeAuthorization\.contextAttributes has "requestId"\. Fix:/,
    ],
    [
      'too many context attributes',
      {
        writeAuthorization: {
          authorizer: fakeAuthorizer(),
          contextAttributes: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
        },
      },
      /contextAttributes has 7 names\. Fix: at most 6/,
    ],
    [
      'a bad request-id prefix',
      { writeAuthorization: { authorizer: fakeAuthorizer(), requestIdPrefix: 'a-b' } },
      /requestIdPrefix is "a-b"/,
    ],
    [
      'a delete id pattern with a quote',
      { deleteRoute: { pathParameter: 'id', idPattern: "[a-z']+" } },
      /deleteRoute\.idPattern is .*Fix: a regular expression/,
    ],
    [
      'a delete path parameter with a brace',
      { deleteRoute: { pathParameter: '{id}', idPattern: '[a-z]+' } },
      /deleteRoute\.pathParameter is "\{id\}"/,
    ],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => new QueueBackedWriteApi(testStack(), 'Bad', { ...base, ...overrides })).toThrow(message);
    expect(queueBackedWriteApiPropsProblems({ ...base, ...overrides }).join('\n')).toMatch(message);
  });

  it('reports nothing for valid props', () => {
    expect(queueBackedWriteApiPropsProblems(base)).toEqual([]);
  });
});

/** A stand-in authorizer (validation runs before anything is bound). */
function fakeAuthorizer(): apigateway.IAuthorizer {
  return { authorizerId: 'fake', authorizationType: apigateway.AuthorizationType.CUSTOM };
}

describe('QueueBackedWriteApi with write authorization and a DELETE route', () => {
  const stack = testStack();
  const fn = new lambda.Function(stack, 'AuthFn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const authorizer = new apigateway.RequestAuthorizer(stack, 'Gate', {
    handler: fn,
    identitySources: [apigateway.IdentitySource.header('Authorization')],
    resultsCacheTtl: Duration.seconds(0),
  });
  const api = new QueueBackedWriteApi(stack, 'Writes', {
    ...base,
    maxBodyLength: 1024,
    writeAuthorization: {
      authorizer,
      contextAttributes: ['personKey'],
      requestIdPrefix: 'requestTag',
      deniedStatusCode: 429,
    },
    deleteRoute: { pathParameter: 'requestId', idPattern: '[A-Za-z0-9-]{8,64}' },
  });
  const template = Template.fromStack(stack);
  const method = (verb: string) =>
    Object.values(
      template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: verb } }),
    )[0] as {
      Properties: Record<string, any>;
    };

  it('puts the authorizer on POST and DELETE and takes the caller from its context, never from the body', () => {
    for (const verb of ['POST', 'DELETE']) {
      expect(method(verb).Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: stack.getLogicalId(authorizer.node.defaultChild as CfnResource) },
      });
      const request = method(verb).Properties.Integration.RequestTemplates['application/json'] as string;
      expect(request).toContain(
        'MessageAttribute.4.Name=personKey&MessageAttribute.4.Value.DataType=String&MessageAttribute.4.Value.StringValue=$util.urlEncode($context.authorizer.personKey)',
      );
      expect(request).toContain(
        'MessageAttribute.1.Value.StringValue=$util.urlEncode($context.authorizer.requestTag)-$context.requestId',
      );
    }
  });

  it('bounds the POST body at maxBodyLength', () => {
    expect(method('POST').Properties.Integration.RequestTemplates['application/json']).toMatch(
      /^#if\(\$input\.body\.length\(\) > 1024\)/,
    );
  });

  it("queues DELETE of an id only when it has the expected form and carries the caller's prefix; otherwise 404, nothing sent", () => {
    const request = method('DELETE').Properties.Integration.RequestTemplates['application/json'] as string;
    expect(request).toContain("#set($id = $input.params('requestId'))");
    expect(request).toContain(
      `#if(!$id.matches('[A-Za-z0-9-]{8,64}') || !$id.startsWith("$context.authorizer.requestTag-"))Action=GetQueueAttributes&AttributeName.1=${NOT_FOUND_PROBE}#{else}Action=SendMessage&`,
    );
    expect(request).toContain('MessageAttribute.3.Value.StringValue=DELETE');
    expect(method('DELETE').Properties.RequestParameters).toEqual({ 'method.request.path.requestId': true });
    const response = method('DELETE').Properties.Integration.IntegrationResponses[0].ResponseTemplates[
      'application/json'
    ] as string;
    expect(response).toContain(
      '#elseif($input.body.contains("QueueArn"))#set($context.responseOverride.status = 404)',
    );
    expect(api.itemResource?.path).toBe('/api/bookings/{requestId}');
  });

  it('answers a denial 429 with the authorizer reason, a bad token 401 with WWW-Authenticate, an authorizer failure 503', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '429',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'15'" }),
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('\\$context\\.authorizer\\.message') },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" }),
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'AUTHORIZER_FAILURE',
      StatusCode: '503',
    });
  });
});
