import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../../compliance/acknowledge';
import { LogEncryptionKey } from '../log-encryption-key/log-encryption-key';
import {
  InvocationKind,
  RempartFunction,
  type FaultInjectionProps,
} from '../rempart-function/rempart-function';

export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Token-bucket size (requests accepted at once). */
  readonly burstLimit: number;
}

export interface QueueWorkerProps {
  /** TypeScript handler of the worker (an SQS batch handler reporting batch item failures). */
  readonly entry: string;
  readonly description: string;
  /** Upper bound of concurrent worker invocations (SQS MaximumConcurrency, 2 to 1,000): the pace the database can take. */
  readonly maxConcurrency: number;
  /** @default maxConcurrency + 10% (at least +2): reserved above the maximum, as AWS advises */
  readonly reservedConcurrentExecutions?: number;
  /** Messages per invocation, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /** AWS FIS Lambda extension on the worker (see RempartFunction). @default - none */
  readonly faultInjection?: FaultInjectionProps;
}

export interface QueueBackedWriteApiProps {
  /** Name of the REST API. @default - the construct path */
  readonly apiName?: string;
  /** @default "Queue-backed write API" */
  readonly description?: string;
  /**
   * Path of the write resource: POST /<writePath>, e.g. "api/bookings". Segments of lower-case
   * letters, digits and "-"; intermediate resources are created (reuse them via `api.root`).
   */
  readonly writePath: string;
  /** Path of a shared progress resource named in the 202 body, e.g. "/api/progress". @default - not named */
  readonly progressPath?: string;
  /** JSON schema of the POST body; any other body is answered 400 with the reason, and nothing is queued. */
  readonly requestSchema: apigateway.JsonSchema;
  /** Stage-wide throttling (every method). */
  readonly stageThrottle: ThrottleProps;
  /**
   * API Gateway REST burst quota of the account and Region: no throttle's burstLimit may exceed it.
   * Set it after a quota increase.
   * @default 5000 (the AWS default account burst quota)
   */
  readonly accountBurstQuota?: number;
  /** Throttling of POST /<writePath>. @default - the stage throttle */
  readonly writeThrottle?: ThrottleProps;
  /** @default "v1" */
  readonly stageName?: string;
  readonly worker: QueueWorkerProps;
  /** Key of both queues. @default - a new customer-managed key with rotation */
  readonly queueKey?: kms.IKey;
  /**
   * Key of the access-log and function log groups.
   * @default - a new customer-managed key with rotation, shared by the access-log and worker log groups
   */
  readonly logEncryptionKey?: kms.IKey;
  /** Deliveries before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /**
   * Removal policy of the queue and its dead-letter queue, which hold accepted requests not yet
   * processed (or that keep failing): deleting the stack must not lose them.
   * @default RemovalPolicy.RETAIN
   */
  readonly queueRemovalPolicy?: RemovalPolicy;
  /** @default 6 × the worker timeout (AWS guidance for SQS event sources) */
  readonly visibilityTimeout?: Duration;
  /** Seconds a client should wait before polling, returned with the 202. @default 15 */
  readonly retryAfterSeconds?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** AWS default API Gateway REST burst quota per account and Region. */
export const DEFAULT_ACCOUNT_BURST_QUOTA = 5000;

const WRITE_PATH = /^[a-z0-9-]{1,64}(\/[a-z0-9-]{1,64}){0,4}$/;

/**
 * A regional REST API whose write path has no function in it: API Gateway validates the JSON body
 * against a model (400 with the reason otherwise), sends it to an encrypted, TLS-only SQS queue with a
 * service integration, and answers 202 with the request id. A worker drains the queue at a bounded
 * concurrency, reporting batch item failures; what keeps failing lands in the dead-letter queue.
 *
 * The API gets access logs (JSON, no client IP), X-Ray, execution error logs and explicit stage
 * throttling; add read routes to `api.root`. `queue`, `deadLetterQueue` and `worker` are exposed for
 * alarms.
 *
 * The queued body is the request body as received; `requestId` and `acceptedAt` (epoch ms) travel
 * as SQS message attributes.
 */
export class QueueBackedWriteApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly worker: RempartFunction;
  /** The POST resource, e.g. /bookings. */
  public readonly writeResource: apigateway.Resource;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly queueKey: kms.IKey;

  constructor(scope: Construct, id: string, props: QueueBackedWriteApiProps) {
    super(scope, id);
    validate(this.node.path, props);
    const stack = Stack.of(this);
    const workerTimeout = props.worker.timeout ?? Duration.seconds(30);
    const retryAfter = props.retryAfterSeconds ?? 15;
    const queueRemovalPolicy = props.queueRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.queueKey =
      props.queueKey ??
      new kms.Key(this, 'QueueKey', {
        description: `Queues of ${this.node.path}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: queueRemovalPolicy,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      // One data key serves many messages: fewer KMS calls at surge rates.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: queueRemovalPolicy,
    });
    const dlqReason =
      'This queue is itself the dead-letter queue of the write queue; a dead-letter queue of a dead-letter queue would only move the same messages again.';
    acknowledge(
      this.deadLetterQueue,
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );

    const logKey =
      props.logEncryptionKey ??
      new LogEncryptionKey(this, 'LogKey', { description: `Logs of ${this.node.path}` }).key;
    const maxConcurrency = props.worker.maxConcurrency;
    this.worker = new RempartFunction(this, 'Worker', {
      entry: props.worker.entry,
      description: props.worker.description,
      invocation: InvocationKind.QUEUE,
      timeout: workerTimeout,
      memorySize: props.worker.memorySize,
      reservedConcurrentExecutions:
        props.worker.reservedConcurrentExecutions ??
        maxConcurrency + Math.max(2, Math.ceil(maxConcurrency * 0.1)),
      environment: props.worker.environment,
      logEncryptionKey: logKey,
      faultInjection: props.worker.faultInjection,
    });
    const eventSource = new lambdaEvents.SqsEventSource(this.queue, {
      batchSize: props.worker.batchSize ?? 10,
      maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.worker.function.addEventSource(eventSource);
    const mapping = this.worker.function.node.tryFindChild(
      `SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`,
    );
    if (mapping) {
      acknowledge(mapping, {
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event source mappings take no on-failure destination: a record that keeps failing returns to the queue and its redrive policy moves it to the dead-letter queue after maxReceiveCount deliveries.',
      });
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const stageThrottle = props.stageThrottle;
    const writeThrottle = props.writeThrottle ?? stageThrottle;
    const stageName = props.stageName ?? 'v1';
    const writePath = props.writePath;
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: props.description ?? 'Queue-backed write API',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logs need the account-level CloudWatch role of API Gateway in this Region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies hold personal keys: never in execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: stageThrottle.rateLimit,
        throttlingBurstLimit: stageThrottle.burstLimit,
        methodOptions: {
          [`/${writePath}/POST`]: {
            throttlingRateLimit: writeThrottle.rateLimit,
            throttlingBurstLimit: writeThrottle.burstLimit,
          },
        },
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        // JSON without the caller's IP (behind CloudFront it is the edge's, and it is personal data).
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            httpMethod: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integration.status',
            integrationLatency: '$context.integration.latency',
            errorMessage: '$context.error.message',
            validationError: '$context.error.validationErrorString',
            xrayTraceId: '$context.xrayTraceId',
          }),
        ),
      },
    });
    this.addGatewayResponses(retryAfter);

    const role = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway sends validated requests of ${this.node.path} to its queue`,
    });
    // Exact actions on exact resources, as a customer-managed policy (not inline): what SendMessage
    // to a KMS-encrypted queue needs, nothing more.
    new iam.ManagedPolicy(this, 'IntegrationPolicy', {
      description: `Send validated requests of ${this.node.path} to its queue`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.queueKey.keyArn],
        }),
      ],
    });

    const model = this.api.addModel('RequestModel', {
      contentType: 'application/json',
      description: `Body of POST /${writePath}`,
      schema: props.requestSchema,
    });
    const validator = this.api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const accepted = JSON.stringify({
      requestId: '$context.requestId',
      status: 'PENDING',
      acceptedAt: 0,
      region: stack.region,
      statusPath: `/${writePath}/$context.requestId`,
      progressPath: props.progressPath,
      retryAfterSeconds: retryAfter,
    }).replace('"acceptedAt":0', '"acceptedAt":$context.requestTimeEpoch');

    const integration = new apigateway.AwsIntegration({
      service: 'sqs',
      path: `${stack.account}/${this.queue.queueName}`,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        requestTemplates: {
          'application/json': [
            'Action=SendMessage',
            'MessageBody=$util.urlEncode($input.body)',
            'MessageAttribute.1.Name=requestId',
            'MessageAttribute.1.Value.DataType=String',
            'MessageAttribute.1.Value.StringValue=$context.requestId',
            'MessageAttribute.2.Name=acceptedAt',
            'MessageAttribute.2.Value.DataType=Number',
            'MessageAttribute.2.Value.StringValue=$context.requestTimeEpoch',
          ].join('&'),
        },
        integrationResponses: [
          {
            statusCode: '202',
            selectionPattern: '2\\d{2}',
            responseParameters: {
              'method.response.header.Cache-Control': "'no-store'",
              'method.response.header.Retry-After': `'${retryAfter}'`,
            },
            responseTemplates: { 'application/json': accepted },
          },
          {
            // The queue refused (throttled, KMS unavailable): ask the client to come back.
            statusCode: '503',
            selectionPattern: '[45]\\d{2}',
            responseParameters: {
              'method.response.header.Cache-Control': "'no-store'",
              'method.response.header.Retry-After': `'${retryAfter}'`,
            },
            responseTemplates: {
              'application/json': JSON.stringify({
                message: 'The request was not accepted. Please retry shortly.',
                retryAfterSeconds: retryAfter,
              }),
            },
          },
        ],
      },
    });

    this.writeResource = writePath
      .split('/')
      .reduce<apigateway.Resource | apigateway.IResource>(
        (parent, segment) => parent.getResource(segment) ?? parent.addResource(segment),
        this.api.root,
      ) as apigateway.Resource;
    const headers = {
      'method.response.header.Cache-Control': true,
      'method.response.header.Retry-After': true,
    };
    this.writeResource.addMethod('POST', integration, {
      requestModels: { 'application/json': model },
      requestValidator: validator,
      methodResponses: [
        { statusCode: '202', responseParameters: headers },
        { statusCode: '503', responseParameters: headers },
      ],
    });

    this.acknowledgeFindings();
  }

  /** Clear answers instead of raw gateway errors: the reason for a bad body, Retry-After when busy. */
  private addGatewayResponses(retryAfter: number): void {
    const json = { 'application/json': '' };
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        ...json,
        'application/json':
          '{"message":"The request body is invalid; nothing was queued.","reason":"$context.error.validationErrorString"}',
      },
    });
    this.api.addGatewayResponse('Throttled', {
      type: apigateway.ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { 'Retry-After': `'${retryAfter}'`, 'Cache-Control': "'no-store'" },
      templates: {
        'application/json': JSON.stringify({
          message: 'Too many requests right now. Please retry after the delay.',
          retryAfterSeconds: retryAfter,
        }),
      },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: { 'Retry-After': `'${retryAfter}'`, 'Cache-Control': "'no-store'" },
      templates: {
        'application/json': JSON.stringify({
          message: 'Temporary problem. Please retry after the delay.',
          retryAfterSeconds: retryAfter,
        }),
      },
    });
  }

  /**
   * Record that every method of the API so far is public on purpose (no authorizer). Call it again
   * after adding public read routes to `api.root`; an authorised method should not be added before.
   */
  public acknowledgePublicMethods(): void {
    const authReason =
      'Public-service endpoint used anonymously by citizens (no account exists to authenticate); abuse is bounded by the edge WAF rate rules, JSON-schema validation and explicit stage and method throttling.';
    for (const method of this.api.methods) {
      if (this.publicMethods.has(method)) continue;
      this.publicMethods.add(method);
      acknowledge(
        method,
        { id: 'AwsSolutions-APIG4', reason: authReason },
        { id: 'AwsSolutions-COG4', reason: authReason },
      );
    }
  }

  private readonly publicMethods = new Set<apigateway.Method>();

  private acknowledgeFindings(): void {
    const stage = this.api.deploymentStage;
    const cacheReason =
      'Responses are cached at CloudFront (micro-cache for lists, one shared progress cursor); an API Gateway cache cluster would duplicate it per Region at extra cost, and the write path must never be cached.';
    const certReason =
      'Every integration is an AWS service integration (SQS SendMessage, Lambda invoke) authenticated by IAM SigV4 over TLS; a stage client certificate authenticates API Gateway to HTTP backends, and there is none.';
    acknowledge(
      stage,
      { id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', reason: cacheReason },
      { id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', reason: cacheReason },
      { id: 'NIST.800.53.R5-APIGWSSLEnabled', reason: certReason },
      { id: 'HIPAA.Security-APIGWSSLEnabled', reason: certReason },
    );
    this.acknowledgePublicMethods();
    const cwRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cwRole) {
      acknowledge(cwRole, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway uses to write execution logs; the AWS managed policy is the documented one and is scoped to CloudWatch Logs actions.',
      });
    }
  }
}

function validate(path: string, props: QueueBackedWriteApiProps): void {
  const problems: string[] = [];
  if (!WRITE_PATH.test(props.writePath)) {
    problems.push(
      `writePath is "${props.writePath}". Fix: use 1 to 5 segments of lower-case letters, digits or "-", without leading or trailing "/", e.g. "api/bookings"`,
    );
  }
  const quota = props.accountBurstQuota ?? DEFAULT_ACCOUNT_BURST_QUOTA;
  if (!Token.isUnresolved(quota) && (!Number.isInteger(quota) || quota < 1)) {
    problems.push(
      `accountBurstQuota is ${quota}. Fix: use the whole-number burst quota of the account and Region, e.g. ${DEFAULT_ACCOUNT_BURST_QUOTA}`,
    );
  }
  const throttle = (name: string, t: ThrottleProps | undefined) => {
    if (!t) return;
    if (!Token.isUnresolved(t.rateLimit) && !(t.rateLimit > 0)) {
      problems.push(`${name}.rateLimit is ${t.rateLimit}. Fix: use a positive number of requests per second`);
    }
    if (
      !Token.isUnresolved(t.burstLimit) &&
      (!Number.isInteger(t.burstLimit) ||
        t.burstLimit < 1 ||
        (!Token.isUnresolved(quota) && t.burstLimit > quota))
    ) {
      problems.push(
        `${name}.burstLimit is ${t.burstLimit}. Fix: use a whole number from 1 to ${quota} (accountBurstQuota, the account burst quota), or raise accountBurstQuota after a quota increase`,
      );
    }
  };
  throttle('stageThrottle', props.stageThrottle);
  throttle('writeThrottle', props.writeThrottle);
  if (
    props.writeThrottle &&
    !Token.isUnresolved(props.writeThrottle.rateLimit) &&
    props.writeThrottle.rateLimit > props.stageThrottle.rateLimit
  ) {
    problems.push(
      `writeThrottle.rateLimit (${props.writeThrottle.rateLimit}) is above stageThrottle.rateLimit (${props.stageThrottle.rateLimit}). Fix: keep the write limit at or below the stage limit`,
    );
  }
  const w = props.worker;
  if (
    !Token.isUnresolved(w.maxConcurrency) &&
    (!Number.isInteger(w.maxConcurrency) || w.maxConcurrency < 2 || w.maxConcurrency > 1000)
  ) {
    problems.push(
      `worker.maxConcurrency is ${w.maxConcurrency}. Fix: use a whole number from 2 to 1000 (SQS event source limits)`,
    );
  }
  if (w.batchSize !== undefined && (!Number.isInteger(w.batchSize) || w.batchSize < 1 || w.batchSize > 10)) {
    problems.push(`worker.batchSize is ${w.batchSize}. Fix: use 1 to 10`);
  }
  if (
    w.reservedConcurrentExecutions !== undefined &&
    !Token.isUnresolved(w.reservedConcurrentExecutions) &&
    w.reservedConcurrentExecutions < w.maxConcurrency
  ) {
    problems.push(
      `worker.reservedConcurrentExecutions (${w.reservedConcurrentExecutions}) is below worker.maxConcurrency (${w.maxConcurrency}); the poller would be throttled. Fix: reserve at least maxConcurrency`,
    );
  }
  const timeout = (w.timeout ?? Duration.seconds(30)).toSeconds();
  const visibility = props.visibilityTimeout?.toSeconds();
  if (visibility !== undefined && visibility < timeout * 6) {
    problems.push(
      `visibilityTimeout is ${visibility} s, below 6 × the worker timeout (${timeout * 6} s); messages would be redelivered while still in process. Fix: use at least ${timeout * 6} s or leave it out`,
    );
  }
  const mrc = props.maxReceiveCount;
  if (mrc !== undefined && (!Number.isInteger(mrc) || mrc < 1 || mrc > 1000)) {
    problems.push(`maxReceiveCount is ${mrc}. Fix: use a whole number from 1 to 1000, e.g. 5`);
  }
  if (problems.length) throw new Error(`QueueBackedWriteApi ${path}: ${problems.join('; ')}`);
}
