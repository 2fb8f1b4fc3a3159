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
  acceptedResponseTemplate,
  commonAttributes,
  createRequestTemplate,
  deleteRequestTemplate,
} from './private/templates';
import {
  InvocationKind,
  RempartFunction,
  type FaultInjectionProps,
} from '../rempart-function/rempart-function';

/**
 * An API Gateway throttle (token bucket). Past it API Gateway answers 429 itself, so a flood costs
 * neither a queue message nor a worker invocation.
 */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Token-bucket size (requests accepted at once). */
  readonly burstLimit: number;
}

/** The function that drains the queue, and the pace at which it may. */
export interface QueueWorkerProps {
  /** TypeScript handler of the worker (an SQS batch handler reporting batch item failures). */
  readonly entry: string;
  /** Description of the function, shown in the Lambda console. */
  readonly description: string;
  /**
   * Upper bound of concurrent worker invocations (SQS MaximumConcurrency, 2 to 1,000): the pace the database
   * can take.
   */
  readonly maxConcurrency: number;
  /** @default maxConcurrency + 10% (at least +2): reserved above the maximum, as AWS advises */
  readonly reservedConcurrentExecutions?: number;
  /** Messages per invocation, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** Longest invocation; the queue's visibility timeout follows it. @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Memory in MB, which also sets the CPU share. @default 512 */
  readonly memorySize?: number;
  /** Environment of the worker, e.g. its table name. @default - none */
  readonly environment?: Record<string, string>;
  /** AWS FIS Lambda extension on the worker (see RempartFunction). @default - none */
  readonly faultInjection?: FaultInjectionProps;
}

/** Who may write, and what of the caller the queued message carries. */
export interface WriteAuthorizationProps {
  /**
   * Authorizer of the write methods (POST, and DELETE when `deleteRoute` is set). When it enforces
   * per-caller limits it must not be cached (a cached answer would let requests past uncounted).
   */
  readonly authorizer: apigateway.IAuthorizer;
  /**
   * Values of the authorizer's context copied into message attributes of the same name
   * (`$context.authorizer.<name>`), e.g. ["personKey"]: the caller's identity travels from the
   * authorizer, never from the body. At most 6 (SQS takes 10 attributes; 3 are the API's own, one is spare).
   * @default - none
   */
  readonly contextAttributes?: readonly string[];
  /**
   * A context value prepended to every request id (`<value>-<API request id>`), binding ids to
   * their caller: DELETE then only accepts ids that carry the caller's value (others: 404).
   * @default - the API request id alone
   */
  readonly requestIdPrefix?: string;
  /**
   * Status of a request the authorizer denies (ACCESS_DENIED). 429 when its denials are per-caller
   * limits (the body then carries the authorizer's `message` and `retryAfterSeconds`).
   * @default 403
   */
  readonly deniedStatusCode?: 403 | 429;
}

/** A DELETE route on one queued item: `DELETE /<writePath>/{<pathParameter>}`, queued like a write. */
export interface DeleteRouteProps {
  /** Name of the path parameter, e.g. "requestId". */
  readonly pathParameter: string;
  /**
   * Java regular expression an id must match whole (no quote, "$" or "#"); any other id is
   * answered 404 and nothing is queued.
   */
  readonly idPattern: string;
}

/** Props of {@link QueueBackedWriteApi}. */
export interface QueueBackedWriteApiProps {
  /** Name of the REST API. @default - the construct path */
  readonly apiName?: string;
  /** Description of the REST API. @default "Queue-backed write API" */
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
  /**
   * Longest POST body queued, in characters; a longer one is answered 413 and nothing is queued, so
   * no body can exceed what SQS accepts (which would otherwise surface as a 5xx). 1 to 262,144.
   * @default 8192
   */
  readonly maxBodyLength?: number;
  /**
   * Who may write, and which of the caller's values travel with the message.
   * @default - anonymous writes (every method is public; see `acknowledgePublicMethods`)
   */
  readonly writeAuthorization?: WriteAuthorizationProps;
  /** A DELETE of one queued request, e.g. to cancel a booking. @default - no DELETE route */
  readonly deleteRoute?: DeleteRouteProps;
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
  /** Name of the deployed stage, the first segment of every URL. @default "v1" */
  readonly stageName?: string;
  /** The function that drains the queue. */
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
  /**
   * How long an accepted request may wait in the queue, e.g. through a worker outage, before SQS
   * drops it. @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Removal policy of the queue and its dead-letter queue, which hold accepted requests not yet
   * processed (or that keep failing): deleting the stack must not lose them.
   * @default RemovalPolicy.RETAIN
   */
  readonly queueRemovalPolicy?: RemovalPolicy;
  /**
   * Time a received message stays hidden before redelivery.
   * @default 6 × the worker timeout (AWS guidance for SQS event sources)
   */
  readonly visibilityTimeout?: Duration;
  /** Seconds a client should wait before polling, returned with the 202. @default 15 */
  readonly retryAfterSeconds?: number;
  /** Retention of the access-log and worker log groups. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

export { NOT_FOUND_PROBE, TOO_LARGE_PROBE } from './private/templates';

/** AWS default API Gateway REST burst quota per account and Region. */
export const DEFAULT_ACCOUNT_BURST_QUOTA = 5000;

/** Default `maxBodyLength`, characters. */
export const DEFAULT_MAX_BODY_LENGTH = 8192;
/**
 * Largest `maxBodyLength`: 4 bytes per character at worst, plus attributes, stays under SQS's
 * 1 MiB message limit.
 */
export const MAX_BODY_LENGTH_LIMIT = 262_144;

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
 * The queued body is the request body as received; `requestId`, `acceptedAt` (epoch ms) and
 * `operation` (CREATE or DELETE) travel as SQS message attributes, with the authorizer's context
 * values named in `writeAuthorization.contextAttributes`. A client mistake is always a 4xx: a body
 * that fails the schema 400, a body over `maxBodyLength` 413, a DELETE of an id that is not the
 * caller's 404; only a refusal by SQS itself (KMS, throttling) is a 503.
 */
export class QueueBackedWriteApi extends Construct {
  /** The REST API; add read routes under `api.root`. */
  public readonly api: apigateway.RestApi;
  /** The queue of accepted writes, to alarm on its depth and oldest message. */
  public readonly queue: sqs.Queue;
  /** Where writes that keep failing land; any message in it is a request given up on. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The worker; grant it what it writes (e.g. `table.grantWriteData(worker.function)`). */
  public readonly worker: RempartFunction;
  /** The POST resource, e.g. /bookings. */
  public readonly writeResource: apigateway.Resource;
  /** POST /<writePath>. */
  public readonly writeMethod: apigateway.Method;
  /** `/<writePath>/{<pathParameter>}`, when `deleteRoute` is set: add the item's GET to it. */
  public readonly itemResource?: apigateway.Resource;
  /** DELETE /<writePath>/{<pathParameter>}, when `deleteRoute` is set. */
  public readonly deleteMethod?: apigateway.Method;
  /** Access logs of the stage (JSON, no client IP). */
  public readonly accessLogGroup: logs.LogGroup;
  /** Key of both queues: `queueKey`, or the one created. */
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
    this.addGatewayResponses(retryAfter, props.writeAuthorization);

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
        // GetQueueAttributes: the read-only probe that stands for a client's 4xx (private/templates.ts).
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          resources: [this.queue.queueArn],
        }),
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

    const auth = props.writeAuthorization;
    const prefixKey = auth?.requestIdPrefix;
    const contextAttributes = auth?.contextAttributes ?? [];
    const maxBodyLength = props.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
    const requestId = prefixKey
      ? `$context.authorizer.${prefixKey}-$context.requestId`
      : '$context.requestId';
    const acceptedBody = (id: string, operation: 'CREATE' | 'DELETE') =>
      JSON.stringify({
        requestId: id,
        operation,
        status: 'PENDING',
        acceptedAt: 0,
        region: stack.region,
        statusPath: `/${writePath}/${id}`,
        progressPath: props.progressPath,
        retryAfterSeconds: retryAfter,
      }).replace('"acceptedAt":0', '"acceptedAt":$context.requestTimeEpoch');

    const integration = (requestTemplate: string, accepted: string) =>
      new apigateway.AwsIntegration({
        service: 'sqs',
        path: `${stack.account}/${this.queue.queueName}`,
        integrationHttpMethod: 'POST',
        options: {
          credentialsRole: role,
          passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
          requestParameters: {
            'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          },
          requestTemplates: { 'application/json': requestTemplate },
          integrationResponses: [
            {
              // 202, or the client's 4xx when the template only probed the queue (private/templates.ts).
              statusCode: '202',
              selectionPattern: '2\\d{2}',
              responseParameters: {
                'method.response.header.Cache-Control': "'no-store'",
                'method.response.header.Retry-After': `'${retryAfter}'`,
              },
              responseTemplates: { 'application/json': acceptedResponseTemplate(accepted, maxBodyLength) },
            },
            {
              // SQS refused (throttled, KMS unavailable): never the client's doing once bodies are
              // bounded, so a 503 that asks the client to come back.
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
    const methodResponses = ['202', '400', '404', '413', '503'].map((statusCode) => ({
      statusCode,
      responseParameters: headers,
    }));
    const authorizer = auth ? { authorizer: auth.authorizer } : {};
    this.writeMethod = this.writeResource.addMethod(
      'POST',
      integration(
        createRequestTemplate(maxBodyLength, commonAttributes('CREATE', prefixKey, contextAttributes)),
        acceptedBody(requestId, 'CREATE'),
      ),
      {
        requestModels: { 'application/json': model },
        requestValidator: validator,
        methodResponses,
        ...authorizer,
      },
    );

    if (props.deleteRoute) {
      const { pathParameter, idPattern } = props.deleteRoute;
      this.itemResource = this.writeResource.addResource(`{${pathParameter}}`);
      this.deleteMethod = this.itemResource.addMethod(
        'DELETE',
        integration(
          deleteRequestTemplate(
            pathParameter,
            idPattern,
            prefixKey,
            commonAttributes('DELETE', prefixKey, contextAttributes),
          ),
          acceptedBody(`$input.params('${pathParameter}')`, 'DELETE'),
        ),
        {
          requestParameters: { [`method.request.path.${pathParameter}`]: true },
          methodResponses,
          ...authorizer,
        },
      );
    }

    this.acknowledgeFindings();
  }

  /** Clear answers instead of raw gateway errors: the reason for a bad body, Retry-After when busy. */
  private addGatewayResponses(retryAfter: number, auth: WriteAuthorizationProps | undefined): void {
    const noStore = { 'Cache-Control': "'no-store'" };
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      responseHeaders: noStore,
      templates: {
        'application/json':
          '{"message":"The request body is invalid; nothing was queued.","reason":"$context.error.validationErrorString"}',
      },
    });
    this.api.addGatewayResponse('Throttled', {
      type: apigateway.ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { 'Retry-After': `'${retryAfter}'`, ...noStore },
      templates: {
        'application/json': JSON.stringify({
          message: 'Too many requests right now. Please retry after the delay.',
          retryAfterSeconds: retryAfter,
        }),
      },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: { 'Retry-After': `'${retryAfter}'`, ...noStore },
      templates: {
        'application/json': JSON.stringify({
          message: 'Temporary problem. Please retry after the delay.',
          retryAfterSeconds: retryAfter,
        }),
      },
    });
    if (!auth) return;
    this.api.addGatewayResponse('Unauthorized', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      statusCode: '401',
      responseHeaders: { 'WWW-Authenticate': "'Bearer'", ...noStore },
      templates: {
        'application/json': JSON.stringify({
          message:
            'Sign in again: a valid ID token is required (Authorization: Bearer <token>). Nothing was queued.',
        }),
      },
    });
    const denied = auth.deniedStatusCode ?? 403;
    this.api.addGatewayResponse('AccessDenied', {
      type: apigateway.ResponseType.ACCESS_DENIED,
      statusCode: String(denied),
      responseHeaders: denied === 429 ? { 'Retry-After': `'${retryAfter}'`, ...noStore } : noStore,
      templates: {
        'application/json':
          '{"message":"$util.escapeJavaScript($context.authorizer.message)","reason":"$context.authorizer.refusal","retryAfterSeconds":"$context.authorizer.retryAfterSeconds"}',
      },
    });
    // The authorizer could not run (its key set unreachable): ours, not the client's; come back later.
    this.api.addGatewayResponse('AuthorizerFailure', {
      type: apigateway.ResponseType.AUTHORIZER_FAILURE,
      statusCode: '503',
      responseHeaders: { 'Retry-After': `'${retryAfter}'`, ...noStore },
      templates: {
        'application/json': JSON.stringify({
          message: 'Sign-in cannot be checked right now. Please retry after the delay.',
          retryAfterSeconds: retryAfter,
        }),
      },
    });
  }

  /**
   * Record why each method of the API so far has no Cognito authorizer: a public method (no
   * authorizer) is public on purpose; a method behind a Lambda authorizer verifies the national
   * identity provider's tokens itself. Call it again after adding routes to `api.root`.
   */
  public acknowledgePublicMethods(): void {
    const authReason =
      'Public-service endpoint used anonymously by citizens (catalogue, shared progress cursor, health: no personal data); abuse is bounded by the edge WAF rate rules and explicit stage and method throttling.';
    const lambdaAuthReason =
      "Authorized by a Lambda authorizer that verifies the citizen's OpenID Connect ID token from the national identity provider (FranceConnect or an agent directory) against its published keys; a Cognito user pool would add a second identity store for the same people.";
    for (const method of this.api.methods) {
      if (this.publicMethods.has(method)) continue;
      this.publicMethods.add(method);
      const type = (method.node.defaultChild as apigateway.CfnMethod).authorizationType;
      if (type === apigateway.AuthorizationType.CUSTOM) {
        acknowledge(method, { id: 'AwsSolutions-COG4', reason: lambdaAuthReason });
      } else {
        acknowledge(
          method,
          { id: 'AwsSolutions-APIG4', reason: authReason },
          { id: 'AwsSolutions-COG4', reason: authReason },
        );
      }
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
  const problems = queueBackedWriteApiPropsProblems(props);
  if (problems.length) throw new Error(`QueueBackedWriteApi ${path}: ${problems.join('; ')}`);
}

/**
 * Every problem with `props`, each naming the prop, the value received and the fix (empty when
 * they are valid). Pure: a configuration schema can call it to report its own field names.
 */
export function queueBackedWriteApiPropsProblems(props: QueueBackedWriteApiProps): string[] {
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
  const maxBody = props.maxBodyLength;
  if (
    maxBody !== undefined &&
    (!Number.isInteger(maxBody) || maxBody < 1 || maxBody > MAX_BODY_LENGTH_LIMIT)
  ) {
    problems.push(
      `maxBodyLength is ${maxBody}. Fix: use a whole number of characters from 1 to ${MAX_BODY_LENGTH_LIMIT} (SQS takes 1 MiB, 4 bytes per character at worst), e.g. ${DEFAULT_MAX_BODY_LENGTH}`,
    );
  }
  const auth = props.writeAuthorization;
  const contextName = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
  const reserved = ['requestId', 'acceptedAt', 'operation'];
  for (const name of auth?.contextAttributes ?? []) {
    if (!contextName.test(name) || reserved.includes(name)) {
      problems.push(
        `writeAuthorization.contextAttributes has "${name}". Fix: use letters and digits, starting with a letter, and none of ${reserved.join(', ')}`,
      );
    }
  }
  if ((auth?.contextAttributes?.length ?? 0) > 6) {
    problems.push(
      `writeAuthorization.contextAttributes has ${auth?.contextAttributes?.length} names. Fix: at most 6 (SQS takes 10 message attributes; the API uses 3)`,
    );
  }
  if (auth?.requestIdPrefix !== undefined && !contextName.test(auth.requestIdPrefix)) {
    problems.push(
      `writeAuthorization.requestIdPrefix is "${auth.requestIdPrefix}". Fix: the name of a context value of the authorizer, letters and digits`,
    );
  }
  const del = props.deleteRoute;
  if (del) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(del.pathParameter)) {
      problems.push(
        `deleteRoute.pathParameter is "${del.pathParameter}". Fix: letters and digits, e.g. "requestId"`,
      );
    }
    let compiles = true;
    try {
      new RegExp(del.idPattern);
    } catch {
      compiles = false;
    }
    if (!compiles || /['$#"]/.test(del.idPattern) || del.idPattern.length === 0) {
      problems.push(
        `deleteRoute.idPattern is ${JSON.stringify(del.idPattern)}. Fix: a regular expression matched whole, without quotes, "$" or "#", e.g. "[A-Za-z0-9-]{8,64}"`,
      );
    }
  }
  const mrc = props.maxReceiveCount;
  if (mrc !== undefined && (!Number.isInteger(mrc) || mrc < 1 || mrc > 1000)) {
    problems.push(`maxReceiveCount is ${mrc}. Fix: use a whole number from 1 to 1000, e.g. 5`);
  }
  return problems;
}
