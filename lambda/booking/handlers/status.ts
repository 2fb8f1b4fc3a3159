import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { authorizationExpired } from '../../identity/domain/authorizer';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { PERSON_KEY, REQUEST_ID, ownsRequest } from '../domain/model';
import { progressAnswer, statusAnswer, unauthorized } from '../domain/views';
import { pathParameter, requiredEnv, toProxyResult } from './http';

export interface StatusDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => number;
  /** Seconds of clock skew tolerated on the token's expiry. @default 10 */
  readonly clockToleranceSeconds?: number;
}

export type StatusHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * GET /bookings/{requestId} (the signed-in person's own outcome; the read authorizer put the person
 * in the request context) and GET /progress (the shared, cacheable cursor, no authorizer).
 */
export function makeStatusHandler(deps: StatusDeps): StatusHandler {
  const store = new CatalogueStore(deps.db, deps.tableName);
  const now = deps.now ?? Date.now;
  const tolerance = deps.clockToleranceSeconds ?? 10;
  return async (event) => {
    if (event.resource.endsWith('/progress'))
      return toProxyResult(progressAnswer(await store.listProgress(), now()));

    const authorizer = (event.requestContext?.authorizer ?? {}) as Record<string, unknown>;
    const personKey = typeof authorizer.personKey === 'string' ? authorizer.personKey : '';
    // The authorization may come from API Gateway's cache: its token may have expired since.
    if (!PERSON_KEY.test(personKey) || authorizationExpired(Number(authorizer.expiresAt), now(), tolerance)) {
      return toProxyResult(unauthorized());
    }
    const requestId = pathParameter(event, 'requestId') ?? '';
    if (!REQUEST_ID.test(requestId)) return toProxyResult(statusAnswer(requestId, false, undefined));
    // Another person's id is refused from the id alone: no read, nothing to learn from timing either.
    const owned = ownsRequest(personKey, requestId);
    const record = owned ? await store.personDecision(personKey, requestId) : undefined;
    return toProxyResult(statusAnswer(requestId, owned, record));
  };
}

let cached: StatusHandler | undefined;

export const handler: StatusHandler = (event) => {
  cached ??= makeStatusHandler({
    db: documentClient(),
    tableName: requiredEnv('TABLE_NAME'),
    clockToleranceSeconds: Number(process.env.OIDC_CLOCK_TOLERANCE_SECONDS ?? 10),
  });
  return cached(event);
};
