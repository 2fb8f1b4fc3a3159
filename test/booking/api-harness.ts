import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { BOOKING_REQUEST_SCHEMA, MAX_BOOKING_BODY_LENGTH } from '../../lambda/booking/domain/model';
import type { StatusHandler } from '../../lambda/booking/handlers/status';
import type { WriteAuthorizer } from '../../lambda/booking/handlers/write-authorizer';
import type { ReadAuthorizer } from '../../lambda/identity/handlers/authorizer';
import type { RawMessage } from './harness';

/**
 * API Gateway as the booking API is configured (QueueBackedWriteApi + the booking stack), in front
 * of the real authorizer and status handlers: identity-source check, authorizer (401/429/503),
 * model validation (400), the mapping templates' size and ownership checks (413/404), then the
 * message as the SQS template builds it. The template tests check the synthesized templates carry
 * these same rules; this stand-in lets the handlers be driven end to end against DynamoDB Local.
 */
export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

const METHOD_ARN = 'arn:aws:execute-api:eu-west-3:111111111111:api1234567/v1';

export class SimulatedBookingApi {
  /** What API Gateway put in the queue, in order. */
  readonly queue: RawMessage[] = [];
  /** The read authorizer's cache: one answer per token, for `ttlMs`. */
  private readonly readCache = new Map<string, { until: number; result: APIGatewayAuthorizerResult }>();

  constructor(
    private readonly deps: {
      readonly writeAuthorizer: WriteAuthorizer;
      readonly readAuthorizer: ReadAuthorizer;
      readonly status: StatusHandler;
      readonly now?: () => number;
      readonly readCacheMs?: number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async post(authorization: string | undefined, body: string): Promise<Answer> {
    const gate = await this.authorizeWrite('POST', '/api/bookings', authorization, undefined);
    if ('answer' in gate) return gate.answer;
    const invalid = validateBody(body);
    if (invalid)
      return {
        status: 400,
        body: { message: 'The request body is invalid; nothing was queued.', reason: invalid },
        headers: {},
      };
    if (body.length > MAX_BOOKING_BODY_LENGTH)
      return { status: 413, body: { message: 'too large' }, headers: {} };
    const requestId = `${String(gate.context.requestTag)}-${randomUUID()}`;
    const acceptedAt = this.now();
    this.queue.push({
      body,
      attributes: {
        requestId,
        acceptedAt: String(acceptedAt),
        operation: 'CREATE',
        personKey: String(gate.context.personKey),
      },
    });
    return {
      status: 202,
      body: { requestId, acceptedAt, statusPath: `/api/bookings/${requestId}` },
      headers: { 'cache-control': 'no-store' },
    };
  }

  async cancel(authorization: string | undefined, target: string): Promise<Answer> {
    const gate = await this.authorizeWrite('DELETE', `/api/bookings/${target}`, authorization, target);
    if ('answer' in gate) return gate.answer;
    const tag = String(gate.context.requestTag);
    if (!/^[A-Za-z0-9-]{8,64}$/.test(target) || !target.startsWith(`${tag}-`)) {
      return {
        status: 404,
        body: { message: 'Not found among your requests; nothing was queued.' },
        headers: {},
      };
    }
    this.queue.push({
      body: JSON.stringify({ requestId: target }),
      attributes: {
        requestId: `${tag}-${randomUUID()}`,
        acceptedAt: String(this.now()),
        operation: 'DELETE',
        personKey: String(gate.context.personKey),
      },
    });
    return {
      status: 202,
      body: { requestId: target, statusPath: `/api/bookings/${target}` },
      headers: { 'cache-control': 'no-store' },
    };
  }

  async status(authorization: string | undefined, requestId: string): Promise<Answer> {
    const token = authorization ?? '';
    if (!/^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token)) return unauthorized();
    let cached = this.readCache.get(token);
    if (!cached || cached.until <= this.now()) {
      try {
        const result = await this.deps.readAuthorizer({
          type: 'TOKEN',
          authorizationToken: token,
          methodArn: `${METHOD_ARN}/GET/api/bookings/${requestId}`,
        });
        cached = { until: this.now() + (this.deps.readCacheMs ?? 300_000), result };
        this.readCache.set(token, cached);
      } catch (e) {
        return (e as Error).message === 'Unauthorized' ? unauthorized() : failure();
      }
    }
    const res = await this.deps.status({
      resource: '/api/bookings/{requestId}',
      pathParameters: { requestId },
      requestContext: { authorizer: cached.result.context ?? {} },
    } as unknown as APIGatewayProxyEvent);
    return {
      status: res.statusCode,
      body: JSON.parse(res.body) as Record<string, unknown>,
      headers: (res.headers ?? {}) as Record<string, string>,
    };
  }

  private async authorizeWrite(
    method: 'POST' | 'DELETE',
    path: string,
    authorization: string | undefined,
    requestId: string | undefined,
  ): Promise<{ answer: Answer } | { context: Record<string, unknown> }> {
    // Identity source: no Authorization header, no call to the authorizer.
    if (!authorization) return { answer: unauthorized() };
    let result: APIGatewayAuthorizerResult;
    try {
      result = await this.deps.writeAuthorizer({
        type: 'REQUEST',
        methodArn: `${METHOD_ARN}/${method}${path}`,
        resource: method === 'POST' ? '/api/bookings' : '/api/bookings/{requestId}',
        path,
        httpMethod: method,
        headers: { Authorization: authorization },
        pathParameters: requestId === undefined ? null : { requestId },
        requestContext: { requestId: randomUUID() },
      } as unknown as APIGatewayRequestAuthorizerEvent);
    } catch (e) {
      return { answer: (e as Error).message === 'Unauthorized' ? unauthorized() : failure() };
    }
    const context = result.context ?? {};
    if (result.policyDocument.Statement.some((s) => s.Effect === 'Deny')) {
      return {
        answer: {
          status: 429,
          body: { ...context },
          headers: { 'retry-after': String(context.retryAfterSeconds) },
        },
      };
    }
    return { context };
  }
}

function unauthorized(): Answer {
  return { status: 401, body: { message: 'Sign in again' }, headers: { 'www-authenticate': 'Bearer' } };
}

function failure(): Answer {
  return { status: 503, body: { message: 'Sign-in cannot be checked right now' }, headers: {} };
}

/** API Gateway's model validation of BOOKING_REQUEST_SCHEMA (draft 4: the keywords it uses). */
function validateBody(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'Invalid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'instance type is not allowed';
  const schema = BOOKING_REQUEST_SCHEMA;
  const props = schema.properties as Record<string, { pattern: string; maxLength: number }>;
  const extra = Object.keys(value).filter((k) => !(k in props));
  if (extra.length)
    return `object instance has properties which are not allowed by the schema: ${JSON.stringify(extra)}`;
  for (const name of schema.required)
    if (!(name in value)) return `object has missing required properties (["${name}"])`;
  for (const [name, rule] of Object.entries(props)) {
    const v = (value as Record<string, unknown>)[name];
    if (typeof v !== 'string' || v.length > rule.maxLength || !new RegExp(rule.pattern).test(v))
      return `${name} is invalid`;
  }
  return undefined;
}
