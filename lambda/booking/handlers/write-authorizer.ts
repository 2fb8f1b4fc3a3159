import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { allow, deny } from '../../identity/domain/authorizer';
import { identify, identityDepsFromEnvironment, type IdentityDeps } from '../../identity/handlers/authorizer';
import { AdmissionStore } from '../adapters/admission-store';
import { documentClient } from '../adapters/dynamodb';
import { admissionLimitsProblems, type AdmissionLimits, type AdmissionRequest } from '../domain/admission';
import { ownsRequest } from '../domain/model';
import { requiredEnv } from './http';

export interface WriteAuthorizerDeps extends IdentityDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly limits: AdmissionLimits;
  readonly now?: () => number;
}

export type WriteAuthorizer = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

/** Environment variables of the write authorizer's limits (set by the booking API stack). */
export const LIMITS_ENVIRONMENT: Record<keyof AdmissionLimits, string> = {
  maxInFlight: 'LIMIT_MAX_IN_FLIGHT',
  requestsPerWindow: 'LIMIT_REQUESTS_PER_WINDOW',
  windowSeconds: 'LIMIT_WINDOW_SECONDS',
  inFlightLeaseSeconds: 'LIMIT_IN_FLIGHT_LEASE_SECONDS',
  maxTrackedRequests: 'LIMIT_MAX_TRACKED_REQUESTS',
};

function header(headers: APIGatewayRequestAuthorizerEvent['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? (headers[key] ?? undefined) : undefined;
}

/**
 * REQUEST authorizer of the write routes (POST a booking, DELETE one's own), never cached: it
 * verifies the ID token, derives the person, and applies the per-identity limits (in flight, per
 * window) with one conditional write on the person item, all before API Gateway queues anything.
 * Allow hands `personKey` and `requestTag` to the SQS mapping template; a limit answers Deny, which
 * the API turns into 429 with the reason; a bad token answers 401.
 */
export function makeWriteAuthorizer(deps: WriteAuthorizerDeps): WriteAuthorizer {
  const store = new AdmissionStore(deps.db, deps.tableName, deps.limits);
  const now = deps.now ?? Date.now;
  return async (event) => {
    const who = await identify(deps, header(event.headers, 'authorization'));
    const target = event.pathParameters?.requestId;
    // A cancellation of someone else's (or a malformed) id is answered 404 by the API itself; it is
    // not marked as the person's pending cancellation.
    const request: AdmissionRequest =
      event.httpMethod === 'DELETE'
        ? { kind: 'CANCEL', target: target && ownsRequest(who.personKey, target) ? target : undefined }
        : { kind: 'BOOK' };
    const decision = await store.admit(who.personKey, request, now());
    if (!decision.admitted) {
      deps.logger?.info('write refused by a per-identity limit', { refusal: decision.refusal });
      return deny(who.requestTag, event.methodArn, {
        refusal: decision.refusal,
        message: decision.message,
        retryAfterSeconds: decision.retryAfterSeconds,
      }) as unknown as APIGatewayAuthorizerResult;
    }
    return allow(who.requestTag, event.methodArn, {
      personKey: who.personKey,
      requestTag: who.requestTag,
      expiresAt: who.expiresAt,
    }) as unknown as APIGatewayAuthorizerResult;
  };
}

/** The limits from the environment, checked with the same rules as the configuration. */
export function limitsFromEnvironment(env: NodeJS.ProcessEnv = process.env): AdmissionLimits {
  const entries = Object.entries(LIMITS_ENVIRONMENT).map(([field, name]) => [field, Number(env[name])]);
  const limits = Object.fromEntries(entries) as unknown as AdmissionLimits;
  const problems = admissionLimitsProblems(limits);
  if (problems.length) throw new Error(`Invalid admission limits in the environment: ${problems.join('; ')}`);
  return limits;
}

let cached: WriteAuthorizer | undefined;

export const handler: WriteAuthorizer = (event) => {
  cached ??= makeWriteAuthorizer({
    ...identityDepsFromEnvironment(),
    logger: new Logger(),
    db: documentClient(),
    tableName: requiredEnv('TABLE_NAME'),
    limits: limitsFromEnvironment(),
  });
  return cached(event);
};
